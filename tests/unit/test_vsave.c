/* hv/vdev/save.c: the device models' state from a save file. A model's
 * state as it runs passes; each field a model could not run from is
 * refused with a reason; times move to the restoring machine's clock. */
#include "unit.h"

#include <string.h>

#include "../../hv/vdev/save.h"
#include "vdev.h"

#define SEC     1000000000ull

static struct vdev_table t;

static const struct vsave_clock later = { 100 * SEC, 500 * SEC };     /* restored later */
static const struct vsave_clock earlier = { 500 * SEC, 100 * SEC };   /* ... on a younger machine */

static void test_time(void **state)
{
	(void)state;
	uint64_t x = 90 * SEC;
	assert_int_equal(vsave_time(&x, &later), 0);
	assert_true(x == 490 * SEC);                    /* 10 s before now, as before the save */
	x = 450 * SEC;
	assert_int_equal(vsave_time(&x, &earlier), 0);
	assert_true(x == 50 * SEC);
	x = 10 * SEC;                                   /* would be before 0: clamped */
	assert_int_equal(vsave_time(&x, &earlier), 0);
	assert_true(x == 0);
	x = 100 * SEC + 3000 * SEC;                     /* 50 min ahead: kept */
	assert_int_equal(vsave_time(&x, &later), 0);
	x = 100 * SEC + 3700 * SEC;                     /* more than an hour ahead */
	assert_int_equal(vsave_time(&x, &later), -1);
	x = UINT64_MAX;
	assert_int_equal(vsave_time(&x, &later), -1);
}

static void test_pit(void **state)
{
	(void)state;
	static struct vpit live, p;
	memset(&t, 0, sizeof(t));
	assert_int_equal(vpit_init(&live, &t, NULL, NULL), 0);
	uint32_t v = 0x34;                              /* channel 0, lo/hi, mode 2 */
	vdev_access(&t, VDEV_PIO, 0x43, 1, true, &v);
	v = 0x9c, vdev_access(&t, VDEV_PIO, 0x40, 1, true, &v);
	v = 0x2e, vdev_access(&t, VDEV_PIO, 0x40, 1, true, &v);
	vpit_update(&live, 50 * SEC);
	const char *why = NULL;
	p = live;
	assert_int_equal(vpit_restore_check(&p, &later, &why), 0);
	assert_true(p.now_ns == live.now_ns + 400 * SEC);
	assert_true(p.ch[0].load_ns == live.ch[0].load_ns + 400 * SEC);
	assert_int_equal(p.ch[0].count, live.ch[0].count);
#define REFUSED(stmt) do { p = live; stmt; why = NULL; \
	assert_int_equal(vpit_restore_check(&p, &later, &why), -1); assert_non_null(why); } while (0)
	REFUSED(p.ch[1].mode = 8);
	REFUSED(p.ch[0].rw = 4);
	REFUSED(p.ch[2].latch_left = 3);
	REFUSED(p.ch[0].count = 65537);
	REFUSED(p.ch[0].next_count = 0x7fffffff);
	REFUSED(p.ch[1].init = 70000);
	REFUSED(p.ch[0].load_ns = UINT64_MAX);
	REFUSED(p.now_ns = 100 * SEC + 7200 * SEC);
	REFUSED(p.port_b = 0xff);
#undef REFUSED
	/* A bool of any byte reads back 0 or 1. */
	p = live;
	memset(&p.ch[0].counting, 0x5a, 1);
	assert_int_equal(vpit_restore_check(&p, &later, &why), 0);
	uint8_t b;
	memcpy(&b, &p.ch[0].counting, 1);
	assert_int_equal(b, 1);
}

static void test_uart_kbd_rtc(void **state)
{
	(void)state;
	static struct vuart lu, u;
	static struct vkbd lk, k;
	static struct vrtc lr, r;
	memset(&t, 0, sizeof(t));
	assert_int_equal(vuart_init(&lu, &t, VUART_COM1_BASE, NULL, NULL, NULL), 0);
	assert_int_equal(vkbd_init(&lk, &t, NULL), 0);
	assert_int_equal(vrtc_init(&lr, &t, 1700000000ull * SEC, NULL, NULL), 0);
	const char *why;
	u = lu;
	assert_int_equal(vuart_restore_check(&u, VUART_COM1_BASE, &later, &why), 0);
	u = lu, u.rx_head = 16;
	assert_int_equal(vuart_restore_check(&u, VUART_COM1_BASE, &later, &why), -1);
	u = lu, u.rx_count = 17;
	assert_int_equal(vuart_restore_check(&u, VUART_COM1_BASE, &later, &why), -1);
	u = lu, u.base = 0x2f8;
	assert_int_equal(vuart_restore_check(&u, VUART_COM1_BASE, &later, &why), -1);
	k = lk;
	assert_int_equal(vkbd_restore_check(&k, &why), 0);
	k = lk, k.kbd.head = 20;
	assert_int_equal(vkbd_restore_check(&k, &why), -1);
	k = lk, k.aux.count = 21;
	assert_int_equal(vkbd_restore_check(&k, &why), -1);
	r = lr;
	assert_int_equal(vrtc_restore_check(&r, &later, &why), 0);
	r = lr, r.index = 0x80;
	assert_int_equal(vrtc_restore_check(&r, &later, &why), -1);
	r = lr, r.offset_ns = INT64_MAX;
	assert_int_equal(vrtc_restore_check(&r, &later, &why), -1);
	r = lr, r.b |= 0x80, r.held.mon = 13;          /* SET, with a held time no date */
	assert_int_equal(vrtc_restore_check(&r, &later, &why), -1);
}

static void test_lapic_ioapic_pic(void **state)
{
	(void)state;
	static struct vlapic ll, l;
	static struct vioapic lio, io;
	static struct vpic lp, p;
	memset(&t, 0, sizeof(t));
	assert_int_equal(vlapic_init(&ll, &t, 0, NULL, NULL), 0);
	assert_int_equal(vioapic_init(&lio, &t, VIOAPIC_BASE, 1, NULL, NULL), 0);
	assert_int_equal(vpic_init(&lp, &t), 0);
	const char *why;
	l = ll;
	assert_int_equal(vlapic_restore_check(&l, &later, &why), 0);
	l = ll, l.base_count = 5, l.tmict = 0;         /* a periodic reload would divide by 0 */
	assert_int_equal(vlapic_restore_check(&l, &later, &why), -1);
	l = ll, l.base_count = 50, l.tmict = 10;
	assert_int_equal(vlapic_restore_check(&l, &later, &why), -1);
	l = ll, l.irr[0] = 1u << 14;                  /* vector 14 requested: never accepted */
	assert_int_equal(vlapic_restore_check(&l, &later, &why), -1);
	l = ll, l.irr[1] = 1u << 2, l.isr[7] = 1u << 31;     /* vectors 34 and 255: fine */
	assert_int_equal(vlapic_restore_check(&l, &later, &why), 0);
	l = ll, l.tdcr = 0x10;
	assert_int_equal(vlapic_restore_check(&l, &later, &why), -1);
	l = ll, l.base_ns = 100 * SEC + 4000 * SEC;
	assert_int_equal(vlapic_restore_check(&l, &later, &why), -1);
	io = lio;
	assert_int_equal(vioapic_restore_check(&io, VIOAPIC_BASE, &why), 0);
	io = lio, io.base = 0;
	assert_int_equal(vioapic_restore_check(&io, VIOAPIC_BASE, &why), -1);
	io = lio, io.id = 16;
	assert_int_equal(vioapic_restore_check(&io, VIOAPIC_BASE, &why), -1);
	p = lp;
	assert_int_equal(vpic_restore_check(&p, &why), 0);
	p = lp, p.slave.init = 1;
	assert_int_equal(vpic_restore_check(&p, &why), -1);
	p = lp, p.master.lowest = 8;
	assert_int_equal(vpic_restore_check(&p, &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time), cmocka_unit_test(test_pit),
		cmocka_unit_test(test_uart_kbd_rtc), cmocka_unit_test(test_lapic_ioapic_pic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
