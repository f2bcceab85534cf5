/* The device registry (hv/vdev.c): claims, overlaps, lookups, removal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include "vdev.h"
#include "errno.h"

static struct vdev_table t;

/* A device that remembers its last access and answers reads with its tag. */
struct dev {
	uint32_t tag;
	uint64_t addr;
	unsigned size;
	bool write;
	uint32_t val;
	int calls;
};

static int dev_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct dev *d = opaque;
	d->calls++;
	d->addr = addr;
	d->size = size;
	d->write = write;
	if (write)
		d->val = *val;
	else
		*val = d->tag;
	return 0;
}

static int setup(void **state)
{
	vdev_clear(&t);
	return 0;
}

static void test_overlaps_refused(void **state)
{
	static struct dev a;
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x3f8, 8, dev_io, &a, "uart"), 0);
	/* every way of sharing a byte with it */
	const uint64_t bad[][2] = { { 0x3f8, 8 }, { 0x3f0, 9 }, { 0x3ff, 1 }, { 0x3fa, 2 },
				    { 0x300, 0x200 }, { 0x3f9, 100 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vdev_register(&t, VDEV_PIO, bad[i][0], bad[i][1], dev_io, &a, "x"),
				 -EBUSY);
	/* right next to it, on both sides, is fine */
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x3f0, 8, dev_io, &a, "below"), 0);
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x400, 1, dev_io, &a, "above"), 0);
	/* the same numbers in the other space are another address */
	assert_int_equal(vdev_register(&t, VDEV_MMIO, 0x3f8, 8, dev_io, &a, "mmio"), 0);
	assert_int_equal(t.n[VDEV_PIO], 3);
	assert_int_equal(t.n[VDEV_MMIO], 1);
}

static void test_bad_ranges(void **state)
{
	static struct dev a;
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x80, 0, dev_io, &a, "empty"), -EINVAL);
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0xfffe, 4, dev_io, &a, "past 0xffff"), -EINVAL);
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x10000, 1, dev_io, &a, "port 64K"), -EINVAL);
	assert_int_equal(vdev_register(&t, VDEV_MMIO, UINT64_MAX - 1, 4, dev_io, &a, "wraps"), -EINVAL);
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x80, 1, NULL, &a, "no handler"), -EINVAL);
	assert_int_equal(vdev_register(&t, VDEV_SPACES, 0x80, 1, dev_io, &a, "no space"), -EINVAL);
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0xffff, 1, dev_io, &a, "last port"), 0);
	assert_int_equal(t.n[VDEV_PIO], 1);
}

static void test_lookup_and_access(void **state)
{
	static struct dev pic = { .tag = 0x21 }, pit = { .tag = 0x40 }, hpet = { .tag = 0xfed0 };
	uint32_t v;
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x20, 2, dev_io, &pic, "pic"), 0);
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x40, 4, dev_io, &pit, "pit"), 0);
	assert_int_equal(vdev_register(&t, VDEV_MMIO, 0xfed00000, 0x400, dev_io, &hpet, "hpet"), 0);

	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x21, 1, false, &v), 0);
	assert_int_equal(v, 0x21);
	assert_int_equal(pic.addr, 0x21);
	v = 0x34;
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x43, 1, true, &v), 0);
	assert_true(pit.write && pit.val == 0x34 && pit.addr == 0x43);
	assert_int_equal(vdev_access(&t, VDEV_MMIO, 0xfed000f0, 4, false, &v), 0);
	assert_int_equal(v, 0xfed0);
	assert_int_equal(vdev_find(&t, VDEV_PIO, 0x40, 4)->accesses, 1);

	/* nobody there: reads give all ones, nothing is called */
	int before = pic.calls + pit.calls + hpet.calls;
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x60, 1, false, &v), -ENODEV);
	assert_int_equal(v, 0xff);
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x60, 2, false, &v), -ENODEV);
	assert_int_equal(v, 0xffff);
	assert_int_equal(vdev_access(&t, VDEV_MMIO, 0x1000, 4, false, &v), -ENODEV);
	assert_int_equal(v, 0xffffffff);
	/* straddling the end of a device, or two devices: neither's */
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x21, 2, false, &v), -ENODEV);
	assert_int_equal(vdev_access(&t, VDEV_MMIO, 0xfed003fe, 4, true, &v), -ENODEV);
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x20, 3, false, &v), -EINVAL);
	assert_int_equal(pic.calls + pit.calls + hpet.calls, before);
	assert_null(vdev_find(&t, VDEV_PIO, 0x42, 0));
}

static void test_unregister_and_clear(void **state)
{
	static struct dev a, b;
	uint32_t v = 0;
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x70, 2, dev_io, &a, "rtc"), 0);
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x60, 1, dev_io, &b, "kbd"), 0);
	assert_int_equal(vdev_unregister(&t, VDEV_PIO, 0x71), -ENOENT);     /* not a range's start */
	assert_int_equal(vdev_unregister(&t, VDEV_PIO, 0x70), 0);
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x70, 1, false, &v), -ENODEV);
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x60, 1, false, &v), 0);  /* the other stays */
	assert_int_equal(vdev_unregister(&t, VDEV_PIO, 0x70), -ENOENT);
	/* the range is free for someone else now */
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x70, 2, dev_io, &b, "rtc again"), 0);
	vdev_clear(&t);         /* the domain goes */
	assert_int_equal(t.n[VDEV_PIO] + t.n[VDEV_MMIO], 0);
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x60, 1, false, &v), -ENODEV);
}

static void test_table_full(void **state)
{
	static struct dev a;
	for (unsigned i = 0; i < VDEV_MAX; i++)
		assert_int_equal(vdev_register(&t, VDEV_MMIO, 0x100000ull * (i + 1), 0x1000, dev_io, &a,
					       "dev"), 0);
	assert_int_equal(vdev_register(&t, VDEV_MMIO, 0x7000000, 0x1000, dev_io, &a, "one more"),
			 -ENOSPC);
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x80, 1, dev_io, &a, "ports are apart"), 0);
	assert_int_equal(vdev_unregister(&t, VDEV_MMIO, 0x100000), 0);
	assert_int_equal(vdev_register(&t, VDEV_MMIO, 0x7000000, 0x1000, dev_io, &a, "now"), 0);
}

static int create_nop(struct vdev_table *tb, void *domain)
{
	return 0;
}

static void test_types(void **state)
{
	static const struct vdev_type types[] = { { "pic", create_nop }, { "pit", create_nop } };
	assert_ptr_equal(vdev_type_find(types, 2, "pit"), &types[1]);
	assert_null(vdev_type_find(types, 2, "uart"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_overlaps_refused, setup),
		cmocka_unit_test_setup(test_bad_ranges, setup),
		cmocka_unit_test_setup(test_lookup_and_access, setup),
		cmocka_unit_test_setup(test_unregister_and_clear, setup),
		cmocka_unit_test_setup(test_table_full, setup),
		cmocka_unit_test_setup(test_types, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
