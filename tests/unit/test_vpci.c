/* PCI configuration mechanism #1 (hv/vdev/pci.c), driven through a device
 * table with the widths a kernel's inl/inw/inb use: Linux's probe for it,
 * a bus scan, and the byte lanes of CONFIG_DATA. */
#include "unit.h"
#include <string.h>

#include "vdev.h"
#include "errno.h"
#include "vdev_io.h"
#include "../../hv/vdev/pci.h"

static struct vdev_table t;
static struct vpci pci;

static int setup(void **state)
{
	(void)state;
	vdev_clear(&t);
	assert_int_equal(vpci_init(&pci, &t), 0);
	return 0;
}

static void out(uint16_t port, unsigned size, uint32_t v)
{
	assert_int_equal(vdev_access(&t, VDEV_PIO, port, size, true, &v), 0);
}

static uint32_t in(uint16_t port, unsigned size)
{
	uint32_t v = 0x5a5a5a5a;
	assert_int_equal(vdev_access(&t, VDEV_PIO, port, size, false, &v), 0);
	return v;
}

/* CONFIG_ADDRESS for bus:dev.fn, register reg (enable bit set). */
static uint32_t cfg(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

/* What a config read of size bytes at reg gives, through the ports. */
static uint32_t rd(unsigned bus, unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
	out(0xcf8, 4, cfg(bus, dev, fn, reg));
	return in((uint16_t)(0xcfc + (reg & 3)), size);
}

static void wr(unsigned bus, unsigned dev, unsigned fn, unsigned reg, unsigned size, uint32_t v)
{
	out(0xcf8, 4, cfg(bus, dev, fn, reg));
	out((uint16_t)(0xcfc + (reg & 3)), size, v);
}

/* Linux arch/x86/pci/direct.c pci_check_type1(): a byte to 0xcfb must not
 * disturb CONFIG_ADDRESS, the dword 0x80000000 must read back, and then
 * pci_sanity_check() must find a host bridge (class word 0x0600 at 0x0a)
 * or an Intel vendor ID among bus 0's functions. */
static void test_linux_probe(void **state)
{
	(void)state;
	out(0xcfb, 1, 0x01);
	uint32_t saved = in(0xcf8, 4);
	assert_int_equal(saved, 0);
	out(0xcf8, 4, 0x80000000u);
	assert_int_equal(in(0xcf8, 4), 0x80000000u);
	bool sane = false;
	for (unsigned devfn = 0; devfn < 0x100 && !sane; devfn++) {
		uint32_t class = rd(0, devfn >> 3, devfn & 7, 0x0a, 2);
		uint32_t vendor = rd(0, devfn >> 3, devfn & 7, 0x00, 2);
		sane = class == 0x0600 || vendor == 0x8086;
	}
	assert_true(sane);
	out(0xcf8, 4, saved);
	assert_int_equal(in(0xcf8, 4), 0);
}

/* A scan of bus 0 (and a look at bus 1): one function, 00.0, answers. */
static void test_scan_finds_only_host_bridge(void **state)
{
	(void)state;
	unsigned found = 0;
	for (unsigned bus = 0; bus < 2; bus++)
		for (unsigned dev = 0; dev < 32; dev++)
			for (unsigned fn = 0; fn < 8; fn++) {
				uint32_t id = rd(bus, dev, fn, 0, 4);
				if (bus || dev || fn) {
					assert_int_equal(id, 0xffffffffu);
					assert_int_equal(rd(bus, dev, fn, 0x0e, 1), 0xff);
				} else {
					assert_int_equal(id, 0x12378086u);
					found++;
				}
			}
	assert_int_equal(found, 1);
	/* header type 0 and single-function (bit 7 clear): fns 1-7 need no scan */
	assert_int_equal(rd(0, 0, 0, 0x0e, 1), 0x00);
	assert_int_equal(rd(0, 0, 0, 0x08, 4), 0x06000002u);    /* class 060000, rev 2 */
	assert_int_equal(rd(0, 0, 0, 0x04, 4), 0x02800006u);    /* status, command */
	assert_int_equal(rd(0, 0, 0, 0x10, 4), 0);              /* no BARs */
	assert_int_equal(rd(0, 0, 0, 0x2c, 4), 0);              /* no subsystem */
	assert_int_equal(rd(0, 0, 0, 0xfc, 4), 0);
}

/* CONFIG_DATA's byte lanes: 0xcfc + n is byte n of the dword named. */
static void test_byte_lanes(void **state)
{
	(void)state;
	out(0xcf8, 4, cfg(0, 0, 0, 0x00));
	assert_int_equal(in(0xcfc, 1), 0x86);
	assert_int_equal(in(0xcfd, 1), 0x80);
	assert_int_equal(in(0xcfe, 1), 0x37);
	assert_int_equal(in(0xcff, 1), 0x12);
	assert_int_equal(in(0xcfc, 2), 0x8086);
	assert_int_equal(in(0xcfd, 2), 0x3780);                 /* bytes 1-2 */
	assert_int_equal(in(0xcfe, 2), 0x1237);
	out(0xcf8, 4, cfg(0, 0, 0, 0x08));
	assert_int_equal(in(0xcff, 1), 0x06);                   /* base class */
	assert_int_equal(in(0xcfe, 1), 0x00);                   /* subclass */
	assert_int_equal(in(0xcfd, 1), 0x00);                   /* prog-if */
	assert_int_equal(in(0xcfc, 1), 0x02);                   /* revision */
	/* a register number's low bits are not part of the address */
	out(0xcf8, 4, cfg(0, 0, 0, 0x00) | 3);
	assert_int_equal(in(0xcf8, 4), cfg(0, 0, 0, 0x00));
	assert_int_equal(in(0xcfc, 4), 0x12378086u);
	/* reserved bits 30-24 read as 0 */
	out(0xcf8, 4, 0xffffffffu);
	assert_int_equal(in(0xcf8, 4), 0x80fffffcu);
}

/* Only the command register's PERR# and SERR# enables can be written; the
 * memory and bus-master bits stay on; status, IDs, class ignore writes. */
static void test_writes(void **state)
{
	(void)state;
	wr(0, 0, 0, 0x04, 4, 0xffffffffu);
	assert_int_equal(rd(0, 0, 0, 0x04, 4), 0x02800146u);
	wr(0, 0, 0, 0x04, 1, 0x00);                             /* low byte */
	assert_int_equal(rd(0, 0, 0, 0x04, 2), 0x0106);
	wr(0, 0, 0, 0x05, 1, 0x00);                             /* high byte */
	assert_int_equal(rd(0, 0, 0, 0x04, 2), 0x0006);
	wr(0, 0, 0, 0x05, 2, 0xffff);                           /* bytes 5-6 */
	assert_int_equal(rd(0, 0, 0, 0x04, 4), 0x02800106u);
	wr(0, 0, 0, 0x06, 2, 0xffff);                           /* status alone */
	assert_int_equal(rd(0, 0, 0, 0x04, 4), 0x02800106u);
	wr(0, 0, 0, 0x00, 4, 0);
	wr(0, 0, 0, 0x08, 4, 0);
	wr(0, 0, 0, 0x3c, 1, 11);                               /* interrupt line */
	assert_int_equal(rd(0, 0, 0, 0x00, 4), 0x12378086u);
	assert_int_equal(rd(0, 0, 0, 0x08, 4), 0x06000002u);
	assert_int_equal(rd(0, 0, 0, 0x3c, 1), 0);
	wr(0, 3, 0, 0x04, 4, 0xffffffffu);                      /* nobody there */
	assert_int_equal(rd(0, 3, 0, 0x04, 4), 0xffffffffu);
}

/* Without the enable bit, and for narrow accesses to 0xcf8-0xcfb, the
 * ports are ordinary I/O that nothing answers: all ones, writes lost. */
static void test_not_config_cycles(void **state)
{
	(void)state;
	out(0xcf8, 4, 0x00000000u);                             /* 00.0 reg 0, disabled */
	assert_int_equal(in(0xcfc, 4), 0xffffffffu);
	assert_int_equal(in(0xcfe, 2), 0xffff);
	out(0xcfc, 4, 0);                                       /* no effect */
	out(0xcf8, 4, cfg(0, 0, 0, 0x04));
	assert_int_equal(in(0xcfc, 2), 0x0006);
	out(0xcf8, 1, 0x00);                                    /* a byte: not the address */
	out(0xcf8, 2, 0x0000);
	out(0xcfa, 2, 0x0000);
	out(0xcf9, 1, 0x06);                                    /* 0xcf9 reset: not here */
	assert_int_equal(in(0xcf8, 4), cfg(0, 0, 0, 0x04));
	assert_int_equal(in(0xcf8, 1), 0xff);
	assert_int_equal(in(0xcf9, 1), 0xff);
	assert_int_equal(in(0xcfa, 2), 0xffff);
	assert_int_equal(in(0xcfa, 4), 0xffffffffu);            /* 0xcfa-0xcfd */
	uint32_t v = 0;
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0xcfe, 4, false, &v), -ENODEV);
	assert_int_equal(v, 0xffffffffu);
	/* the model's own reader agrees with the ports */
	assert_int_equal(vpci_config_read(&pci, 0, 0, 0, 0x02, 2), 0x1237);
	assert_int_equal(vpci_config_read(&pci, 0, 1, 0, 0x00, 4), 0xffffffffu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_linux_probe, setup),
		cmocka_unit_test_setup(test_scan_finds_only_host_bridge, setup),
		cmocka_unit_test_setup(test_byte_lanes, setup),
		cmocka_unit_test_setup(test_writes, setup),
		cmocka_unit_test_setup(test_not_config_cycles, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
