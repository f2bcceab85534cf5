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
/* Interrupts are about to go on: input and output through the UART's
 * interrupt from now on (before, every write is sent at once by polling). */
void console_enable_input(void);
void console_write_hv(const char *s, size_t n);
/* A panic: the terminal goes back to the hypervisor at once, with what
 * was held, and every later line is sent before the next is written. */
void console_panic(void);
/* Send everything still in the output ring, by polling: for what must be
 * on the line before the machine stops (machine_exit). */
void console_flush(void);
/* Timer tick and idle loop: keep the transmitter going (the tick also
 * paces console_baud_sim=). */
void console_tick(void);
void console_idle(void);
/* Console key: the output ring. */
void console_dump(void);

/* A domain's console: line-buffered output tagged with its name, and the
 * input typed while it has the keyboard (Ctrl-] moves it on). */
struct domain;

/*
 * What one console_io write may cost (hv/pv/hypercall.c): it starts only
 * if the output ring has room for domains (else the domain waits, blocked,
 * and the call is made again when the line has drained the ring, so it
 * never returns 0), then takes the guest's bytes until it has made the
 * hypervisor emit (tags, CR LF and all) CONSOLE_IO_BUDGET bytes or found
 * the ring full again, stopping at the end of the line it is in, or at
 * CONSOLE_IO_MAX bytes emitted in any case. It returns how many guest
 * bytes it took: the guest calls again for the rest.
 */
#define CONSOLE_IO_BUDGET       1024
#define CONSOLE_IO_MAX          2048
#define CONSOLE_IO_RUN          16      /* guest bytes between two checks */
/* console_io's write: takes what of buf fits the call's bounds, given
 * console_emitted() when the call began; returns the bytes taken (>= 1). */
size_t console_domain_write_some(struct domain *d, const char *buf, size_t n, uint32_t since);
/* Bytes ever emitted to the line or held: console_io counts its own. */
uint32_t console_emitted(void);
bool console_domain_may_write(const struct domain *d);
/* d found no room: it blocks until the ring has drained. */
void console_domain_wait(struct domain *d);
/* d no longer waits (it runs again, blocks for events, or stops). */
void console_domain_unwait(struct domain *d);
void console_domain_flush(struct domain *d);
int console_domain_read(struct domain *d, char *buf, size_t n);
/* Domain 0's view (domctl): up to n of the bytes d wrote from position pos
 * (bytes since d was created) into buf; *lost = bytes older than the
 * history kept (RV_CONSOLE_HISTORY), skipped. Returns the bytes copied. */
size_t console_domain_history(const struct domain *d, uint64_t pos, char *buf, size_t n,
			      uint64_t *lost);
/* A save file's console record (public/save.h): d's history and its
 * position into c; and back: 0, or -1 with *why for a record that cannot
 * be (longer than the history, or than the output it ends). */
struct rv_save_console;
void console_history_out(const struct domain *d, struct rv_save_console *c);
int console_history_in(struct domain *d, const struct rv_save_console *c, const char **why);
int console_history_check(const struct rv_save_console *c, const char **why);
/* A byte typed into d's console by Domain 0, as from the keyboard; false
 * when its input ring is full. */
bool console_domain_type(struct domain *d, char c);
void console_domain_unread(struct domain *d, const char *buf, size_t n);

/* Hypervisor console keys (keyhandler.c). */
void keyhandler_handle(char key);
void keyhandler_help(void);
extern volatile uint32_t keyhandler_keys_handled;

#endif
