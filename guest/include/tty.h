/*
 * ringos's console line discipline (kernel/tty.c): what the port's input
 * interrupt hands over becomes input for read(2) on /dev/console, as a Linux
 * tty does: canonical mode (erase, kill, word erase, end of file) or raw
 * reads (VMIN/VTIME), echo, CR to NL, the signal characters (Ctrl-C SIGINT,
 * Ctrl-\ SIGQUIT, Ctrl-Z SIGTSTP) to the foreground process group, and job
 * control: the console is the controlling terminal of at most one session,
 * whose background groups get SIGTTIN/SIGTTOU. The settings are the Linux
 * struct termios on i386 (TCGETS/TCSETS).
 */
#ifndef RINGOS_TTY_H
#define RINGOS_TTY_H

#include "types.h"

#define TTY_TERMIOS_WORDS 9     /* struct termios: 4 flag words, line, 19 control chars */

/* One byte of console input, from the port's interrupt or event handler. */
void tty_input(char c);
/* read(2) on the console: waits for a line (canonical) or VMIN bytes; 0 at
 * Ctrl-D on an empty line; -ERESTARTSYS when a signal comes first, -EAGAIN
 * when nonblock and nothing is there, -EIO for an orphaned background read. */
long tty_read(void *buf, size_t len, bool nonblock);
/* write(2) on the console (SIGTTOU for background writers under TOSTOP). */
long tty_write(const void *buf, size_t len);
/* ioctl(2) on the console: the result, or -ENOTTY for an unknown request. */
long tty_ioctl(uint32_t req, uint32_t arg);
/* poll(2): POLLIN when a read would not block; POLLOUT always. */
unsigned tty_poll(void);
/* The session leader sid ended: its terminal hangs up (SIGHUP, SIGCONT to
 * the foreground group) and is free for another session. */
void tty_session_leader_exit(int sid);
/* The session the console belongs to (0: none); *pgrp its foreground group. */
int tty_session(int *pgrp);

#endif
