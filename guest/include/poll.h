/*
 * ringos: waiting on many descriptors (kernel/poll.c): poll, ppoll, select
 * and pselect6 over the console, pipes and files. Whatever can make a
 * descriptor ready (console input, a pipe's reader or writer) calls
 * poll_wake(); pollers sleep on that one channel and look again.
 */
#ifndef RINGOS_POLL_H
#define RINGOS_POLL_H

#include "types.h"

#define POLLIN          0x001
#define POLLPRI         0x002
#define POLLOUT         0x004
#define POLLERR         0x008
#define POLLHUP         0x010
#define POLLNVAL        0x020
#define POLLRDNORM      0x040
#define POLLWRNORM      0x100

struct file;
struct trap_frame;

void poll_wake(void);
/* What a descriptor's file is ready for now (POLL* bits). */
unsigned file_poll(struct file *f);

long sys_poll(struct trap_frame *f);
long sys_ppoll(struct trap_frame *f);
long sys_select(struct trap_frame *f);
long sys_pselect6(struct trap_frame *f);

#endif
