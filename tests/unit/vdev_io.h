/* A guest's byte OUT and IN, through a device table (hv/vdev.c): the device
 * tests drive their models with these. Each asserts that a device answered
 * and that a read gave a byte. */
#ifndef VDEV_IO_H
#define VDEV_IO_H

#include "vdev.h"

static inline void vdev_outb(struct vdev_table *t, uint16_t port, uint8_t v)
{
	uint32_t x = v;
	assert_int_equal(vdev_access(t, VDEV_PIO, port, 1, true, &x), 0);
}

static inline uint8_t vdev_inb(struct vdev_table *t, uint16_t port)
{
	uint32_t x = 0xdeadbeef;
	assert_int_equal(vdev_access(t, VDEV_PIO, port, 1, false, &x), 0);
	assert_true(x <= 0xff);
	return (uint8_t)x;
}

#endif
