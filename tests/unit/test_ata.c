/*
 * ringos's ATA driver (guest/kernel/ata.c, ata_identify.c) against the
 * hypervisor's emulated IDE channel (hv/vdev/ide.c): the port hooks the
 * driver calls (arch.h) go through a vdev_table to the model, as a hw
 * domain's port I/O does. Between the two, this file can make the bus float,
 * the drive stay busy or take its time, spoil IDENTIFY's checksum, show a
 * packet device's signature, or refuse IRQ 14; the clock is a counter, and
 * a process's sleep (the proc.c call the driver makes) takes the drive's
 * interrupt when its line is up, else lets the slice pass.
 */
#include "unit.h"
#include <string.h>

#include "ata.h"
#include "blkdev.h"
#include "uapi/errno.h"
#include "vdev.h"
#include "../../hv/vdev/ide.h"

#define SECTORS         4096u           /* a 2 MiB disk */
#define BASE            0x1f0
#define CTL             0x3f6

static struct vdev_table t;
static struct vide ide;
static uint8_t image[SECTORS * 512];
static bool fail_reads;
static unsigned disk_flushes;

/* What the hooks do to the bus. */
static bool no_ports, stuck, packet, spoil_identify, irq_refused, booting, device_fault;
static unsigned slow;                   /* status reads that show BSY after each command or block */
static unsigned busy_left;
static uint8_t last_cmd;
static uint64_t now;                    /* ns: each clock read is a microsecond later */

/* What the driver did. */
static bool irq_line;
static void (*handler)(void);
static unsigned port_accesses, irqs_taken, sleeps, slices, wakeups;
static struct blkdev *registered[2];
static unsigned nregistered;
static char log_text[4096];

static int disk_read(void *opaque, uint64_t lba, unsigned count, void *buf)
{
	if (fail_reads)
		return -EIO;
	memcpy(buf, image + lba * 512, count * 512);
	return 0;
}

static int disk_write(void *opaque, uint64_t lba, unsigned count, const void *buf)
{
	memcpy(image + lba * 512, buf, count * 512);
	return 0;
}

static int disk_flush(void *opaque)
{
	disk_flushes++;
	return 0;
}

static void irq_cb(void *opaque, bool level)
{
	irq_line = level;
}

static uint8_t pattern(uint32_t lba, unsigned i)
{
	return (uint8_t)(lba * 11 + i * 7 + (i >> 8));
}

/* A fresh machine: the model powered on (unless the bus is to float). */
static void machine(bool with_disk)
{
	vdev_clear(&t);
	for (uint32_t s = 0; s < SECTORS; s++)
		for (unsigned i = 0; i < 512; i++)
			image[s * 512 + i] = pattern(s, i);
	no_ports = stuck = packet = spoil_identify = irq_refused = booting = device_fault = false;
	fail_reads = false;
	slow = busy_left = 0;
	disk_flushes = port_accesses = irqs_taken = sleeps = slices = wakeups = nregistered = 0;
	irq_line = false;
	handler = NULL;
	log_text[0] = '\0';
	now = 0;
	if (!with_disk)
		return;
	struct vide_disk disk = { .read = disk_read, .write = disk_write, .flush = disk_flush,
				  .sectors = SECTORS, .opaque = image };
	assert_int_equal(vide_init(&ide, &t, BASE, CTL, &disk, irq_cb, NULL), 0);
}

static void machine_read_only(void)
{
	machine(true);
	vdev_clear(&t);
	struct vide_disk disk = { .read = disk_read, .write = NULL, .sectors = SECTORS,
				  .read_only = true, .opaque = image };
	assert_int_equal(vide_init(&ide, &t, BASE, CTL, &disk, irq_cb, NULL), 0);
}

/* ---- the port's hooks and the kernel's calls, as ata.c sees them ---- */

uint64_t arch_time_ns(void)
{
	return now += 1000;
}

int arch_io_request(uint16_t base, unsigned count)
{
	return no_ports ? -ENODEV : 0;
}

static uint32_t pio(uint16_t port, unsigned size, bool write, uint32_t v)
{
	port_accesses++;
	vdev_access(&t, VDEV_PIO, port, size, write, &v);     /* nobody there: all ones */
	return v;
}

uint8_t arch_inb(uint16_t port)
{
	bool status = port == BASE + 7 || port == CTL;
	if (status && stuck)
		return ATA_ST_BSY;
	if (status && busy_left) {
		busy_left--;
		return ATA_ST_BSY;
	}
	if (status && device_fault)
		return (uint8_t)(pio(port, 1, false, 0) | ATA_ST_DF);
	if (packet && port == BASE + 4)
		return 0x14;
	if (packet && port == BASE + 5)
		return 0xeb;
	return (uint8_t)pio(port, 1, false, 0);
}

void arch_outb(uint16_t port, uint8_t v)
{
	if (port == BASE + 7) {
		last_cmd = v;
		busy_left = slow;
	}
	pio(port, 1, true, v);
}

void arch_insw(uint16_t port, void *buf, unsigned count)
{
	uint16_t *w = buf;
	for (unsigned i = 0; i < count; i++)
		w[i] = (uint16_t)pio(port, 2, false, 0);
	if (last_cmd == ATA_CMD_IDENTIFY && spoil_identify)
		w[100] ^= 1;
	/* Fetching the next block takes the slow drive its time; after the
	 * last one it is at once done. */
	busy_left = ide.xfer != VIDE_XFER_NONE ? slow : 0;
}

void arch_outsw(uint16_t port, const void *buf, unsigned count)
{
	const uint16_t *w = buf;
	for (unsigned i = 0; i < count; i++)
		pio(port, 2, true, w[i]);
	busy_left = slow;
}

int arch_irq_attach(unsigned irq, void (*fn)(void))
{
	assert_int_equal(irq, 14);
	if (irq_refused)
		return -ENODEV;
	handler = fn;
	return 0;
}

/* A sleep: the interrupt when the drive's line is up (the drive is then
 * done), else the slice passes (and a slow drive gets there meanwhile). */
int sleep_on_uninterruptible(const void *chan, uint64_t deadline)
{
	if (booting)
		return -EAGAIN;
	sleeps++;
	if (irq_line && handler) {
		irqs_taken++;
		busy_left = 0;
		handler();
		assert_false(irq_line);         /* the handler took the interrupt */
		return 0;
	}
	slices++;
	busy_left = 0;
	if (deadline)
		now = deadline;
	return 0;
}

void wake_up(const void *chan)
{
	wakeups++;
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(log_text);
	va_start(ap, fmt);
	vsnprintf(log_text + n, sizeof(log_text) - n, fmt, ap);
	va_end(ap);
}

int blkdev_register(struct blkdev *bd)
{
	if (nregistered == 2)
		return -ENOSPC;
	registered[nregistered++] = bd;
	return 0;
}

/* ---- the probe ---- */

static void probe_finds_the_master(void **state)
{
	machine(true);
	assert_int_equal(ata_init(), 1);
	const struct ata_drive *d = ata_drive(0);
	assert_non_null(d);
	assert_string_equal(d->id.model, "RINGVISOR HARDDISK");
	assert_int_equal(d->id.sectors, SECTORS);
	assert_false(d->id.lba48);                      /* the model has no LBA48 */
	assert_true(d->id.flush);
	assert_null(ata_drive(1));                      /* no slave */
	assert_null(ata_drive(2));
	assert_int_equal(nregistered, 1);
	assert_string_equal(registered[0]->name, "hda");
	assert_int_equal(registered[0]->rdev, 0x300);   /* 3:0 */
	assert_int_equal(registered[0]->sectors, SECTORS);
	assert_non_null(strstr(log_text, "ata: hda: RINGVISOR HARDDISK, 4096 sectors (2 MiB), LBA28, IRQ 14\n"));
	assert_non_null(handler);
}

static void floating_bus_no_disk(void **state)
{
	machine(false);
	assert_int_equal(ata_init(), 0);
	assert_null(ata_drive(0));
	assert_int_equal(nregistered, 0);
	assert_null(handler);
	assert_string_equal(log_text, "");              /* nothing there, nothing said */
	assert_int_equal(ata_read(0, 0, 1, image), -EINVAL);
}

static void no_ports_no_probe(void **state)
{
	machine(true);
	no_ports = true;
	assert_int_equal(ata_init(), 0);
	assert_int_equal(port_accesses, 0);
	assert_string_equal(log_text, "");
}

static void identify_checksum_refused(void **state)
{
	machine(true);
	spoil_identify = true;
	assert_int_equal(ata_init(), 0);
	assert_non_null(strstr(log_text, "hda: IDENTIFY data fails its checksum (word 255): not driven"));
	assert_int_equal(nregistered, 0);
}

static void packet_device_not_driven(void **state)
{
	machine(true);
	packet = true;
	assert_int_equal(ata_init(), 0);
	assert_non_null(strstr(log_text, "hda: a packet (ATAPI) device (signature 14 eb): not driven"));
}

/* ---- transfers ---- */

static void reads_and_writes(void **state)
{
	static uint8_t buf[300 * 512], data[300 * 512];
	machine(true);
	assert_int_equal(ata_init(), 1);
	/* 300 sectors: two commands (256 + 44) */
	assert_int_equal(ata_read(0, 1000, 300, buf), 0);
	assert_memory_equal(buf, image + 1000 * 512, sizeof(buf));
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 5);
	assert_int_equal(ata_write(0, SECTORS - 300, 300, data), 0);
	assert_memory_equal(image + (SECTORS - 300) * 512, data, sizeof(data));
	assert_int_equal(image[(SECTORS - 301) * 512 + 511], pattern(SECTORS - 301, 511));
	memset(buf, 0, sizeof(buf));
	assert_int_equal(ata_read(0, SECTORS - 300, 300, buf), 0);
	assert_memory_equal(buf, data, sizeof(data));
	assert_int_equal(ata_flush(0), 0);
	assert_int_equal(disk_flushes, 1);
	assert_string_equal(strstr(log_text, "\n") + 1, "");     /* the boot line only */
}

static void out_of_range(void **state)
{
	uint8_t buf[1024];
	machine(true);
	assert_int_equal(ata_init(), 1);
	assert_int_equal(ata_read(0, SECTORS - 1, 2, buf), -EINVAL);
	assert_int_equal(ata_read(0, SECTORS, 1, buf), -EINVAL);
	assert_int_equal(ata_write(0, 0, 0, buf), -EINVAL);
	assert_int_equal(ata_read(1, 0, 1, buf), -EINVAL);      /* no slave */
	assert_int_equal(ata_read(7, 0, 1, buf), -EINVAL);
	assert_int_equal(ata_flush(1), -EINVAL);
	assert_int_equal(ata_read(0, SECTORS - 2, 2, buf), 0);
}

/* A read the drive fails while *fault is set: -EIO, the status bit and
 * error register kept and the line logged; then, *fault cleared, the
 * drive reads again (after a reset where it had data left). */
static void fails_then_recovers(bool *fault, uint64_t lba, uint8_t st_bit, uint8_t error,
				const char *line)
{
	uint8_t buf[512];
	machine(true);
	assert_int_equal(ata_init(), 1);
	*fault = true;
	assert_int_equal(ata_read(0, lba, 1, buf), -EIO);
	assert_true(ata_drive(0)->last_status & st_bit);
	assert_int_equal(ata_drive(0)->last_error, error);
	assert_non_null(strstr(log_text, line));
	*fault = false;
	assert_int_equal(ata_read(0, lba, 1, buf), 0);
	assert_memory_equal(buf, image + lba * 512, 512);
}

/* ERR with the error register's UNC (the disk's read failed). */
static void media_error(void **state)
{
	fails_then_recovers(&fail_reads, 77, ATA_ST_ERR, ATA_ER_UNC,
			    "ata: hda: read at sector 77: status 0x51, error 0x40 (UNC)\n");
}

/* DF without ERR: a device fault, no error register to read. */
static void device_fault_is_eio(void **state)
{
	fails_then_recovers(&device_fault, 12, ATA_ST_DF, 0,
			    "ata: hda: read at sector 12: status 0x78 (device fault), error 0 (none)\n");
}

static void read_only_write_aborted(void **state)
{
	uint8_t buf[512] = { 1 };
	machine_read_only();
	assert_int_equal(ata_init(), 1);
	assert_int_equal(ata_write(0, 5, 1, buf), -EIO);
	assert_int_equal(ata_drive(0)->last_error, ATA_ER_ABRT);
	assert_non_null(strstr(log_text, "(ABRT)"));
	assert_int_equal(image[5 * 512], pattern(5, 0));
}

/* A drive that never drops BSY: -ETIMEDOUT after ATA_TIMEOUT_NS, not a hang;
 * the channel reset; then the drive works again. */
static void busy_forever_times_out(void **state)
{
	uint8_t buf[512];
	machine(true);
	assert_int_equal(ata_init(), 1);
	stuck = true;
	uint64_t start = now;
	assert_int_equal(ata_read(0, 3, 1, buf), -ETIMEDOUT);
	assert_true(now - start >= ATA_TIMEOUT_NS);
	assert_true(now - start <= 3 * ATA_TIMEOUT_NS);  /* the command's wait, the reset's */
	assert_non_null(strstr(log_text, "ata: hda: read at sector 3: the drive stayed busy 5 s; resetting the channel"));
	assert_int_equal(ata_drive(0)->last_status, ATA_ST_BSY);
	stuck = false;
	assert_int_equal(ata_read(0, 3, 1, buf), 0);
	assert_memory_equal(buf, image + 3 * 512, 512);
}

/* A drive that takes its time: the process sleeps, and IRQ 14 wakes it
 * once per DRQ block of a read; a write's first block comes without one
 * (the sleep's slice runs out), each one after a block written with one. */
static void slow_drive_sleeps_until_irq14(void **state)
{
	uint8_t buf[8 * 512];
	machine(true);
	assert_int_equal(ata_init(), 1);
	slow = 1000;                    /* longer than the spin before sleeping */
	assert_int_equal(ata_read(0, 40, 8, buf), 0);
	assert_memory_equal(buf, image + 40 * 512, sizeof(buf));
	assert_int_equal(irqs_taken, 8);
	assert_int_equal(slices, 0);
	assert_true(wakeups >= 8);
	irqs_taken = slices = 0;
	assert_int_equal(ata_write(0, 40, 8, buf), 0);
	assert_int_equal(slices, 1);
	assert_int_equal(irqs_taken, 8);
}

/* IRQ 14 not routable (arch_irq_attach refuses): polled, never asleep. */
static void polled_without_irq(void **state)
{
	uint8_t buf[4 * 512];
	machine(true);
	irq_refused = true;
	assert_int_equal(ata_init(), 1);
	assert_non_null(strstr(log_text, "LBA28, polled\n"));
	slow = 50;
	assert_int_equal(ata_read(0, 9, 4, buf), 0);
	assert_memory_equal(buf, image + 9 * 512, sizeof(buf));
	assert_int_equal(sleeps, 0);
	assert_int_equal(ata_write(0, 9, 4, buf), 0);
	assert_int_equal(sleeps, 0);
}

/* Before the first process (a filesystem mounted at boot): nobody can
 * sleep, so the wait polls. */
static void at_boot_polls(void **state)
{
	uint8_t buf[2 * 512];
	machine(true);
	assert_int_equal(ata_init(), 1);
	booting = true;
	slow = 1000;
	assert_int_equal(ata_read(0, 100, 2, buf), 0);
	assert_memory_equal(buf, image + 100 * 512, sizeof(buf));
	assert_int_equal(sleeps, 0);
}

/* ---- IDENTIFY's words (pure) ---- */

static void put_string(uint16_t *w, const char *s, unsigned words)
{
	for (unsigned i = 0; i < words; i++) {
		char a = *s ? *s++ : ' ', b = *s ? *s++ : ' ';
		w[i] = (uint16_t)((uint8_t)a << 8 | (uint8_t)b);
	}
}

static void seal(uint16_t w[256])
{
	uint8_t sum = 0;
	w[255] = 0xa5;
	for (unsigned i = 0; i < 255; i++)
		sum = (uint8_t)(sum + (w[i] & 0xff) + (w[i] >> 8));
	sum = (uint8_t)(sum + 0xa5);
	w[255] = (uint16_t)((uint8_t)-sum << 8 | 0xa5);
}

static void identify_lba48(void **state)
{
	uint16_t w[256] = { 0 };
	struct ata_identity id;
	const char *why;
	put_string(&w[27], "BIG DISK", 20);
	put_string(&w[10], "SN1", 10);
	put_string(&w[23], "2.0", 4);
	w[49] = 1u << 9;
	w[60] = 0xffff;
	w[61] = 0x0fff;                                 /* LBA28's most */
	w[83] = 0x4000 | (1u << 10) | (1u << 12) | (1u << 13);
	w[86] = (1u << 10) | (1u << 12) | (1u << 13);
	w[87] = 0x4000;
	w[100] = 0x1000;
	w[101] = 0x0001;
	w[102] = 0x0002;                                /* 2^33 + 2^16 + 4096 sectors */
	seal(w);
	assert_int_equal(ata_parse_identify(w, &id, &why), 0);
	assert_string_equal(id.model, "BIG DISK");
	assert_string_equal(id.serial, "SN1");
	assert_string_equal(id.firmware, "2.0");
	assert_true(id.lba48);
	assert_int_equal(id.sectors, (1ull << 33) + (1ull << 16) + 4096);
	assert_true(id.flush && id.flush_ext);

	w[86] &= (uint16_t)~(1u << 10);                 /* supported, but turned off */
	seal(w);
	assert_int_equal(ata_parse_identify(w, &id, &why), 0);
	assert_false(id.lba48);
	assert_int_equal(id.sectors, 0x0fffffff);
	assert_false(id.flush_ext);
}

static void identify_refusals(void **state)
{
	uint16_t w[256] = { 0 };
	struct ata_identity id;
	const char *why;
	w[49] = 1u << 9;
	w[60] = 100;
	seal(w);
	assert_int_equal(ata_parse_identify(w, &id, &why), 0);
	assert_null(why);
	w[7] ^= 0x0100;                                 /* one bit: the checksum catches it */
	assert_int_equal(ata_parse_identify(w, &id, &why), -EIO);
	assert_non_null(strstr(why, "checksum"));
	w[255] = 0;                                     /* no signature: no checksum to check */
	assert_int_equal(ata_parse_identify(w, &id, &why), 0);
	w[0] = 0x8580;                                  /* a packet device */
	assert_int_equal(ata_parse_identify(w, &id, &why), -EIO);
	assert_non_null(strstr(why, "ATAPI"));
	w[0] = 0;
	w[49] = 0;                                      /* CHS only */
	assert_int_equal(ata_parse_identify(w, &id, &why), -EIO);
	assert_non_null(strstr(why, "LBA"));
	w[49] = 1u << 9;
	w[60] = 0;                                      /* no sectors at all */
	assert_int_equal(ata_parse_identify(w, &id, &why), -EIO);
	assert_non_null(strstr(why, "no sectors"));
}

static void error_names(void **state)
{
	char buf[48];
	ata_error_names(ATA_ER_UNC | ATA_ER_IDNF | ATA_ER_ABRT, buf, sizeof(buf));
	assert_string_equal(buf, "UNC IDNF ABRT");
	ata_error_names(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	ata_error_names(0xff, buf, 12);                 /* cut, never overrun */
	assert_string_equal(buf, "ICRC UNC MC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_finds_the_master),
		cmocka_unit_test(floating_bus_no_disk),
		cmocka_unit_test(no_ports_no_probe),
		cmocka_unit_test(identify_checksum_refused),
		cmocka_unit_test(packet_device_not_driven),
		cmocka_unit_test(reads_and_writes),
		cmocka_unit_test(out_of_range),
		cmocka_unit_test(media_error),
		cmocka_unit_test(device_fault_is_eio),
		cmocka_unit_test(read_only_write_aborted),
		cmocka_unit_test(busy_forever_times_out),
		cmocka_unit_test(slow_drive_sleeps_until_irq14),
		cmocka_unit_test(polled_without_irq),
		cmocka_unit_test(at_boot_polls),
		cmocka_unit_test(identify_lba48),
		cmocka_unit_test(identify_refusals),
		cmocka_unit_test(error_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
