/*
 * The device registry (vdev.h). A domain has at most VDEV_MAX ranges per
 * space, so lookups scan; what matters is that no address has two owners
 * and that an access reaches exactly the device that claimed all of it.
 */
#include "vdev.h"
#include "errno.h"
#include "string.h"

static bool overlaps(const struct vdev_range *r, uint64_t base, uint64_t len)
{
	return base < r->base + r->len && r->base < base + len;
}

int vdev_register(struct vdev_table *t, enum vdev_space s, uint64_t base, uint64_t len,
		  vdev_io_fn io, void *opaque, const char *name)
{
	if (s >= VDEV_SPACES || !io || !len || base + len < base)
		return -EINVAL;
	if (s == VDEV_PIO && (base >= VDEV_PIO_END || len > VDEV_PIO_END - base))
		return -EINVAL;
	for (unsigned i = 0; i < t->n[s]; i++)
		if (overlaps(&t->r[s][i], base, len))
			return -EBUSY;
	if (t->n[s] == VDEV_MAX)
		return -ENOSPC;
	t->r[s][t->n[s]++] = (struct vdev_range){
		.base = base, .len = len, .io = io, .opaque = opaque, .name = name,
	};
	return 0;
}

int vdev_unregister(struct vdev_table *t, enum vdev_space s, uint64_t base)
{
	if (s >= VDEV_SPACES)
		return -EINVAL;
	for (unsigned i = 0; i < t->n[s]; i++) {
		if (t->r[s][i].base != base)
			continue;
		t->r[s][i] = t->r[s][--t->n[s]];
		memset(&t->r[s][t->n[s]], 0, sizeof(t->r[s][0]));
		return 0;
	}
	return -ENOENT;
}

void vdev_clear(struct vdev_table *t)
{
	memset(t, 0, sizeof(*t));
}

struct vdev_range *vdev_find(struct vdev_table *t, enum vdev_space s, uint64_t addr,
			     unsigned size)
{
	if (s >= VDEV_SPACES || !size || addr + size < addr)
		return NULL;
	for (unsigned i = 0; i < t->n[s]; i++) {
		struct vdev_range *r = &t->r[s][i];
		if (addr >= r->base && addr + size <= r->base + r->len)
			return r;
	}
	return NULL;
}

int vdev_access(struct vdev_table *t, enum vdev_space s, uint64_t addr, unsigned size, bool write,
		uint32_t *val)
{
	if (size != 1 && size != 2 && size != 4)
		return -EINVAL;
	struct vdev_range *r = vdev_find(t, s, addr, size);
	if (!r) {
		if (!write)
			*val = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
		return -ENODEV;
	}
	r->accesses++;
	return r->io(r->opaque, addr, size, write, val);
}

const struct vdev_type *vdev_type_find(const struct vdev_type *types, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}
