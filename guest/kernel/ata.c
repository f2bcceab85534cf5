/*
 * ringos: the ATA PIO driver (ata.h, docs/ata.md) for the primary IDE
 * channel, after ATA/ATAPI-6: the probe (floating bus, soft reset, the
 * signature, IDENTIFY DEVICE), READ/WRITE SECTORS and their EXT forms
 * (LBA48) one DRQ block of one sector at a time, FLUSH CACHE [EXT], and
 * the errors (ERR and DF with the error register, a drive that stays busy).
 *
 * Waiting for the drive: the alternate status register is polled for a
 * few microseconds (the emulated drives of QEMU and ringvisor are done by
 * then); after that a process sleeps until IRQ 14 or a tick-sized slice,
 * whichever comes first, and looks again, so a lost interrupt costs a slice
 * and a dead drive ATA_TIMEOUT_NS. Only ata_irq reads the status register
 * (which takes the drive's interrupt down); everyone else reads the
 * alternate status, so no interrupt is lost to a stray read.
 */
#include "ata.h"
#include "arch.h"
#include "blkdev.h"
#include "kernel.h"
#include "proc.h"
#include "uapi/errno.h"

#define PRIMARY_BASE    0x1f0
#define PRIMARY_CTL     0x3f6
#define PRIMARY_IRQ     14
#define SPIN_NS         20000ull        /* polled before a process sleeps */
#define SLICE_NS        10000000ull     /* a sleeper looks at the drive at least this often */
#define SELECT_NS       400ull          /* after selecting or commanding: status valid */
#define SRST_NS         5000ull         /* SRST held at least 5 us ... */
#define AFTER_SRST_NS   2000000ull      /* ... then 2 ms before BSY means anything */
#define SETTLE_NS       30000000ull     /* the probe's patience with a drive that reads absent */

struct ata_channel {
	uint16_t base, ctl;             /* command block, control block */
	bool irq;                       /* IRQ 14 routed to ata_irq: commands may sleep */
	int selected;                   /* the drive the DEV bit names, -1 unknown */
	bool busy;                      /* a process is in a command; others sleep on it */
	struct ata_drive drive[ATA_DRIVES];
	struct blkdev disk[ATA_DRIVES]; /* the block devices of the drives found */
	uint16_t id[256];               /* IDENTIFY's data, at the probe */
};

static struct ata_channel chan = { .selected = -1 };

static uint8_t reg_in(unsigned reg)
{
	return arch_inb((uint16_t)(chan.base + reg));
}

static void reg_out(unsigned reg, uint8_t v)
{
	arch_outb((uint16_t)(chan.base + reg), v);
}

static uint8_t alt_status(void)
{
	return arch_inb(chan.ctl);
}

/* The device control register (nIEN, SRST), both drives'. */
static void set_devctl(uint8_t v)
{
	arch_outb(chan.ctl, v);
}

static void delay_ns(uint64_t ns)
{
	uint64_t end = arch_time_ns() + ns;
	while (arch_time_ns() < end)
		;
}

/* Until the drive drops BSY, or the deadline: the (alternate) status, or
 * -ETIMEDOUT. */
static int wait_not_busy(uint64_t deadline)
{
	uint64_t spin_end = arch_time_ns() + SPIN_NS;
	for (;;) {
		uint8_t st = alt_status();
		if (!(st & ATA_ST_BSY))
			return st;
		uint64_t now = arch_time_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (now < spin_end || !chan.irq)
			continue;
		/* ata_irq wakes it; before the first process, nobody can
		 * sleep and the polling goes on. */
		if (sleep_on_uninterruptible(&chan, MIN(deadline, now + SLICE_NS)) < 0)
			spin_end = deadline;
	}
}

void ata_irq(void)
{
	(void)reg_in(ATA_REG_STATUS);   /* read: the drive takes INTRQ down */
	wake_up(&chan);
}

/* Soft reset of both drives (SRST), nIEN as the channel uses it: 0 or
 * -ETIMEDOUT. Device 0 is selected afterwards. */
static int reset_channel(void)
{
	uint8_t normal = chan.irq ? 0 : ATA_CTL_NIEN;
	set_devctl(ATA_CTL_SRST | ATA_CTL_NIEN);
	delay_ns(SRST_NS);
	set_devctl(normal);
	delay_ns(AFTER_SRST_NS);
	chan.selected = 0;
	return wait_not_busy(arch_time_ns() + ATA_TIMEOUT_NS) < 0 ? -ETIMEDOUT : 0;
}

static void select_drive(unsigned drive)
{
	uint8_t dev = (uint8_t)(ATA_DEV_OBS | (drive ? ATA_DEV_SLAVE : 0));
	uint64_t until = arch_time_ns() + SETTLE_NS;

	/* A drive ignores the write while busy: write until it reads back
	 * (a while at most; then the status tells the caller). */
	do {
		reg_out(ATA_REG_DEVICE, dev);
		delay_ns(SELECT_NS);
	} while ((reg_in(ATA_REG_DEVICE) & ATA_DEV_SLAVE) != (dev & ATA_DEV_SLAVE) &&
		 arch_time_ns() < until);
	chan.selected = (int)drive;
}

/* The task file and the command: count sectors (0 for none) at lba, with
 * the EXT commands' high-order bytes first (each register keeps the
 * previous byte written for HOB). 0 or -ETIMEDOUT (busy before it). */
static int issue(unsigned drive, uint8_t cmd, uint64_t lba, unsigned count, bool ext,
		 uint64_t deadline)
{
	if (wait_not_busy(deadline) < 0)
		return -ETIMEDOUT;
	if (chan.selected != (int)drive) {
		select_drive(drive);
		if (wait_not_busy(deadline) < 0)
			return -ETIMEDOUT;
	}
	uint8_t dev = (uint8_t)(ATA_DEV_OBS | ATA_DEV_LBA | (drive ? ATA_DEV_SLAVE : 0));
	if (ext) {
		reg_out(ATA_REG_COUNT, (uint8_t)(count >> 8));
		reg_out(ATA_REG_LBA_LOW, (uint8_t)(lba >> 24));
		reg_out(ATA_REG_LBA_MID, (uint8_t)(lba >> 32));
		reg_out(ATA_REG_LBA_HIGH, (uint8_t)(lba >> 40));
	} else {
		dev |= (uint8_t)((lba >> 24) & 0x0f);
	}
	reg_out(ATA_REG_DEVICE, dev);
	reg_out(ATA_REG_COUNT, (uint8_t)count);
	reg_out(ATA_REG_LBA_LOW, (uint8_t)lba);
	reg_out(ATA_REG_LBA_MID, (uint8_t)(lba >> 8));
	reg_out(ATA_REG_LBA_HIGH, (uint8_t)(lba >> 16));
	reg_out(ATA_REG_COMMAND, cmd);
	delay_ns(SELECT_NS);
	return 0;
}

/*
 * A command that went wrong: st is the status that said so (negative: the
 * drive stayed busy). Reported with the error register, kept in the
 * drive, and the channel reset when the drive is stuck or still wants
 * data, so the next command starts clean. -EIO or -ETIMEDOUT.
 */
static int failed(unsigned drive, const char *what, uint64_t lba, int st)
{
	struct ata_drive *d = &chan.drive[drive];
	char names[48];
	if (st < 0) {
		kprintf("ata: hd%c: %s at sector %llu: the drive stayed busy %llu s; resetting the channel\n",
			'a' + drive, what, (unsigned long long)lba, ATA_TIMEOUT_NS / 1000000000ull);
		d->last_status = ATA_ST_BSY;
		d->last_error = 0;
		reset_channel();
		return -ETIMEDOUT;
	}
	d->last_status = (uint8_t)st;
	d->last_error = st & ATA_ST_ERR ? reg_in(ATA_REG_ERROR) : 0;
	ata_error_names(d->last_error, names, sizeof(names));
	kprintf("ata: hd%c: %s at sector %llu: status %#x%s, error %#x (%s)\n", 'a' + drive, what,
		(unsigned long long)lba, st, st & ATA_ST_DF ? " (device fault)" : st & ATA_ST_ERR ? "" :
		st & ATA_ST_DRQ ? " (data request left)" : " (no data request)", d->last_error, names);
	if (alt_status() & (ATA_ST_BSY | ATA_ST_DRQ))
		reset_channel();
	return -EIO;
}

/* The status a PIO block may go on from: not busy, no error, DRQ as
 * expected; else what failed() takes. */
static bool status_ok(int st, bool drq)
{
	return st >= 0 && !(st & (ATA_ST_ERR | ATA_ST_DF)) && !!(st & ATA_ST_DRQ) == drq;
}

/* READ SECTORS [EXT] or WRITE SECTORS [EXT] of count (1..256) sectors:
 * every DRQ block is one sector; a read's is announced by an interrupt, a
 * write's first one is not, each one after it written is. */
static int pio(unsigned drive, uint64_t lba, unsigned count, uint8_t *buf, bool write, bool ext)
{
	static const uint8_t cmds[2][2] = { { ATA_CMD_READ, ATA_CMD_READ_EXT },
					    { ATA_CMD_WRITE, ATA_CMD_WRITE_EXT } };
	const char *what = write ? "write" : "read";
	uint64_t deadline = arch_time_ns() + ATA_TIMEOUT_NS;
	int st;

	if (issue(drive, cmds[write][ext], lba, count, ext, deadline))
		return failed(drive, what, lba, -ETIMEDOUT);
	for (unsigned i = 0; i < count; i++) {
		st = wait_not_busy(deadline);
		if (!status_ok(st, true))
			return failed(drive, what, lba + i, st);
		if (write)
			arch_outsw((uint16_t)(chan.base + ATA_REG_DATA), buf + i * ATA_SECTOR, ATA_SECTOR / 2);
		else
			arch_insw((uint16_t)(chan.base + ATA_REG_DATA), buf + i * ATA_SECTOR, ATA_SECTOR / 2);
		delay_ns(SELECT_NS);
	}
	st = wait_not_busy(deadline);
	return status_ok(st, false) ? 0 : failed(drive, what, lba + count - 1, st);
}

static struct ata_drive *present(unsigned drive)
{
	return drive < ATA_DRIVES && chan.drive[drive].present ? &chan.drive[drive] : NULL;
}

const struct ata_drive *ata_drive(unsigned drive)
{
	return present(drive);
}

/* One process in a command at a time: the others sleep until it is done. */
static void chan_hold(void)
{
	while (chan.busy)
		sleep_on_uninterruptible(&chan.busy, 0);
	chan.busy = true;
}

static void chan_release(void)
{
	chan.busy = false;
	wake_up(&chan.busy);
}

/*
 * count sectors at lba, in commands of at most 256 sectors: LBA28 while
 * the last sector is below 2^28 - 1 (LBA28 cannot name 0FFFFFFFh), the EXT
 * commands beyond.
 */
static int transfer(unsigned drive, uint64_t lba, unsigned count, uint8_t *buf, bool write)
{
	struct ata_drive *d = present(drive);
	if (!d || !count || lba >= d->id.sectors || count > d->id.sectors - lba)
		return -EINVAL;
	int rc = 0;
	chan_hold();
	while (count && !rc) {
		unsigned n = MIN(count, 256u);
		bool ext = lba + n >= ATA_LBA28_LIMIT;
		rc = pio(drive, lba, n, buf, write, ext);
		lba += n;
		buf += (size_t)n * ATA_SECTOR;
		count -= n;
	}
	chan_release();
	return rc;
}

int ata_read(unsigned drive, uint64_t lba, unsigned count, void *buf)
{
	return transfer(drive, lba, count, buf, false);
}

int ata_write(unsigned drive, uint64_t lba, unsigned count, const void *buf)
{
	return transfer(drive, lba, count, (uint8_t *)(uintptr_t)buf, true);
}

int ata_flush(unsigned drive)
{
	struct ata_drive *d = present(drive);
	if (!d)
		return -EINVAL;
	if (!d->id.flush)
		return 0;
	chan_hold();
	uint64_t deadline = arch_time_ns() + ATA_TIMEOUT_NS;
	int rc = issue(drive, d->id.flush_ext ? ATA_CMD_FLUSH_EXT : ATA_CMD_FLUSH, 0, 0, false,
		       deadline);
	int st = rc ? rc : wait_not_busy(deadline);
	rc = status_ok(st, false) ? 0 : failed(drive, "flush", 0, st);
	chan_release();
	return rc;
}

/* ---- the probe, at boot: polled (nIEN set), nobody to sleep yet ---- */

/* IDENTIFY DEVICE into chan.id: 0, or -EIO / -ETIMEDOUT with why. */
static int identify(unsigned drive, const char **why)
{
	uint64_t deadline = arch_time_ns() + ATA_TIMEOUT_NS;
	int st = issue(drive, ATA_CMD_IDENTIFY, 0, 0, false, deadline);
	if (!st)
		st = wait_not_busy(deadline);
	if (!status_ok(st, true)) {
		*why = st < 0 ? "IDENTIFY DEVICE: the drive stayed busy" : "IDENTIFY DEVICE aborted";
		failed(drive, "identify", 0, st);
		return st < 0 ? -ETIMEDOUT : -EIO;
	}
	arch_insw((uint16_t)(chan.base + ATA_REG_DATA), chan.id, 256);
	delay_ns(SELECT_NS);
	st = wait_not_busy(deadline);
	if (!status_ok(st, false)) {
		*why = "IDENTIFY DEVICE: more data than 256 words";
		failed(drive, "identify", 0, st);
		return -EIO;
	}
	return 0;
}

/* Whether drive answers as an ATA disk we drive; its identity into chan. */
static bool probe_drive(unsigned drive)
{
	struct ata_drive *d = &chan.drive[drive];
	const char *why;

	select_drive(drive);
	/* Nobody there reads 00h (an absent slave) or FFh. A drive still
	 * finishing the reset may read so for a moment too (QEMU completes
	 * SRST in its own time, which a loaded host stretches): look again
	 * for SETTLE_NS before deciding. */
	uint8_t st = alt_status();
	for (uint64_t until = arch_time_ns() + SETTLE_NS;
	     (st == 0 || st == 0xff) && arch_time_ns() < until;)
		st = alt_status();
	if (st == 0 || st == 0xff)
		return false;
	if (wait_not_busy(arch_time_ns() + ATA_TIMEOUT_NS) < 0) {
		kprintf("ata: hd%c: busy since the reset: not driven\n", 'a' + drive);
		return false;
	}
	/* The signature a reset leaves in LBA mid and high: 00h 00h for an
	 * ATA device, 14h EBh (69h 96h on SATA) for a packet device. */
	uint8_t mid = reg_in(ATA_REG_LBA_MID), high = reg_in(ATA_REG_LBA_HIGH);
	if (mid || high) {
		kprintf("ata: hd%c: %s (signature %02x %02x): not driven\n", 'a' + drive,
			(mid == 0x14 && high == 0xeb) || (mid == 0x69 && high == 0x96) ?
			"a packet (ATAPI) device" : "not an ATA disk", mid, high);
		return false;
	}
	if (identify(drive, &why) || ata_parse_identify(chan.id, &d->id, &why)) {
		kprintf("ata: hd%c: %s: not driven\n", 'a' + drive, why);
		return false;
	}
	return d->present = true;
}

static void add_disk(unsigned drive)
{
	struct ata_drive *d = &chan.drive[drive];
	struct blkdev *bd = &chan.disk[drive];

	snprintf(bd->name, sizeof(bd->name), "hd%c", 'a' + drive);
	bd->rdev = (3u << 8) | (drive ? 64u : 0u);      /* Linux's IDE0_MAJOR, 64 minors a drive */
	bd->sectors = d->id.sectors;
	bd->unit = drive;
	bd->read = ata_read;
	bd->write = ata_write;
	bd->flush = ata_flush;
	if (blkdev_register(bd))
		kprintf("ata: %s: no block device slot left\n", bd->name);
	kprintf("ata: %s: %s, %llu sectors (%llu MiB), %s, %s\n", bd->name, d->id.model,
		(unsigned long long)d->id.sectors, (unsigned long long)(d->id.sectors >> 11),
		d->id.lba48 ? "LBA48" : "LBA28", chan.irq ? "IRQ 14" : "polled");
}

int ata_init(void)
{
	int found = 0;

	memset(&chan, 0, sizeof(chan));
	chan.selected = -1;
	chan.base = PRIMARY_BASE;
	chan.ctl = PRIMARY_CTL;
	if (arch_io_request(chan.base, 8) || arch_io_request(chan.ctl, 1))
		return 0;               /* the port gives no ports (pv) */
	if (reg_in(ATA_REG_STATUS) == 0xff)
		return 0;               /* a floating bus: no controller */
	if (reset_channel()) {
		kprintf("ata: the primary channel stays busy after a reset: not driven\n");
		return 0;
	}
	for (unsigned i = 0; i < ATA_DRIVES; i++)
		found += probe_drive(i);
	if (!found)
		return 0;
	/* From now on a process waits for IRQ 14 asleep; the probe's
	 * leftovers are taken first. */
	(void)reg_in(ATA_REG_STATUS);
	chan.irq = arch_irq_attach(PRIMARY_IRQ, ata_irq) == 0;
	set_devctl(chan.irq ? 0 : ATA_CTL_NIEN);
	for (unsigned i = 0; i < ATA_DRIVES; i++)
		if (chan.drive[i].present)
			add_disk(i);
	return found;
}
