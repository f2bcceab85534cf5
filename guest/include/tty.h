/*
 * ringos's console line discipline (kernel/tty.c): what the port's input
 * interrupt hands over becomes lines for read(2) on /dev/console, as a Linux
 * tty does: canonical mode (erase, end of file), echo, CR to NL, and Ctrl-C
 * as SIGINT to the foreground process group. The settings are the Linux
 * struct termios on i386, changed with TCSETS.
 */
#ifndef RINGOS_TTY_H
#define RINGOS_TTY_H

#include "types.h"

#define TTY_TERMIOS_WORDS 9     /* struct termios: 4 flag words, line, 19 control chars */

/* One byte of console input, from the port's interrupt or event handler. */
void tty_input(char c);
/* read(2) on the console: waits for a line (canonical) or a byte; 0 at
 * Ctrl-D on an empty line; -ERESTARTSYS when a signal comes first. */
long tty_read(void *buf, size_t len);
uint32_t *tty_termios(void);
int *tty_foreground(void);

#endif
