/* Port 0x80 (hv/vdev/post.c), written and read through a device table as
 * a BIOS's POST codes and Linux's io_delay would. */
#include "unit.h"
#include <string.h>

#include "vdev.h"
#include "errno.h"
#include "vdev_io.h"
#include "../../hv/vdev/post.h"

static struct vdev_table t;
static struct vpost post;

static int setup(void **state)
{
	(void)state;
	vdev_clear(&t);
	assert_int_equal(vpost_init(&post, &t), 0);
	return 0;
}

/* Only port 0x80 is claimed, once. */
static void test_claims_one_port(void **state)
{
	(void)state;
	assert_non_null(vdev_find(&t, VDEV_PIO, 0x80, 1));
	assert_null(vdev_find(&t, VDEV_PIO, 0x7f, 1));
	assert_null(vdev_find(&t, VDEV_PIO, 0x81, 1));
	static struct vpost other;
	assert_int_equal(vpost_init(&other, &t), -EBUSY);
}

/* Nothing written yet: the bus's 0xff. Then the latch gives back the last
 * code, and every write counts, a repeated one too. */
static void test_latch_and_count(void **state)
{
	(void)state;
	assert_int_equal(vdev_inb(&t, 0x80), 0xff);
	assert_int_equal(post.writes, 0);
	vdev_outb(&t, 0x80, 0x01);
	vdev_outb(&t, 0x80, 0x55);
	assert_int_equal(vdev_inb(&t, 0x80), 0x55);
	assert_int_equal(vdev_inb(&t, 0x80), 0x55);     /* reading keeps it */
	assert_int_equal(post.last, 0x55);
	assert_int_equal(post.writes, 2);
	/* Linux's native_io_delay: outb(0, 0x80) between slow accesses */
	for (int i = 0; i < 1000; i++)
		vdev_outb(&t, 0x80, 0);
	assert_int_equal(post.writes, 1002);
	assert_int_equal(vdev_inb(&t, 0x80), 0);
}

/* A word or dword access is not a POST code: refused, all ones, the latch
 * and the count untouched. */
static void test_wide_refused(void **state)
{
	(void)state;
	vdev_outb(&t, 0x80, 0x42);
	uint32_t x = 0x1234;
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x80, 2, true, &x), -ENODEV);  /* 0x81 unclaimed */
	x = 0;
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x80, 2, false, &x), -ENODEV);
	assert_int_equal(x, 0xffff);
	assert_int_equal(post.last, 0x42);
	assert_int_equal(post.writes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_claims_one_port, setup),
		cmocka_unit_test_setup(test_latch_and_count, setup),
		cmocka_unit_test_setup(test_wide_refused, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
