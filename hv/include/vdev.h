/*
 * The device registry: emulated devices claim I/O port ranges and MMIO
 * ranges of one domain, each with a handler and an opaque pointer (as
 * kvmtool's ioport/mmio registration and Xen's register_portio_handler
 * do). A trapped access (an IN/OUT, an MMIO fault or #VMEXIT) is looked up
 * here and handed to the device that owns the address; nothing owns an
 * address twice. Device types declare themselves with VDEV_TYPE() and are
 * collected by the linker, like command-line options.
 * Pure: the host unit tests drive it (tests/unit/test_vdev.c).
 */
#ifndef HV_VDEV_H
#define HV_VDEV_H

#include "types.h"

enum vdev_space { VDEV_PIO, VDEV_MMIO, VDEV_SPACES };

#define VDEV_PIO_END    0x10000u        /* ports are 16 bits */
#define VDEV_MAX        32              /* ranges per domain */

/* One access of size 1, 2 or 4 bytes at addr (a port or a guest-physical
 * address): a write passes *val, a read fills it. 0, or a negative errno
 * (the access then behaves as on an empty bus: reads all ones). */
typedef int (*vdev_io_fn)(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val);

struct vdev_range {
	uint64_t base, len;
	vdev_io_fn io;
	void *opaque;
	const char *name;
	uint64_t accesses;              /* counted by vdev_access */
};

struct vdev_table {
	struct vdev_range r[VDEV_SPACES][VDEV_MAX];
	unsigned n[VDEV_SPACES];
};

/* Claim [base, base + len) of a space: -EINVAL for an empty range, one
 * that wraps or (ports) passes 0xffff, or no handler; -EBUSY if any byte
 * of it is claimed already; -ENOSPC when the table is full. */
int vdev_register(struct vdev_table *t, enum vdev_space s, uint64_t base, uint64_t len,
		  vdev_io_fn io, void *opaque, const char *name);
/* Give back the range that starts at base: -ENOENT if none does. */
int vdev_unregister(struct vdev_table *t, enum vdev_space s, uint64_t base);
/* Give back every range (the domain is being destroyed). */
void vdev_clear(struct vdev_table *t);
/* The range holding all of [addr, addr + size), NULL if none does (an
 * access that straddles two devices belongs to neither). */
struct vdev_range *vdev_find(struct vdev_table *t, enum vdev_space s, uint64_t addr,
			     unsigned size);
/* Hand an access to its device: what the handler returns, or -ENODEV
 * (nobody there: a read gives all ones), -EINVAL for a size other than
 * 1, 2 or 4. */
int vdev_access(struct vdev_table *t, enum vdev_space s, uint64_t addr, unsigned size, bool write,
		uint32_t *val);

/* A device type: a name (as a domain config would name it) and how to add
 * an instance to a domain's table. */
struct vdev_type {
	const char *name;
	int (*create)(struct vdev_table *t, void *domain);
};
#define VDEV_TYPE(ident, name_, create_)                                         \
	static const struct vdev_type __vdev_type_##ident                       \
	__used __section(".vdev_types") __aligned(4) = { .name = name_, .create = create_ }

/* The linker collects every VDEV_TYPE() between these (hv/arch/x86/hv.ld). */
extern const struct vdev_type __vdev_types_start[], __vdev_types_end[];
/* The type of that name among types[0..n), NULL if none: for the image's
 * own, vdev_type_find(__vdev_types_start, __vdev_types_end -
 * __vdev_types_start, name). */
const struct vdev_type *vdev_type_find(const struct vdev_type *types, size_t n, const char *name);

#endif
