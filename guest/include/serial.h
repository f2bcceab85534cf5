/*
 * ringos: a raw 16550 serial line as a device node (kernel/serial.c): the
 * PC's second serial port (COM2, 0x2f8, IRQ 3) as /dev/ttyS1, a byte pipe
 * to whatever is at the other end (Domain 0's link to another machine,
 * for migration: docs/control.md). No line discipline: bytes in, bytes out.
 */
#ifndef RINGOS_SERIAL_H
#define RINGOS_SERIAL_H

#include "types.h"

struct ramfs_node;

/* Probe COM2 (through the port's I/O hooks) and make /dev/ttyS1 in dev if
 * it answers. */
void serial_init(struct ramfs_node *dev);
/* The device number of /dev/ttyS1, when the line is there. */
bool serial_is_rdev(uint32_t rdev);
long serial_read(void *buf, size_t len, bool nonblock);
long serial_write(const void *buf, size_t len);
unsigned serial_poll(void);

#endif
