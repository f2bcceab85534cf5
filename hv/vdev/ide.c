/*
 * The emulated IDE channel (ide.h), after ATA/ATAPI-6 (T13 1410D), PIO
 * only.
 *
 * Registers (offset from the command block base; the control block is one
 * port):
 *   0  data (16 bits; a 32-bit access is two words, as a PCI IDE
 *      controller splits it)
 *   1  error (read) / features (write)
 *   2  sector count       3  sector number / LBA 7:0
 *   4  cylinder low / LBA 15:8      5  cylinder high / LBA 23:16
 *   6  device/head: bit 6 LBA, bit 4 DEV, bits 3:0 head / LBA 27:24
 *   7  status (read: acknowledges the interrupt) / command (write)
 *   ctl  alternate status (read: does not acknowledge) / device control
 *        (write: bit 1 nIEN, bit 2 SRST)
 *
 * Everything happens at once: a command has finished (or is waiting for
 * its first DRQ block) when the write to the command register returns, so
 * BSY is only seen while SRST is held. The protocols are ATA's all the
 * same, as a driver sees them:
 *   PIO data-in (IDENTIFY, READ SECTORS/MULTIPLE): each DRQ block is
 *     announced by an interrupt; after the last one is read the status is
 *     ready and nothing more is announced.
 *   PIO data-out (WRITE SECTORS/MULTIPLE): the first DRQ block is asked
 *     for without an interrupt; each block written raises one, either for
 *     the next block or for the end of the command.
 *   Non-data commands and every error: one interrupt at the end.
 * A DRQ block is one sector, or the multiple count for READ/WRITE
 * MULTIPLE (the last block takes what is left).
 *
 * INTRQ follows ATA's rule: the device's pending interrupt drives the line
 * when the device is selected and nIEN is clear; reading the status
 * register, writing the command register and a reset withdraw it.
 *
 * Device 1 is absent. Register writes reach the master too (the task file
 * is shared), but a command addressed to device 1 is ignored, except
 * EXECUTE DEVICE DIAGNOSTIC, which is for both; status and alternate
 * status read 00h while device 1 is selected, which is how a PC's BIOS and
 * drivers see that nothing is there.
 *
 * Addresses: LBA28, or CHS translated by the current geometry. A transfer
 * is checked whole before it starts: any sector outside the disk (or the
 * current CHS geometry) fails the command with IDNF and the task file
 * holding the first sector that does not exist. On success the task file
 * holds the last sector moved and a count of 0; on a media error the
 * sector that failed and the sectors not moved.
 *
 * Not modelled: DMA (and the bus master registers), LBA48 and its HOB
 * registers, ATAPI, power management, SMART, security, the host protected
 * area, the time commands take; 8-bit data transfers are refused.
 */
#include "ide.h"
#include "errno.h"
#include "string.h"

enum {
	REG_DATA = 0, REG_ERROR = 1, REG_NSECT = 2, REG_SECT = 3,
	REG_LCYL = 4, REG_HCYL = 5, REG_SELECT = 6, REG_STATUS = 7,
};

#define ST_ERR          0x01
#define ST_DRQ          0x08
#define ST_DSC          0x10            /* seek complete: obsolete, set as drives do */
#define ST_DRDY         0x40
#define ST_BSY          0x80
#define ST_READY        (ST_DRDY | ST_DSC)

#define ERR_ABRT        0x04
#define ERR_IDNF        0x10
#define ERR_UNC         0x40

#define SEL_DEV         0x10
#define SEL_LBA         0x40
#define SEL_HEAD        0x0f

#define CTL_NIEN        0x02
#define CTL_SRST        0x04

/* EXECUTE DEVICE DIAGNOSTIC's code for device 0 passed, device 1 absent */
#define DIAG_PASSED     0x01

enum {
	CMD_RECALIBRATE = 0x10,         /* 10h-1Fh */
	CMD_READ = 0x20, CMD_READ_NORETRY = 0x21,
	CMD_WRITE = 0x30, CMD_WRITE_NORETRY = 0x31,
	CMD_VERIFY = 0x40, CMD_VERIFY_NORETRY = 0x41,
	CMD_DIAGNOSE = 0x90,
	CMD_INIT_PARAMS = 0x91,
	CMD_IDENTIFY_PACKET = 0xa1,
	CMD_READ_MULTIPLE = 0xc4,
	CMD_WRITE_MULTIPLE = 0xc5,
	CMD_SET_MULTIPLE = 0xc6,
	CMD_FLUSH = 0xe7,
	CMD_IDENTIFY = 0xec,
	CMD_SET_FEATURES = 0xef,
};

enum {
	FEAT_WCACHE_ON = 0x02, FEAT_XFER_MODE = 0x03, FEAT_LOOKAHEAD_OFF = 0x55,
	FEAT_WCACHE_OFF = 0x82, FEAT_LOOKAHEAD_ON = 0xaa,
};

static const char model[] = "RINGVISOR HARDDISK";
static const char serial[] = "RV00000001";
static const char firmware[] = "1.0";

static bool slave_selected(const struct vide *d)
{
	return d->select & SEL_DEV;
}

/* ATA's INTRQ: the pending interrupt, if the master is selected and nIEN
 * lets it out; the PIC sees only changes. */
static void update_irq(struct vide *d)
{
	bool level = d->intrq && !(d->devctl & CTL_NIEN) && !slave_selected(d);
	if (level == d->level)
		return;
	d->level = level;
	if (d->irq)
		d->irq(d->opaque, level);
}

static void intrq_set(struct vide *d)
{
	d->intrq = true;
}

static void stop_transfer(struct vide *d)
{
	d->xfer = VIDE_XFER_NONE;
	d->left = 0;
	d->pos = d->len = 0;
}

/* A command ends well: ready, and the interrupt that says so. */
static void complete(struct vide *d)
{
	stop_transfer(d);
	d->status = ST_READY;
	intrq_set(d);
}

/* A command ends in error: ERR with the reason in the error register. */
static void fail(struct vide *d, uint8_t error)
{
	stop_transfer(d);
	d->error = error;
	d->status = ST_READY | ST_ERR;
	intrq_set(d);
}

/* What a reset and EXECUTE DEVICE DIAGNOSTIC leave in the task file: an
 * ATA (not ATAPI) device's signature and the diagnostic code. */
static void set_signature(struct vide *d)
{
	d->nsect = 1;
	d->sect = 1;
	d->lcyl = 0;
	d->hcyl = 0;
	d->select = 0;
	d->error = DIAG_PASSED;
	d->status = ST_READY;
}

/*
 * The default geometry for a disk of this size: 16 heads and 63 sectors
 * per track, as many cylinders as fit (at most 16383, the most a BIOS and
 * ATA's words 1/3/6 describe: larger disks say 16383/16/63 and give their
 * size in words 60-61). A disk too small for one such cylinder gets fewer
 * heads, then fewer sectors, so that it still has one.
 */
static void default_geometry(struct vide *d)
{
	uint32_t n = d->capacity;
	d->spt = 63;
	d->heads = 16;
	if (n < 16u * 63u) {
		d->heads = (uint16_t)MAX(n / 63u, 1u);
		if (n < 63u)
			d->spt = (uint16_t)n;
	}
	uint32_t cyls = n / ((uint32_t)d->heads * d->spt);
	d->cyls = (uint16_t)MIN(cyls, 16383u);
	d->cur_cyls = d->cyls;
	d->cur_heads = d->heads;
	d->cur_spt = d->spt;
}

/* Sectors the current CHS geometry reaches (IDENTIFY words 57-58). */
static uint32_t chs_capacity(const struct vide *d)
{
	return (uint32_t)d->cur_cyls * d->cur_heads * d->cur_spt;
}

/* The address the task file names: 0 and *lba, or -ERANGE if no such
 * sector exists (a CHS address outside the current geometry). */
static int tf_address(const struct vide *d, uint32_t *lba)
{
	if (d->select & SEL_LBA) {
		*lba = (uint32_t)(d->select & SEL_HEAD) << 24 | (uint32_t)d->hcyl << 16 |
		       (uint32_t)d->lcyl << 8 | d->sect;
		return 0;
	}
	uint32_t c = (uint32_t)d->hcyl << 8 | d->lcyl, h = d->select & SEL_HEAD, s = d->sect;
	if (!s || s > d->cur_spt || h >= d->cur_heads || c >= d->cur_cyls)
		return -ERANGE;
	*lba = (c * d->cur_heads + h) * d->cur_spt + s - 1;
	return 0;
}

/* Put a sector's address back in the task file, the way the command gave
 * it (LBA or CHS), as drives report progress and errors. */
static void tf_set_address(struct vide *d, uint32_t lba)
{
	if (d->select & SEL_LBA) {
		d->sect = (uint8_t)lba;
		d->lcyl = (uint8_t)(lba >> 8);
		d->hcyl = (uint8_t)(lba >> 16);
		d->select = (uint8_t)((d->select & ~SEL_HEAD) | ((lba >> 24) & SEL_HEAD));
		return;
	}
	uint32_t track = lba / d->cur_spt, c = track / d->cur_heads;
	d->sect = (uint8_t)(lba % d->cur_spt + 1);
	d->lcyl = (uint8_t)c;
	d->hcyl = (uint8_t)(c >> 8);
	d->select = (uint8_t)((d->select & ~SEL_HEAD) | (track % d->cur_heads));
}

/* Sectors the command asks for: a count of 0 means 256. */
static unsigned tf_count(const struct vide *d)
{
	return d->nsect ? d->nsect : 256;
}

/* Check a transfer's whole range before it starts: 0 with d->lba and
 * d->left set, or the command has failed with IDNF. */
static int start_range(struct vide *d)
{
	uint32_t lba, count = tf_count(d);
	uint32_t end = (d->select & SEL_LBA) ? d->capacity : MIN(d->capacity, chs_capacity(d));
	if (tf_address(d, &lba) < 0) {
		fail(d, ERR_IDNF);
		return -ERANGE;
	}
	if (lba >= end || count > end - lba) {
		/* the first sector that does not exist */
		if (lba < end)
			tf_set_address(d, end);
		d->nsect = (uint8_t)(lba < end ? count - (end - lba) : count);
		fail(d, ERR_IDNF);
		return -ERANGE;
	}
	d->lba = lba;
	d->left = count;
	return 0;
}

/* Sectors moved: the task file follows (the last sector moved, the count
 * of those left). */
static void advance(struct vide *d, unsigned n)
{
	tf_set_address(d, d->lba + n - 1);
	d->lba += n;
	d->left -= n;
	d->nsect = (uint8_t)d->left;
}

/* A media error at d->lba: the task file names it and what is left. */
static void media_error(struct vide *d, uint8_t error)
{
	tf_set_address(d, d->lba);
	d->nsect = (uint8_t)d->left;
	fail(d, error);
}

/* PIO data-in: fetch the next block and announce it. */
static void read_block(struct vide *d)
{
	unsigned n = MIN(d->block, d->left);
	if (d->disk.read(d->disk.opaque, d->lba, n, d->buf) < 0) {
		media_error(d, ERR_UNC);
		return;
	}
	d->xfer = VIDE_XFER_IN;
	d->pos = 0;
	d->len = n * VIDE_SECTOR;
	d->status = ST_READY | ST_DRQ;
	intrq_set(d);
}

/* PIO data-out: ask for the next block (the caller raises the interrupt
 * for all but the first). */
static void want_block(struct vide *d)
{
	d->xfer = VIDE_XFER_OUT;
	d->pos = 0;
	d->len = MIN(d->block, d->left) * VIDE_SECTOR;
	d->status = ST_READY | ST_DRQ;
}

static void cmd_read(struct vide *d, unsigned block)
{
	if (start_range(d) < 0)
		return;
	d->block = block;
	read_block(d);
}

static void cmd_write(struct vide *d, unsigned block)
{
	/* a disk that cannot be written: the command is refused before any data */
	if (d->disk.read_only) {
		fail(d, ERR_ABRT);
		return;
	}
	if (start_range(d) < 0)
		return;
	d->block = block;
	want_block(d);
}

/* READ VERIFY: read the sectors, transfer nothing. */
static void cmd_verify(struct vide *d)
{
	if (start_range(d) < 0)
		return;
	while (d->left) {
		unsigned n = MIN((unsigned)VIDE_MAX_MULT, d->left);
		if (d->disk.read(d->disk.opaque, d->lba, n, d->buf) < 0) {
			media_error(d, ERR_UNC);
			return;
		}
		advance(d, n);
	}
	complete(d);
}

/* An ATA string: two characters a word, the first in the high byte,
 * padded with spaces. */
static void id_string(uint16_t *id, unsigned word, unsigned words, const char *s)
{
	size_t len = strlen(s);
	for (unsigned i = 0; i < 2 * words; i++) {
		uint16_t c = (uint8_t)(i < len ? s[i] : ' ');
		if (i & 1)
			id[word + i / 2] |= c;
		else
			id[word + i / 2] = (uint16_t)(c << 8);
	}
}

/* IDENTIFY DEVICE's 256 words (ATA/ATAPI-6 8.15). */
static void identify(struct vide *d, uint16_t *id)
{
	uint32_t cur = chs_capacity(d);
	memset(id, 0, 512);
	id[0] = 0x0040;                         /* ATA device, fixed (not removable) */
	id[1] = d->cyls;
	id[3] = d->heads;
	id[6] = d->spt;
	id_string(id, 10, 10, serial);
	id_string(id, 23, 4, firmware);
	id_string(id, 27, 20, model);
	id[47] = 0x8000 | VIDE_MAX_MULT;        /* 80h, then the largest multiple block */
	/* LBA; IORDY supported and may be disabled (PIO modes 3-4); no DMA */
	id[49] = 0x0e00;
	id[50] = 0x4000;
	id[51] = 0x0200;                        /* PIO mode 2, for drivers that predate word 64 */
	id[53] = 0x0007;                        /* words 54-58, 64-70 and 88 are valid */
	id[54] = d->cur_cyls;
	id[55] = d->cur_heads;
	id[56] = d->cur_spt;
	id[57] = (uint16_t)cur;
	id[58] = (uint16_t)(cur >> 16);
	id[59] = d->mult ? (uint16_t)(0x0100 | d->mult) : 0;
	id[60] = (uint16_t)d->capacity;
	id[61] = (uint16_t)(d->capacity >> 16);
	id[64] = 0x0003;                        /* PIO modes 3 and 4 */
	id[67] = 120;                           /* PIO cycle times (ns): mode 4's */
	id[68] = 120;
	id[80] = 0x007e;                        /* ATA-1 to ATA/ATAPI-6 */
	id[82] = 0x0060;                        /* look-ahead, write cache */
	id[83] = 0x5000;                        /* FLUSH CACHE; no LBA48 */
	id[84] = 0x4000;
	id[85] = (uint16_t)((d->lookahead ? 0x0040 : 0) | (d->wcache ? 0x0020 : 0));
	id[86] = 0x1000;
	id[87] = 0x4000;
	/* Word 255: signature A5h, and a checksum that makes all 512 bytes
	 * sum to 0 (mod 256). */
	uint8_t sum = 0xa5;
	for (unsigned i = 0; i < 255; i++)
		sum = (uint8_t)(sum + (id[i] & 0xff) + (id[i] >> 8));
	id[255] = (uint16_t)((uint8_t)-sum << 8 | 0xa5);
}

static void cmd_identify(struct vide *d)
{
	uint16_t id[256];
	identify(d, id);
	for (unsigned i = 0; i < 256; i++) {
		d->buf[2 * i] = (uint8_t)id[i];
		d->buf[2 * i + 1] = (uint8_t)(id[i] >> 8);
	}
	d->left = 1;
	d->block = 1;
	d->xfer = VIDE_XFER_IN;
	d->pos = 0;
	d->len = VIDE_SECTOR;
	d->status = ST_READY | ST_DRQ;
	intrq_set(d);
}

static void cmd_set_multiple(struct vide *d)
{
	unsigned n = d->nsect;
	/* a power of two the drive supports; 0 turns multiple mode off */
	if (n > VIDE_MAX_MULT || (n & (n - 1))) {
		fail(d, ERR_ABRT);
		return;
	}
	d->mult = (uint8_t)n;
	complete(d);
}

static void cmd_multiple(struct vide *d, bool write)
{
	/* READ/WRITE MULTIPLE before SET MULTIPLE MODE are aborted */
	if (!d->mult) {
		fail(d, ERR_ABRT);
		return;
	}
	if (write)
		cmd_write(d, d->mult);
	else
		cmd_read(d, d->mult);
}

static void cmd_set_features(struct vide *d)
{
	switch (d->feature) {
	case FEAT_XFER_MODE:
		/* PIO default mode (00h, 01h) or PIO flow control modes 0-4
		 * (08h-0Ch); DMA modes are not there to select */
		if (d->nsect > 0x01 && (d->nsect < 0x08 || d->nsect > 0x0c)) {
			fail(d, ERR_ABRT);
			return;
		}
		break;
	case FEAT_WCACHE_ON:
	case FEAT_WCACHE_OFF:
		d->wcache = d->feature == FEAT_WCACHE_ON;
		break;
	case FEAT_LOOKAHEAD_ON:
	case FEAT_LOOKAHEAD_OFF:
		d->lookahead = d->feature == FEAT_LOOKAHEAD_ON;
		break;
	default:
		fail(d, ERR_ABRT);
		return;
	}
	complete(d);
}

/* INITIALIZE DEVICE PARAMETERS: the CHS translation CHS addresses use
 * from now on; the cylinders follow from the size. */
static void cmd_init_params(struct vide *d)
{
	unsigned spt = d->nsect, heads = (d->select & SEL_HEAD) + 1u;
	if (!spt) {
		fail(d, ERR_ABRT);
		return;
	}
	uint32_t cyls = MIN(d->capacity, 16514064u) / (spt * heads);
	d->cur_spt = (uint16_t)spt;
	d->cur_heads = (uint16_t)heads;
	d->cur_cyls = (uint16_t)MIN(cyls, 65535u);
	complete(d);
}

static void cmd_flush(struct vide *d)
{
	if (d->disk.flush && d->disk.flush(d->disk.opaque) < 0) {
		fail(d, ERR_ABRT);
		return;
	}
	complete(d);
}

static void command(struct vide *d, uint8_t cmd)
{
	if (d->status & ST_BSY)
		return;                 /* held in reset: commands are lost */
	/* the absent device 1 answers nothing; the diagnostic is for both */
	if (slave_selected(d) && cmd != CMD_DIAGNOSE)
		return;
	d->intrq = false;               /* writing the command register acknowledges */
	stop_transfer(d);
	d->cmd = cmd;
	d->error = 0;
	d->status = ST_READY;

	if ((cmd & 0xf0) == CMD_RECALIBRATE) {
		complete(d);
		return;
	}
	switch (cmd) {
	case CMD_READ:
	case CMD_READ_NORETRY:
		cmd_read(d, 1);
		break;
	case CMD_WRITE:
	case CMD_WRITE_NORETRY:
		cmd_write(d, 1);
		break;
	case CMD_VERIFY:
	case CMD_VERIFY_NORETRY:
		cmd_verify(d);
		break;
	case CMD_READ_MULTIPLE:
		cmd_multiple(d, false);
		break;
	case CMD_WRITE_MULTIPLE:
		cmd_multiple(d, true);
		break;
	case CMD_SET_MULTIPLE:
		cmd_set_multiple(d);
		break;
	case CMD_IDENTIFY:
		cmd_identify(d);
		break;
	case CMD_SET_FEATURES:
		cmd_set_features(d);
		break;
	case CMD_INIT_PARAMS:
		cmd_init_params(d);
		break;
	case CMD_DIAGNOSE:
		set_signature(d);
		intrq_set(d);
		break;
	case CMD_FLUSH:
		cmd_flush(d);
		break;
	case CMD_IDENTIFY_PACKET:       /* a disk, not an ATAPI device */
	default:
		fail(d, ERR_ABRT);
		break;
	}
}

/* The host took the last word of a data-in block. */
static void in_block_done(struct vide *d)
{
	if (d->cmd == CMD_IDENTIFY) {
		stop_transfer(d);
		d->status = ST_READY;
		return;
	}
	advance(d, d->len / VIDE_SECTOR);
	if (d->left) {
		read_block(d);
		return;
	}
	/* the end of a PIO data-in command is not announced */
	stop_transfer(d);
	d->status = ST_READY;
}

/* The host gave the last word of a data-out block. */
static void out_block_done(struct vide *d)
{
	unsigned n = d->len / VIDE_SECTOR;
	if (d->disk.write(d->disk.opaque, d->lba, n, d->buf) < 0) {
		media_error(d, ERR_ABRT);
		return;
	}
	advance(d, n);
	if (!d->left) {
		complete(d);
		return;
	}
	want_block(d);
	intrq_set(d);
}

static uint16_t data_read(struct vide *d)
{
	if (d->xfer != VIDE_XFER_IN || slave_selected(d))
		return 0xffff;          /* nothing is driving the bus */
	uint16_t w = (uint16_t)(d->buf[d->pos] | d->buf[d->pos + 1] << 8);
	d->pos += 2;
	if (d->pos == d->len)
		in_block_done(d);
	return w;
}

static void data_write(struct vide *d, uint16_t w)
{
	if (d->xfer != VIDE_XFER_OUT || slave_selected(d))
		return;
	d->buf[d->pos] = (uint8_t)w;
	d->buf[d->pos + 1] = (uint8_t)(w >> 8);
	d->pos += 2;
	if (d->pos == d->len)
		out_block_done(d);
}

static void devctl_write(struct vide *d, uint8_t v)
{
	bool was = d->devctl & CTL_SRST, now = v & CTL_SRST;
	d->devctl = v & (CTL_NIEN | CTL_SRST);
	if (now && !was) {
		/* reset asserted: whatever was going on is dropped */
		stop_transfer(d);
		d->intrq = false;
		d->status = ST_BSY;
	} else if (was && !now) {
		/* reset released: the diagnostic runs and the signature is
		 * left for the host; no interrupt announces it. Multiple
		 * mode and the CHS translation survive a soft reset. */
		set_signature(d);
	}
}

static uint8_t status_read(struct vide *d, bool ack)
{
	if (slave_selected(d))
		return 0;               /* no device 1 */
	if (ack)
		d->intrq = false;
	return d->status;
}

static uint8_t reg_read(struct vide *d, unsigned reg)
{
	switch (reg) {
	case REG_ERROR:
		return d->error;
	case REG_NSECT:
		return d->nsect;
	case REG_SECT:
		return d->sect;
	case REG_LCYL:
		return d->lcyl;
	case REG_HCYL:
		return d->hcyl;
	case REG_SELECT:
		return d->select;
	default:
		return status_read(d, true);
	}
}

static void reg_write(struct vide *d, unsigned reg, uint8_t v)
{
	switch (reg) {
	case REG_ERROR:
		d->feature = v;
		break;
	case REG_NSECT:
		d->nsect = v;
		break;
	case REG_SECT:
		d->sect = v;
		break;
	case REG_LCYL:
		d->lcyl = v;
		break;
	case REG_HCYL:
		d->hcyl = v;
		break;
	case REG_SELECT:
		d->select = v;
		break;
	default:
		command(d, v);
		break;
	}
}

static int refuse(unsigned size, bool write, uint32_t *val)
{
	if (!write)
		*val = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	return -EINVAL;
}

static int ide_cmd_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vide *d = opaque;
	unsigned reg = (unsigned)(addr - d->base);
	if (reg == REG_DATA) {
		if (size == 1)
			return refuse(size, write, val);
		uint32_t v = 0;
		for (unsigned i = 0; i < size / 2; i++) {
			if (write)
				data_write(d, (uint16_t)(*val >> (16 * i)));
			else
				v |= (uint32_t)data_read(d) << (16 * i);
		}
		if (!write)
			*val = v;
	} else if (size != 1) {
		return refuse(size, write, val);
	} else if (write) {
		reg_write(d, reg, (uint8_t)*val);
	} else {
		*val = reg_read(d, reg);
	}
	update_irq(d);
	return 0;
}

static int ide_ctl_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vide *d = opaque;
	if (size != 1)
		return refuse(size, write, val);
	if (write)
		devctl_write(d, (uint8_t)*val);
	else
		*val = status_read(d, false);
	update_irq(d);
	return 0;
}

int vide_init(struct vide *d, struct vdev_table *t, uint16_t base, uint16_t ctl,
	      const struct vide_disk *disk, void (*irq)(void *opaque, bool level), void *opaque)
{
	if (!disk || !disk->sectors || !disk->read || (!disk->read_only && !disk->write))
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->base = base;
	d->ctl = ctl;
	d->disk = *disk;
	d->capacity = disk->sectors > VIDE_LBA28_MAX ? VIDE_LBA28_MAX : (uint32_t)disk->sectors;
	d->irq = irq;
	d->opaque = opaque;
	d->wcache = true;
	d->lookahead = true;
	default_geometry(d);
	set_signature(d);

	int rc = vdev_register(t, VDEV_PIO, base, VIDE_PORTS, ide_cmd_io, d, "ide");
	if (rc < 0)
		return rc;
	rc = vdev_register(t, VDEV_PIO, ctl, 1, ide_ctl_io, d, "ide-ctl");
	if (rc < 0)
		vdev_unregister(t, VDEV_PIO, base);
	return rc;
}
