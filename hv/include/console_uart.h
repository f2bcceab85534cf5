/* Between the console's two halves: the serial line (console_uart.c) and
 * the keyboard, the domains' consoles and held output (console.c). */
#ifndef HV_CONSOLE_UART_H
#define HV_CONSOLE_UART_H

#include "types.h"

/* Bytes for the line, a newline as CR LF (through the output ring). */
void console_put(const char *s, size_t n);
/* Start the transmitter if it is idle; before interrupts are on (and
 * after a panic), send everything now. */
void console_kick(void);
/* Count bytes emitted that went elsewhere than the ring (held output). */
void console_count_emitted(uint32_t n);
/* A panic: from now on every write is sent at once, by polling. */
void console_go_sync(void);
/* The UART the console is on (its I/O base), not to be lent to anyone. */
uint16_t console_uart_base(void);
/* A byte typed on the line (console.c). */
void console_input(char c);

#endif
