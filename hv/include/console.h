/*
 * The hypervisor console: one serial line. Output comes from printk and
 * from each domain (console_line.h: tagged with its name, or untouched
 * while it has the keyboard); input goes to the hypervisor's key handlers
 * or to the domain that has the keyboard (Ctrl-] moves it on).
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include "types.h"

/* Start on COM1 so that the very first messages are seen. */
void console_early_init(void);
/* Apply serial=/baud= from the command line (may move to another UART). */
void console_apply_options(void);
/* Take input through the UART's interrupt. */
void console_enable_input(void);
void console_write_hv(const char *s, size_t n);
/* A panic: the terminal goes back to the hypervisor at once, with what
 * was held. */
void console_panic(void);

/* A domain's console: line-buffered output tagged with its name, and the
 * input typed while it has the keyboard (Ctrl-] moves it on). */
struct domain;
void console_domain_write(struct domain *d, const char *buf, size_t n);
void console_domain_flush(struct domain *d);
int console_domain_read(struct domain *d, char *buf, size_t n);
void console_domain_unread(struct domain *d, const char *buf, size_t n);

/* Hypervisor console keys (keyhandler.c). */
void keyhandler_handle(char key);
void keyhandler_help(void);
extern volatile uint32_t keyhandler_keys_handled;

#endif
