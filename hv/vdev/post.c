/*
 * Port 0x80 (post.h): a one-byte latch that counts its writes. Nothing else
 * happens on a write: the delay a guest wants from it is already paid by
 * the trap that brought the access here.
 */
#include "post.h"
#include "errno.h"
#include "string.h"

static int post_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vpost *p = opaque;
	(void)addr;
	if (size != 1) {
		if (!write)
			*val = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
		return -EINVAL;
	}
	if (write) {
		p->last = (uint8_t)*val;
		p->writes++;
	} else {
		*val = p->last;
	}
	return 0;
}

int vpost_init(struct vpost *p, struct vdev_table *t)
{
	memset(p, 0, sizeof(*p));
	p->last = 0xff;
	return vdev_register(t, VDEV_PIO, VPOST_PORT, 1, post_io, p, "post");
}
