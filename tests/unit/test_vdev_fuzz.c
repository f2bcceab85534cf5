/*
 * A hostile hw guest's view of its emulated PC, on the host: every device
 * model of hv/vdev/ wired together as hv/hw/devices.c wires them (ISA
 * lines into the 8259A pair and the I/O APIC, the I/O APIC into the local
 * APIC, the local APIC's EOI back), then driven with random accesses of
 * every size at every port and register offset they claim and around
 * them, with time moving on, as a guest in a loop of OUT, IN and MOV to
 * the APIC pages could. The unit build has ASan and UBSan on
 * (mk/config.mk), so an index out of bounds, a division by zero or an
 * overflowing shift in any model ends the test.
 *
 * Beyond "it does not crash", what the hypervisor relies on:
 *  - the IDE model asks the disk only for sectors that exist (devices.c
 *    does disk + lba * 512 with no check of its own);
 *  - an interrupt vector the controllers hand over is a byte, and one
 *    that was pending can be acknowledged;
 *  - no model asks to be woken in the past: hw_devices_update() arms
 *    the vCPU timer with the earliest next event, and one at or before
 *    now fires at once, which would spin the hypervisor.
 */
#include "unit.h"
#include <string.h>

#include "vdev.h"
#include "errno.h"
#include "../../hv/vdev/acpipm.h"
#include "../../hv/vdev/ide.h"
#include "../../hv/vdev/ioapic.h"
#include "../../hv/vdev/kbd.h"
#include "../../hv/vdev/lapic.h"
#include "../../hv/vdev/pci.h"
#include "../../hv/vdev/pic.h"
#include "../../hv/vdev/pit.h"
#include "../../hv/vdev/post.h"
#include "../../hv/vdev/rtc.h"
#include "../../hv/vdev/uart.h"

#define DISK_SECTORS    1000u           /* odd, so no power of two hides an overrun */
#define PM1A_EVT        0xb000
#define PM1A_CNT        0xb004

struct pc {
	struct vdev_table t;
	struct vpic pic;
	struct vpit pit;
	struct vrtc rtc;
	struct vuart uart;
	struct vkbd kbd;
	struct vpci pci;
	struct vpost post;
	struct vlapic lapic;
	struct vioapic ioapic;
	struct vacpipm acpipm;
	struct vide ide;
	uint8_t *disk;
	uint64_t tx_bytes, resets, poweroffs, disk_ops;
};

static void isa_irq(struct pc *pc, unsigned irq, bool level)
{
	vpic_set_irq(&pc->pic, irq, level);
	vioapic_set_irq(&pc->ioapic, irq == 0 ? 2 : irq, level);
}

static void irq0(void *o, bool l) { isa_irq(o, 0, l); }
static void irq4(void *o, bool l) { isa_irq(o, VUART_COM1_IRQ, l); }
static void irq8(void *o, bool l) { isa_irq(o, 8, l); }
static void irq14(void *o, bool l) { isa_irq(o, VIDE_PRIMARY_IRQ, l); }

static void kbd_irq(void *o, unsigned line, bool l)
{
	assert_true(line == 1 || line == 12);
	isa_irq(o, line, l);
}

static void kbd_a20(void *o, bool open) { (void)o, (void)open; }
static void kbd_reset(void *o) { ((struct pc *)o)->resets++; }
static void poweroff(void *o) { ((struct pc *)o)->poweroffs++; }

static void uart_tx(void *o, char c)
{
	(void)c;
	((struct pc *)o)->tx_bytes++;
}

/* The disk: every request must lie inside it (devices.c trusts that). */
static int disk_read(void *o, uint64_t lba, unsigned count, void *buf)
{
	struct pc *pc = o;
	assert_true(count >= 1 && count <= VIDE_MAX_MULT);
	assert_true(lba < DISK_SECTORS && count <= DISK_SECTORS - lba);
	memcpy(buf, pc->disk + lba * VIDE_SECTOR, count * VIDE_SECTOR);
	pc->disk_ops++;
	return 0;
}

static int disk_write(void *o, uint64_t lba, unsigned count, const void *buf)
{
	struct pc *pc = o;
	assert_true(count >= 1 && count <= VIDE_MAX_MULT);
	assert_true(lba < DISK_SECTORS && count <= DISK_SECTORS - lba);
	memcpy(pc->disk + lba * VIDE_SECTOR, buf, count * VIDE_SECTOR);
	pc->disk_ops++;
	return 0;
}

static bool ioapic_deliver(void *o, const struct vioapic_msg *m)
{
	struct pc *pc = o;
	return vlapic_deliver(&pc->lapic, m->dest, m->logical, m->mode, m->vector, m->level);
}

static void lapic_eoi(void *o, uint8_t vector)
{
	vioapic_eoi(&((struct pc *)o)->ioapic, vector);
}

static void pc_init(struct pc *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->disk = calloc(DISK_SECTORS, VIDE_SECTOR);
	assert_non_null(pc->disk);
	struct vdev_table *t = &pc->t;
	assert_int_equal(vpic_init(&pc->pic, t), 0);
	assert_int_equal(vpit_init(&pc->pit, t, irq0, pc), 0);
	assert_int_equal(vrtc_init(&pc->rtc, t, 1700000000ull * 1000000000ull, irq8, pc), 0);
	assert_int_equal(vuart_init(&pc->uart, t, VUART_COM1_BASE, irq4, pc, uart_tx), 0);
	assert_int_equal(vkbd_init(&pc->kbd, t, &(const struct vkbd_ops){
		.irq = kbd_irq, .a20 = kbd_a20, .reset = kbd_reset, .opaque = pc }), 0);
	assert_int_equal(vpci_init(&pc->pci, t), 0);
	assert_int_equal(vpost_init(&pc->post, t), 0);
	assert_int_equal(vlapic_init(&pc->lapic, t, 0, lapic_eoi, pc), 0);
	assert_int_equal(vioapic_init(&pc->ioapic, t, VIOAPIC_BASE, 1, ioapic_deliver, pc), 0);
	assert_int_equal(vacpipm_init(&pc->acpipm, t, PM1A_EVT, PM1A_CNT, poweroff, pc), 0);
	struct vide_disk disk = { .read = disk_read, .write = disk_write,
				  .sectors = DISK_SECTORS, .opaque = pc };
	assert_int_equal(vide_init(&pc->ide, t, VIDE_PRIMARY_BASE, VIDE_PRIMARY_CTL, &disk,
				   irq14, pc), 0);
	vrtc_set_memory(&pc->rtc, 64u << 20);
	vlapic_virtual_wire(&pc->lapic);
}

static void pc_free(struct pc *pc)
{
	free(pc->disk);
}

/* The ports a guest would aim at: each device's, one either side. */
static const uint16_t port_bases[] = {
	0x20, 0xa0, 0x40, 0x61, 0x70, 0x3f8, 0x60, 0x64, 0x92, 0xcf8, 0x80,
	PM1A_EVT, VIDE_PRIMARY_BASE, VIDE_PRIMARY_CTL,
};

static unsigned rand_size(uint64_t *s)
{
	static const unsigned sizes[] = { 1, 2, 4 };
	return sizes[unit_rand(s) % 3];
}

/*
 * A value a guest would write: mostly small (commands, indexes and counts
 * that reach interesting states), sometimes anything.
 */
static uint32_t rand_value(uint64_t *s)
{
	switch (unit_rand(s) % 4) {
	case 0:  return (uint32_t)unit_rand(s);
	case 1:  return (uint32_t)unit_rand(s) & 0xff;
	case 2:  return (uint32_t)unit_rand(s) & 0x0f;
	default: return 0xffffffffu >> (unit_rand(s) % 32);
	}
}

static void one_port_access(struct pc *pc, uint64_t *s)
{
	uint16_t port = (uint16_t)(port_bases[unit_rand(s) % ARRAY_SIZE(port_bases)] +
				   (int)(unit_rand(s) % 10) - 1);
	if (unit_rand(s) % 16 == 0)
		port = (uint16_t)unit_rand(s);
	uint32_t v = rand_value(s);
	vdev_access(&pc->t, VDEV_PIO, port, rand_size(s), unit_rand(s) & 1, &v);
}

/* The I/O APIC: IOREGSEL then IOWIN, as a guest programs it, or anything. */
static void one_ioapic_access(struct pc *pc, uint64_t *s)
{
	uint32_t v = (uint32_t)unit_rand(s) % 80;       /* beyond the 24 pins' 0x10-0x3f */
	vdev_access(&pc->t, VDEV_MMIO, VIOAPIC_BASE, 4, true, &v);
	uint64_t off = unit_rand(s) % 3 ? 0x10 : unit_rand(s) % VIOAPIC_SIZE;
	v = rand_value(s);
	vdev_access(&pc->t, VDEV_MMIO, VIOAPIC_BASE + off, rand_size(s), unit_rand(s) & 1, &v);
}

/* The local APIC: a register offset (or any offset), 4 bytes mostly. */
static void one_lapic_access(struct pc *pc, uint64_t *s)
{
	uint64_t off = unit_rand(s) % 2 ? (unit_rand(s) % 0x40) << 4 : unit_rand(s) % VLAPIC_SIZE;
	unsigned size = unit_rand(s) % 4 ? 4 : rand_size(s);
	uint32_t v = rand_value(s);
	vdev_access(&pc->t, VDEV_MMIO, VLAPIC_BASE + off, size, unit_rand(s) & 1, &v);
}

/* hw_pending_vector() of devices.c, acknowledging. */
static void take_interrupt(struct pc *pc)
{
	int v = vlapic_pending(&pc->lapic);
	if (v >= 0) {
		assert_true(v < 256);
		vlapic_ack(&pc->lapic, (uint8_t)v);
		return;
	}
	if (vlapic_extint(&pc->lapic) && vpic_pending(&pc->pic)) {
		v = vpic_ack(&pc->pic);
		assert_true(v >= 0 && v < 256);
	}
}

/* hw_devices_update(): the models at now, and none wants waking before. */
static void update(struct pc *pc, uint64_t now)
{
	vpit_update(&pc->pit, now);
	vrtc_set_time(&pc->rtc, now);
	vuart_set_time(&pc->uart, now);
	vlapic_update(&pc->lapic, now);
	uint64_t pit = vpit_next_event_ns(&pc->pit), rtc = vrtc_next_event_ns(&pc->rtc);
	uint64_t uart = vuart_next_event_ns(&pc->uart), lapic = vlapic_next_event_ns(&pc->lapic);
	if (pit <= now || rtc <= now || uart <= now || lapic <= now)
		fail_msg("a device wants waking in the past at %llu: pit %llu rtc %llu uart %llu "
			 "lapic %llu", (unsigned long long)now, (unsigned long long)pit,
			 (unsigned long long)rtc, (unsigned long long)uart,
			 (unsigned long long)lapic);
}

static void fuzz(uint64_t seed, unsigned steps)
{
	struct pc *pc = malloc(sizeof(*pc));
	assert_non_null(pc);
	pc_init(pc);
	uint64_t s = seed, now = 1000;
	for (unsigned i = 0; i < steps; i++) {
		switch (unit_rand(&s) % 8) {
		case 0: case 1: case 2:
			one_port_access(pc, &s);
			break;
		case 3:
			one_ioapic_access(pc, &s);
			break;
		case 4:
			one_lapic_access(pc, &s);
			break;
		case 5:
			take_interrupt(pc);
			break;
		case 6:
			/* typed input and keys, as the console feeds them */
			vuart_rx(&pc->uart, (char)unit_rand(&s));
			vkbd_key(&pc->kbd, (uint8_t)unit_rand(&s));
			break;
		default: {
			/* time goes on: a few ns, or up to seconds */
			uint64_t r = unit_rand(&s);
			now += r % 2 ? r % 2000 : r % 3000000000ull;
			update(pc, now);
			break;
		}
		}
	}
	pc_free(pc);
	free(pc);
}

static void test_random_accesses(void **state)
{
	(void)state;
	uint64_t s = unit_seed("vdev_fuzz random accesses");
	for (unsigned run = 0; run < 200; run++)
		fuzz(unit_rand(&s), 20000);
}

/*
 * The IDE transfers a guest can ask for at the edges of the disk: every
 * LBA28 address near the end and far beyond it, every count (0 = 256),
 * single and multiple, read, write and verify; the disk callback asserts
 * that nothing outside the disk is asked for.
 */
static void test_ide_edges(void **state)
{
	(void)state;
	struct pc *pc = malloc(sizeof(*pc));
	assert_non_null(pc);
	pc_init(pc);
	struct vdev_table *t = &pc->t;
	static const uint32_t lbas[] = { 0, DISK_SECTORS - 256, DISK_SECTORS - 17, DISK_SECTORS - 16,
					 DISK_SECTORS - 1, DISK_SECTORS, DISK_SECTORS + 1, 0x0ffffff0,
					 0x0fffffff };
	static const uint8_t cmds[] = { 0x20, 0x30, 0x40, 0xc4, 0xc5 };
	uint32_t v = 16;
	vdev_access(t, VDEV_PIO, VIDE_PRIMARY_BASE + 2, 1, true, &v);
	v = 0xc6;                                       /* SET MULTIPLE 16 */
	vdev_access(t, VDEV_PIO, VIDE_PRIMARY_BASE + 7, 1, true, &v);
	for (unsigned a = 0; a < ARRAY_SIZE(lbas); a++)
		for (unsigned count = 0; count < 256; count += 1 + count / 8)
			for (unsigned c = 0; c < ARRAY_SIZE(cmds); c++) {
				uint32_t lba = lbas[a];
				uint32_t regs[6] = { count, lba & 0xff, (lba >> 8) & 0xff,
						     (lba >> 16) & 0xff, 0xe0 | ((lba >> 24) & 0xf),
						     cmds[c] };
				for (unsigned r = 0; r < 6; r++)
					vdev_access(t, VDEV_PIO, VIDE_PRIMARY_BASE + 2 + r, 1, true,
						    &regs[r]);
				/* move the data: 256 blocks of 16 sectors at most */
				for (unsigned w = 0; w < 256 * 16 * 256 / 2; w++) {
					uint32_t st = 0;
					vdev_access(t, VDEV_PIO, VIDE_PRIMARY_CTL, 1, false, &st);
					if (!(st & 0x08))
						break;
					uint32_t d = w;
					vdev_access(t, VDEV_PIO, VIDE_PRIMARY_BASE, 2,
						    cmds[c] == 0x30 || cmds[c] == 0xc5, &d);
				}
			}
	assert_true(pc->disk_ops > 0);
	pc_free(pc);
	free(pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_accesses),
		cmocka_unit_test(test_ide_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
