/* The emulated IDE channel (hv/vdev/ide.c), driven as a guest's ATA driver
 * would: every register access goes through vdev_access on the domain's
 * table, and the expected values are ATA/ATAPI-6's, not the model's. */
#include "unit.h"
#include <string.h>

#include "vdev.h"
#include "errno.h"
#include "vdev_io.h"
#include "../../hv/vdev/ide.h"

#define BASE    VIDE_PRIMARY_BASE
#define CTL     VIDE_PRIMARY_CTL

/* Registers, by their ATA names */
#define DATA    (BASE + 0)
#define ERROR   (BASE + 1)
#define FEATURE (BASE + 1)
#define NSECT   (BASE + 2)
#define SECT    (BASE + 3)
#define LCYL    (BASE + 4)
#define HCYL    (BASE + 5)
#define SELECT  (BASE + 6)
#define STATUS  (BASE + 7)
#define COMMAND (BASE + 7)

/* Status and error bits (ATA/ATAPI-6 7.15, 7.9) */
#define BSY     0x80
#define DRDY    0x40
#define DSC     0x10
#define DRQ     0x08
#define ERR     0x01
#define ABRT    0x04
#define IDNF    0x10
#define UNC     0x40

/* A 20 MiB disk: 40960 sectors, 40 cylinders of 16 heads x 63 sectors */
#define DISK_SECTORS 40960u

static struct vdev_table t;
static struct vide d;
static uint8_t image[DISK_SECTORS * 512];
static struct vide_disk disk;

/* What the callbacks saw. */
static bool irq_level;
static unsigned irq_rises;
static unsigned disk_reads, disk_writes, disk_flushes;
static bool fail_reads, fail_writes;
static const int cookie;

static void irq_cb(void *opaque, bool level)
{
	assert_ptr_equal(opaque, &cookie);
	assert_true(level != irq_level);        /* only changes are reported */
	irq_level = level;
	irq_rises += level;
}

static int disk_read(void *opaque, uint64_t lba, unsigned count, void *buf)
{
	assert_ptr_equal(opaque, image);
	assert_true(count >= 1 && count <= VIDE_MAX_MULT);
	assert_true(lba + count <= disk.sectors);
	disk_reads++;
	if (fail_reads)
		return -EIO;
	memcpy(buf, image + lba * 512, count * 512);
	return 0;
}

static int disk_write(void *opaque, uint64_t lba, unsigned count, const void *buf)
{
	assert_ptr_equal(opaque, image);
	assert_true(count >= 1 && count <= VIDE_MAX_MULT);
	assert_true(lba + count <= disk.sectors);
	disk_writes++;
	if (fail_writes)
		return -EIO;
	memcpy(image + lba * 512, buf, count * 512);
	return 0;
}

static int disk_flush(void *opaque)
{
	assert_ptr_equal(opaque, image);
	disk_flushes++;
	return 0;
}

/* The byte a fresh image holds at offset i of sector lba. */
static uint8_t pattern(uint32_t lba, unsigned i)
{
	return (uint8_t)(lba * 7 + (lba >> 8) * 3 + i * 13 + (i >> 8));
}

static void fill_image(void)
{
	for (uint32_t s = 0; s < DISK_SECTORS; s++)
		for (unsigned i = 0; i < 512; i++)
			image[s * 512 + i] = pattern(s, i);
}

static int start(uint64_t sectors, bool read_only)
{
	vdev_clear(&t);
	irq_level = false;
	irq_rises = 0;
	disk_reads = disk_writes = disk_flushes = 0;
	fail_reads = fail_writes = false;
	disk = (struct vide_disk){
		.read = disk_read, .write = disk_write, .flush = disk_flush,
		.sectors = sectors, .read_only = read_only, .opaque = image,
	};
	return vide_init(&d, &t, BASE, CTL, &disk, irq_cb, (void *)&cookie);
}

static int setup(void **state)
{
	fill_image();
	assert_int_equal(start(DISK_SECTORS, false), 0);
	return 0;
}

static int setup_ro(void **state)
{
	fill_image();
	assert_int_equal(start(DISK_SECTORS, true), 0);
	return 0;
}

static void out(uint16_t port, uint8_t v)
{
	vdev_outb(&t, port, v);
}

static uint8_t in(uint16_t port)
{
	return vdev_inb(&t, port);
}

static uint16_t inw(uint16_t port)
{
	uint32_t x = 0xdeadbeef;
	assert_int_equal(vdev_access(&t, VDEV_PIO, port, 2, false, &x), 0);
	assert_true(x <= 0xffff);
	return (uint16_t)x;
}

static void outw(uint16_t port, uint16_t v)
{
	uint32_t x = v;
	assert_int_equal(vdev_access(&t, VDEV_PIO, port, 2, true, &x), 0);
}

static uint32_t inl(uint16_t port)
{
	uint32_t x = 0xdeadbeef;
	assert_int_equal(vdev_access(&t, VDEV_PIO, port, 4, false, &x), 0);
	return x;
}

/* The task file for an LBA28 command to the master. */
static void set_lba(uint32_t lba, uint8_t count)
{
	out(SELECT, (uint8_t)(0xe0 | ((lba >> 24) & 0x0f)));
	out(NSECT, count);
	out(SECT, (uint8_t)lba);
	out(LCYL, (uint8_t)(lba >> 8));
	out(HCYL, (uint8_t)(lba >> 16));
}

/* ... and for a CHS one. */
static void set_chs(unsigned c, unsigned h, unsigned s, uint8_t count)
{
	out(SELECT, (uint8_t)(0xa0 | h));
	out(NSECT, count);
	out(SECT, (uint8_t)s);
	out(LCYL, (uint8_t)c);
	out(HCYL, (uint8_t)(c >> 8));
}

static uint32_t tf_lba(void)
{
	return (uint32_t)(in(SELECT) & 0x0f) << 24 | (uint32_t)in(HCYL) << 16 |
	       (uint32_t)in(LCYL) << 8 | in(SECT);
}

/* The interrupt handler's part: the line is up, and reading the status
 * register (as a driver's ISR does) brings it down. */
static uint8_t take_irq(void)
{
	assert_true(irq_level);
	uint8_t st = in(STATUS);
	assert_false(irq_level);
	return st;
}

/*
 * PIO data-in (ATA/ATAPI-6 9.7): for each DRQ block of block sectors, an
 * interrupt, the status (DRQ, no BSY), the block's words. After the last
 * one the device is ready and raises nothing more.
 */
static void pio_in(uint8_t cmd, unsigned sectors, unsigned block, uint8_t *buf)
{
	unsigned before = irq_rises;
	out(COMMAND, cmd);
	for (unsigned done = 0; done < sectors;) {
		uint8_t st = take_irq();
		assert_int_equal(st, DRDY | DSC | DRQ);
		unsigned n = sectors - done < block ? sectors - done : block;
		for (unsigned w = 0; w < n * 256; w++) {
			/* DRQ stays up until the block's last word */
			assert_int_equal(in(CTL) & (BSY | DRQ), DRQ);
			uint16_t v = inw(DATA);
			buf[(done * 256 + w) * 2] = (uint8_t)v;
			buf[(done * 256 + w) * 2 + 1] = (uint8_t)(v >> 8);
		}
		done += n;
	}
	assert_int_equal(in(CTL), DRDY | DSC);
	assert_false(irq_level);
	assert_int_equal(irq_rises - before, (sectors + block - 1) / block);
}

/*
 * PIO data-out (9.8): the first DRQ block is asked for without an
 * interrupt; every block written is followed by one (for the next block,
 * or for the command's end).
 */
static void pio_out(uint8_t cmd, unsigned sectors, unsigned block, const uint8_t *buf)
{
	unsigned before = irq_rises;
	out(COMMAND, cmd);
	assert_int_equal(in(CTL), DRDY | DSC | DRQ);
	assert_false(irq_level);
	for (unsigned done = 0; done < sectors;) {
		unsigned n = sectors - done < block ? sectors - done : block;
		for (unsigned w = 0; w < n * 256; w++) {
			assert_int_equal(in(CTL) & (BSY | DRQ), DRQ);
			outw(DATA, (uint16_t)(buf[(done * 256 + w) * 2] |
					      buf[(done * 256 + w) * 2 + 1] << 8));
		}
		done += n;
		uint8_t st = take_irq();
		assert_int_equal(st, done < sectors ? (DRDY | DSC | DRQ) : (DRDY | DSC));
	}
	assert_int_equal(irq_rises - before, (sectors + block - 1) / block);
}

/* A non-data command: one interrupt at its end, then the status. */
static uint8_t nondata(uint8_t cmd)
{
	unsigned before = irq_rises;
	out(COMMAND, cmd);
	assert_int_equal(irq_rises - before, 1);
	return take_irq();
}

static void check_sectors(const uint8_t *buf, uint32_t lba, unsigned n)
{
	for (unsigned s = 0; s < n; s++)
		for (unsigned i = 0; i < 512; i++)
			if (buf[s * 512 + i] != pattern(lba + s, i))
				fail_msg("sector %u byte %u: %#x, not %#x", lba + s, i,
					 buf[s * 512 + i], pattern(lba + s, i));
}

static void identify(uint16_t id[256])
{
	uint8_t buf[512];
	out(SELECT, 0xa0);
	pio_in(0xec, 1, 1, buf);
	for (unsigned i = 0; i < 256; i++)
		id[i] = (uint16_t)(buf[2 * i] | buf[2 * i + 1] << 8);
}

/* Characters first..first + n of an IDENTIFY string: the first of each
 * pair in the word's high byte. */
static void id_chars(const uint16_t *id, unsigned word, unsigned words, char *s)
{
	for (unsigned i = 0; i < words; i++) {
		s[2 * i] = (char)(id[word + i] >> 8);
		s[2 * i + 1] = (char)id[word + i];
	}
	s[2 * words] = 0;
}

static void test_power_on(void **state)
{
	for (unsigned p = BASE; p < BASE + 8; p++)
		assert_non_null(vdev_find(&t, VDEV_PIO, p, 1));
	assert_non_null(vdev_find(&t, VDEV_PIO, CTL, 1));
	assert_null(vdev_find(&t, VDEV_PIO, BASE - 1, 1));
	assert_null(vdev_find(&t, VDEV_PIO, BASE + 8, 1));
	assert_null(vdev_find(&t, VDEV_PIO, CTL + 1, 1));       /* the floppy's DIR */
	assert_null(vdev_find(&t, VDEV_PIO, CTL - 1, 1));
	/* the signature of an ATA device, diagnostic code 01h, ready */
	assert_int_equal(in(ERROR), 0x01);
	assert_int_equal(in(NSECT), 0x01);
	assert_int_equal(in(SECT), 0x01);
	assert_int_equal(in(LCYL), 0x00);
	assert_int_equal(in(HCYL), 0x00);
	assert_int_equal(in(SELECT) & 0x10, 0);
	assert_int_equal(in(CTL), DRDY | DSC);
	assert_int_equal(in(STATUS), DRDY | DSC);
	assert_int_equal(irq_rises, 0);

	/* refused disks, and a channel where one is already */
	static struct vide e;
	struct vide_disk bad = disk;
	bad.sectors = 0;
	assert_int_equal(vide_init(&e, &t, 0x170, 0x376, &bad, NULL, NULL), -EINVAL);
	bad = disk;
	bad.write = NULL;
	assert_int_equal(vide_init(&e, &t, 0x170, 0x376, &bad, NULL, NULL), -EINVAL);
	bad.read_only = true;           /* read-only needs no write */
	assert_int_equal(vide_init(&e, &t, 0x170, 0x376, &bad, NULL, NULL), 0);
	assert_int_equal(vide_init(&e, &t, 0x1f4, 0x3e6, &disk, NULL, NULL), -EBUSY);
	/* a clash on the control port gives the command block back */
	assert_int_equal(vide_init(&e, &t, 0x168, CTL, &disk, NULL, NULL), -EBUSY);
	assert_null(vdev_find(&t, VDEV_PIO, 0x168, 1));
}

static void test_identify(void **state)
{
	uint16_t id[256];
	identify(id);

	assert_int_equal(id[0] & 0x8000, 0);            /* ATA device */
	/* the default geometry of 40960 sectors: 40 x 16 x 63 */
	assert_int_equal(id[1], 40);
	assert_int_equal(id[3], 16);
	assert_int_equal(id[6], 63);
	char s[41];
	id_chars(id, 27, 20, s);
	assert_string_equal(s, "RINGVISOR HARDDISK                      ");
	id_chars(id, 10, 10, s);
	for (unsigned i = 0; i < 20; i++)
		assert_true(s[i] >= 0x20 && s[i] < 0x7f);
	assert_true(s[0] != ' ');
	id_chars(id, 23, 4, s);
	assert_string_equal(s, "1.0     ");
	assert_int_equal(id[47] & 0xff00, 0x8000);
	assert_int_equal(id[47] & 0xff, VIDE_MAX_MULT);
	assert_int_equal(id[49] & 0x0200, 0x0200);      /* LBA */
	assert_int_equal(id[49] & 0x0100, 0);           /* no DMA */
	assert_int_equal(id[50] & 0xc000, 0x4000);
	assert_int_equal(id[53] & 0x0007, 0x0007);
	assert_int_equal(id[54], 40);
	assert_int_equal(id[55], 16);
	assert_int_equal(id[56], 63);
	assert_int_equal(id[57] | (uint32_t)id[58] << 16, 40u * 16 * 63);
	assert_int_equal(id[59] & 0x0100, 0);           /* multiple mode not set */
	assert_int_equal(id[60] | (uint32_t)id[61] << 16, DISK_SECTORS);
	assert_int_equal(id[63], 0);                    /* no multiword DMA */
	assert_int_equal(id[64] & 0x00ff, 0x0003);      /* PIO 3 and 4 */
	assert_true(id[67] >= 120 && id[68] >= 120);
	/* ATA-6 claimed, ATA-7 and later not; words 82-87 carry 01b in 15:14
	 * where they must; FLUSH CACHE; no LBA48 */
	assert_int_equal(id[80] & 0x0040, 0x0040);
	assert_int_equal(id[80] & 0xff80, 0);
	assert_int_equal(id[83] & 0xc000, 0x4000);
	assert_int_equal(id[84] & 0xc000, 0x4000);
	assert_int_equal(id[87] & 0xc000, 0x4000);
	assert_int_equal(id[83] & 0x1000, 0x1000);
	assert_int_equal(id[86] & 0x1000, 0x1000);
	assert_int_equal(id[83] & 0x0400, 0);
	assert_int_equal(id[88], 0);                    /* no Ultra DMA */
	/* word 85 is a subset of word 82 */
	assert_int_equal(id[85] & ~id[82] & 0x3fff, 0);
	/* the integrity word: signature A5h, all 512 bytes sum to 0 */
	assert_int_equal(id[255] & 0xff, 0xa5);
	uint8_t sum = 0;
	for (unsigned i = 0; i < 256; i++)
		sum = (uint8_t)(sum + (id[i] & 0xff) + (id[i] >> 8));
	assert_int_equal(sum, 0);
	assert_int_equal(in(ERROR) & ABRT, 0);
}

static void test_identify_sizes(void **state)
{
	uint16_t id[256];

	/* 20 GiB: CHS saturates at 16383/16/63, the size is in 60-61 */
	assert_int_equal(start(41943040, false), 0);
	identify(id);
	assert_int_equal(id[1], 16383);
	assert_int_equal(id[3], 16);
	assert_int_equal(id[6], 63);
	assert_int_equal(id[57] | (uint32_t)id[58] << 16, 16514064);
	assert_int_equal(id[60] | (uint32_t)id[61] << 16, 41943040);

	/* beyond LBA28: 60-61 say what LBA28 reaches */
	assert_int_equal(start(1ull << 29, false), 0);
	identify(id);
	assert_int_equal(id[60] | (uint32_t)id[61] << 16, 0x0fffffff);

	/* 100 sectors: still one whole cylinder */
	assert_int_equal(start(100, false), 0);
	identify(id);
	assert_true(id[1] >= 1 && id[3] >= 1 && id[3] <= 16 && id[6] >= 1 && id[6] <= 63);
	assert_true((uint32_t)id[1] * id[3] * id[6] <= 100);
	assert_int_equal(id[60] | (uint32_t)id[61] << 16, 100);

	/* 10 sectors: not even a track of 63 */
	assert_int_equal(start(10, false), 0);
	identify(id);
	assert_true(id[1] >= 1 && id[3] >= 1 && id[6] >= 1);
	assert_true((uint32_t)id[1] * id[3] * id[6] <= 10);
}

static uint8_t buf[256 * 512];

static void test_read_lba(void **state)
{
	/* one sector */
	set_lba(1234, 1);
	pio_in(0x20, 1, 1, buf);
	check_sectors(buf, 1234, 1);
	/* the task file: the last sector read, nothing left */
	assert_int_equal(tf_lba(), 1234);
	assert_int_equal(in(NSECT), 0);

	/* a count of 0 is 256 sectors, a DRQ block and an interrupt each */
	set_lba(DISK_SECTORS - 256, 0);
	pio_in(0x21, 256, 1, buf);
	check_sectors(buf, DISK_SECTORS - 256, 256);
	assert_int_equal(tf_lba(), DISK_SECTORS - 1);
	assert_int_equal(in(NSECT), 0);
	assert_int_equal(in(ERROR) & (ABRT | IDNF), 0);

	/* 32-bit data reads: two words, the first in the low half */
	set_lba(7, 1);
	out(COMMAND, 0x20);
	take_irq();
	for (unsigned i = 0; i < 128; i++) {
		uint32_t v = inl(DATA);
		for (unsigned b = 0; b < 4; b++)
			assert_int_equal((v >> (8 * b)) & 0xff, pattern(7, i * 4 + b));
	}
	assert_int_equal(in(CTL), DRDY | DSC);
}

static void test_write_lba(void **state)
{
	uint8_t data[256 * 512];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 + 5);

	set_lba(100, 1);
	pio_out(0x30, 1, 1, data);
	assert_memory_equal(image + 100 * 512, data, 512);
	assert_int_equal(image[99 * 512 + 511], pattern(99, 511));
	assert_int_equal(image[101 * 512], pattern(101, 0));
	assert_int_equal(tf_lba(), 100);
	assert_int_equal(in(NSECT), 0);

	set_lba(0x9000, 0);
	pio_out(0x31, 256, 1, data);
	assert_memory_equal(image + 0x9000 * 512, data, sizeof(data));
	assert_int_equal(image[(0x9000 + 256) * 512], pattern(0x9000 + 256, 0));

	/* and back through READ SECTORS */
	set_lba(0x9000, 0);
	pio_in(0x20, 256, 1, buf);
	assert_memory_equal(buf, data, sizeof(data));
}

static void test_chs(void **state)
{
	/* C/H/S 2/3/4 with 16 heads and 63 sectors a track: LBA
	 * (2 * 16 + 3) * 63 + 4 - 1 = 2208 */
	set_chs(2, 3, 4, 3);
	pio_in(0x20, 3, 1, buf);
	check_sectors(buf, 2208, 3);
	/* the task file names the last sector, in CHS: 2/3/6 */
	assert_int_equal(in(SECT), 6);
	assert_int_equal(in(LCYL), 2);
	assert_int_equal(in(HCYL), 0);
	assert_int_equal(in(SELECT) & 0x0f, 3);
	assert_int_equal(in(NSECT), 0);

	/* a transfer crossing a track and a head: 0/15/62 onwards */
	uint8_t data[4 * 512];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)~i;
	set_chs(0, 15, 62, 4);
	pio_out(0x30, 4, 1, data);
	assert_memory_equal(image + (15 * 63 + 61) * 512, data, sizeof(data));
	/* the last sector written, 1/0/2 (LBA 1010) */
	assert_int_equal(in(SECT), 2);
	assert_int_equal(in(LCYL), 1);
	assert_int_equal(in(SELECT) & 0x0f, 0);

	/* the last cylinder's last sector reads; one beyond it does not */
	set_chs(39, 15, 63, 1);
	pio_in(0x20, 1, 1, buf);
	check_sectors(buf, 40 * 16 * 63 - 1, 1);
	set_chs(40, 0, 1, 1);
	assert_int_equal(nondata(0x20), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), IDNF);
	/* sector numbers start at 1 */
	set_chs(1, 0, 0, 1);
	assert_int_equal(nondata(0x20), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), IDNF);
	set_chs(0, 0, 64, 1);
	assert_int_equal(nondata(0x20), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), IDNF);
}

static void test_init_params(void **state)
{
	/* 8 heads (7 in the head bits), 32 sectors a track */
	out(SELECT, 0xa7);
	out(NSECT, 32);
	assert_int_equal(nondata(0x91), DRDY | DSC);
	uint16_t id[256];
	identify(id);
	assert_int_equal(id[54], DISK_SECTORS / (8 * 32));
	assert_int_equal(id[55], 8);
	assert_int_equal(id[56], 32);
	assert_int_equal(id[57] | (uint32_t)id[58] << 16, DISK_SECTORS);
	/* the default geometry is still what words 1, 3, 6 say */
	assert_int_equal(id[3], 16);
	assert_int_equal(id[6], 63);
	/* 1/2/3 is now LBA (1 * 8 + 2) * 32 + 2 = 322 */
	set_chs(1, 2, 3, 1);
	pio_in(0x20, 1, 1, buf);
	check_sectors(buf, 322, 1);
	/* a head beyond the current count */
	set_chs(1, 8, 3, 1);
	assert_int_equal(nondata(0x20), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), IDNF);
	/* no sectors per track: aborted, the translation unchanged */
	out(SELECT, 0xa3);
	out(NSECT, 0);
	assert_int_equal(nondata(0x91), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), ABRT);
	identify(id);
	assert_int_equal(id[55], 8);
	/* LBA addressing does not care */
	set_lba(322, 1);
	pio_in(0x20, 1, 1, buf);
	check_sectors(buf, 322, 1);
}

static void test_multiple(void **state)
{
	uint16_t id[256];
	/* before SET MULTIPLE MODE, READ/WRITE MULTIPLE abort */
	set_lba(0, 4);
	assert_int_equal(nondata(0xc4), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), ABRT);
	set_lba(0, 4);
	assert_int_equal(nondata(0xc5), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), ABRT);
	assert_int_equal(disk_writes, 0);

	/* blocks of 4: 10 sectors are 4 + 4 + 2, three interrupts */
	out(NSECT, 4);
	assert_int_equal(nondata(0xc6), DRDY | DSC);
	identify(id);
	assert_int_equal(id[59], 0x0104);
	set_lba(500, 10);
	pio_in(0xc4, 10, 4, buf);
	check_sectors(buf, 500, 10);
	assert_int_equal(tf_lba(), 509);
	assert_int_equal(in(NSECT), 0);

	uint8_t data[10 * 512];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ 0x5a);
	unsigned writes = disk_writes;
	set_lba(600, 10);
	pio_out(0xc5, 10, 4, data);
	assert_memory_equal(image + 600 * 512, data, sizeof(data));
	assert_int_equal(disk_writes - writes, 3);

	/* the largest block, 16, and 256 sectors: 16 interrupts */
	out(NSECT, 16);
	assert_int_equal(nondata(0xc6), DRDY | DSC);
	set_lba(1000, 0);
	pio_in(0xc4, 256, 16, buf);
	check_sectors(buf, 1000, 256);

	/* a block of 1 is a power of two too */
	out(NSECT, 1);
	assert_int_equal(nondata(0xc6), DRDY | DSC);
	set_lba(3, 3);
	pio_in(0xc4, 3, 1, buf);
	check_sectors(buf, 3, 3);

	/* not a power of two, or more than word 47 allows: aborted, and the
	 * setting stays */
	static const uint8_t bad[] = { 3, 6, 12, 32, 64, 128, 255 };
	for (unsigned i = 0; i < sizeof(bad); i++) {
		out(NSECT, bad[i]);
		assert_int_equal(nondata(0xc6), DRDY | DSC | ERR);
		assert_int_equal(in(ERROR), ABRT);
	}
	identify(id);
	assert_int_equal(id[59], 0x0101);
	/* READ SECTORS still moves a sector a block */
	set_lba(20, 2);
	pio_in(0x20, 2, 1, buf);
	check_sectors(buf, 20, 2);
}

static void test_out_of_range(void **state)
{
	/* the last sector is there */
	set_lba(DISK_SECTORS - 1, 1);
	pio_in(0x20, 1, 1, buf);
	check_sectors(buf, DISK_SECTORS - 1, 1);

	/* one past it: ID not found, no data, the error announced */
	unsigned reads = disk_reads;
	set_lba(DISK_SECTORS, 1);
	assert_int_equal(nondata(0x20), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), IDNF);
	assert_int_equal(in(CTL) & DRQ, 0);
	assert_int_equal(tf_lba(), DISK_SECTORS);
	assert_int_equal(disk_reads, reads);

	/* LBA bits 27:24 come from the device register */
	set_lba(0x01000005, 1);
	assert_int_equal(nondata(0x20), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), IDNF);
	assert_int_equal(tf_lba(), 0x01000005);
	assert_int_equal(disk_reads, reads);

	/* a transfer running off the end: refused whole; the task file
	 * names the first missing sector */
	set_lba(DISK_SECTORS - 2, 4);
	assert_int_equal(nondata(0x20), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), IDNF);
	assert_int_equal(tf_lba(), DISK_SECTORS);
	assert_int_equal(disk_reads, reads);

	unsigned writes = disk_writes;
	set_lba(0x0ffffff0, 1);
	assert_int_equal(nondata(0x30), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), IDNF);
	set_lba(DISK_SECTORS - 1, 2);
	assert_int_equal(nondata(0x40), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), IDNF);
	assert_int_equal(disk_writes, writes);

	/* the next good command clears the error */
	set_lba(0, 1);
	pio_in(0x20, 1, 1, buf);
	assert_int_equal(in(ERROR), 0);
}

static void test_read_only(void **state)
{
	set_lba(10, 1);
	assert_int_equal(nondata(0x30), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), ABRT);
	assert_int_equal(in(CTL) & DRQ, 0);
	/* data written anyway goes nowhere */
	for (unsigned i = 0; i < 256; i++)
		outw(DATA, 0x1234);
	set_lba(10, 8);
	out(NSECT, 2);
	assert_int_equal(nondata(0xc6), DRDY | DSC);
	set_lba(10, 8);
	assert_int_equal(nondata(0xc5), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), ABRT);
	assert_int_equal(disk_writes, 0);
	check_sectors(image + 10 * 512, 10, 8);
	/* reading is fine */
	set_lba(10, 2);
	pio_in(0x20, 2, 1, buf);
	check_sectors(buf, 10, 2);
}

static void test_media_errors(void **state)
{
	/* the disk fails a read: uncorrectable, at the sector that failed */
	set_lba(50, 3);
	out(COMMAND, 0x20);
	take_irq();
	for (unsigned w = 0; w < 256; w++)
		inw(DATA);
	fail_reads = true;
	for (unsigned w = 0; w < 256; w++)
		inw(DATA);
	assert_int_equal(take_irq(), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), UNC);
	assert_int_equal(tf_lba(), 52);
	assert_int_equal(in(NSECT), 1);
	/* READ VERIFY reads too */
	set_lba(60, 1);
	assert_int_equal(nondata(0x40), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), UNC);
	fail_reads = false;

	/* a write the disk refuses */
	fail_writes = true;
	set_lba(70, 2);
	out(COMMAND, 0x30);
	for (unsigned w = 0; w < 256; w++)
		outw(DATA, 0);
	assert_int_equal(take_irq(), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR) & ABRT, ABRT);
	assert_int_equal(tf_lba(), 70);
	assert_int_equal(in(NSECT), 2);
}

static void test_nondata_commands(void **state)
{
	/* READ VERIFY: reads, transfers nothing, one interrupt */
	unsigned reads = disk_reads;
	set_lba(200, 0);
	assert_int_equal(nondata(0x40), DRDY | DSC);
	assert_true(disk_reads > reads);
	assert_int_equal(tf_lba(), 455);
	assert_int_equal(in(NSECT), 0);
	set_lba(200, 1);
	assert_int_equal(nondata(0x41), DRDY | DSC);

	/* RECALIBRATE, all sixteen codes */
	for (unsigned c = 0x10; c <= 0x1f; c++)
		assert_int_equal(nondata((uint8_t)c), DRDY | DSC);

	/* FLUSH CACHE reaches the disk */
	assert_int_equal(nondata(0xe7), DRDY | DSC);
	assert_int_equal(disk_flushes, 1);

	/* SET FEATURES: PIO modes yes, DMA modes and unknown features no */
	static const uint8_t pio[] = { 0x00, 0x01, 0x08, 0x0b, 0x0c };
	for (unsigned i = 0; i < sizeof(pio); i++) {
		out(FEATURE, 0x03);
		out(NSECT, pio[i]);
		assert_int_equal(nondata(0xef), DRDY | DSC);
	}
	/* reserved (02h-07h), beyond PIO 4, DMA modes */
	static const uint8_t other[] = { 0x02, 0x07, 0x0d, 0x20, 0x22, 0x40, 0x45 };
	for (unsigned i = 0; i < sizeof(other); i++) {
		out(FEATURE, 0x03);
		out(NSECT, other[i]);
		assert_int_equal(nondata(0xef), DRDY | DSC | ERR);
		assert_int_equal(in(ERROR), ABRT);
	}
	out(FEATURE, 0x99);
	assert_int_equal(nondata(0xef), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), ABRT);
	/* write cache off shows in word 85, not in 82 */
	uint16_t id[256];
	identify(id);
	assert_int_equal(id[85] & 0x0020, 0x0020);
	out(FEATURE, 0x82);
	assert_int_equal(nondata(0xef), DRDY | DSC);
	identify(id);
	assert_int_equal(id[85] & 0x0020, 0);
	assert_int_equal(id[82] & 0x0020, 0x0020);
	/* so does look-ahead */
	assert_int_equal(id[85] & 0x0040, 0x0040);
	out(FEATURE, 0x55);
	assert_int_equal(nondata(0xef), DRDY | DSC);
	identify(id);
	assert_int_equal(id[85] & 0x0040, 0);
	assert_int_equal(id[82] & 0x0040, 0x0040);
	out(FEATURE, 0xaa);
	assert_int_equal(nondata(0xef), DRDY | DSC);
	identify(id);
	assert_int_equal(id[85] & 0x0040, 0x0040);

	/* IDENTIFY PACKET DEVICE: not an ATAPI device */
	assert_int_equal(nondata(0xa1), DRDY | DSC | ERR);
	assert_int_equal(in(ERROR), ABRT);
	/* unknown (and LBA48, DMA) commands */
	static const uint8_t unknown[] = { 0x00, 0x24, 0x34, 0xc8, 0xca, 0xa0, 0x08, 0xff };
	for (unsigned i = 0; i < sizeof(unknown); i++) {
		assert_int_equal(nondata(unknown[i]), DRDY | DSC | ERR);
		assert_int_equal(in(ERROR), ABRT);
	}

	/* EXECUTE DEVICE DIAGNOSTIC: the signature, code 01h, an interrupt */
	set_lba(0x123456, 9);
	assert_int_equal(nondata(0x90), DRDY | DSC);
	assert_int_equal(in(ERROR), 0x01);
	assert_int_equal(in(NSECT), 1);
	assert_int_equal(in(SECT), 1);
	assert_int_equal(in(LCYL), 0);
	assert_int_equal(in(HCYL), 0);
	assert_int_equal(in(SELECT) & 0x10, 0);
}

static void test_soft_reset(void **state)
{
	out(NSECT, 8);
	assert_int_equal(nondata(0xc6), DRDY | DSC);
	/* a read left half done, its interrupt pending */
	set_lba(300, 2);
	out(COMMAND, 0x20);
	assert_true(irq_level);
	unsigned rises = irq_rises;

	out(CTL, 0x04);                 /* SRST */
	assert_int_equal(in(CTL), BSY);
	assert_false(irq_level);        /* the reset withdrew it */
	out(COMMAND, 0xec);             /* lost while held in reset */
	assert_int_equal(in(CTL), BSY);
	out(CTL, 0x00);
	assert_int_equal(in(CTL), DRDY | DSC);
	assert_int_equal(in(ERROR), 0x01);
	assert_int_equal(in(NSECT), 0x01);
	assert_int_equal(in(SECT), 0x01);
	assert_int_equal(in(LCYL), 0x00);
	assert_int_equal(in(HCYL), 0x00);
	assert_int_equal(in(SELECT) & 0x10, 0);
	assert_int_equal(in(STATUS), DRDY | DSC);
	/* no interrupt for the reset; the dropped read transfers nothing */
	assert_int_equal(irq_rises, rises);
	assert_int_equal(inw(DATA), 0xffff);
	assert_int_equal(in(CTL), DRDY | DSC);
	/* the multiple setting survives a soft reset */
	set_lba(300, 16);
	pio_in(0xc4, 16, 8, buf);
	check_sectors(buf, 300, 16);
}

static void test_nien(void **state)
{
	/* interrupts off: commands work by polling, the line stays down */
	out(CTL, 0x02);
	set_lba(40, 3);
	out(COMMAND, 0x20);
	for (unsigned s = 0; s < 3; s++) {
		assert_int_equal(in(CTL), DRDY | DSC | DRQ);
		for (unsigned w = 0; w < 256; w++) {
			uint16_t v = inw(DATA);
			buf[s * 512 + 2 * w] = (uint8_t)v;
			buf[s * 512 + 2 * w + 1] = (uint8_t)(v >> 8);
		}
	}
	check_sectors(buf, 40, 3);
	assert_int_equal(in(CTL), DRDY | DSC);
	assert_int_equal(irq_rises, 0);

	/* a command ends with its interrupt pending but held back ... */
	out(COMMAND, 0x10);
	assert_false(irq_level);
	assert_int_equal(irq_rises, 0);
	/* ... until nIEN is cleared: ATA's INTRQ is the pending interrupt
	 * gated by nIEN */
	out(CTL, 0x00);
	assert_true(irq_level);
	out(CTL, 0x02);
	assert_false(irq_level);
	out(CTL, 0x00);
	assert_true(irq_level);
	assert_int_equal(take_irq(), DRDY | DSC);
	/* acknowledged: clearing nIEN again brings nothing */
	out(CTL, 0x02);
	out(CTL, 0x00);
	assert_false(irq_level);
	assert_int_equal(irq_rises, 2);
}

static void test_status_acknowledges(void **state)
{
	out(COMMAND, 0x10);
	assert_true(irq_level);
	/* the alternate status does not acknowledge */
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(in(CTL), DRDY | DSC);
	assert_true(irq_level);
	/* the status register does */
	assert_int_equal(in(STATUS), DRDY | DSC);
	assert_false(irq_level);
	assert_int_equal(in(STATUS), DRDY | DSC);
	assert_int_equal(irq_rises, 1);

	/* writing the command register withdraws a pending interrupt before
	 * the next command's own */
	out(COMMAND, 0x10);
	assert_true(irq_level);
	set_lba(0, 1);
	out(COMMAND, 0x30);             /* write: first DRQ block unannounced */
	assert_false(irq_level);
	assert_int_equal(in(CTL), DRDY | DSC | DRQ);
	for (unsigned w = 0; w < 256; w++)
		outw(DATA, (uint16_t)w);
	assert_true(irq_level);
	assert_int_equal(irq_rises, 3);
	assert_int_equal(in(STATUS), DRDY | DSC);
	assert_int_equal(image[2], 1);
}

static void test_slave_absent(void **state)
{
	/* device 1 selected: status and alternate status read 00h */
	out(SELECT, 0xb0);
	assert_int_equal(in(STATUS), 0);
	assert_int_equal(in(CTL), 0);
	/* registers written while device 1 is selected reach the master
	 * too: the task file is one */
	out(NSECT, 0x55);
	out(SECT, 0xaa);
	assert_int_equal(in(NSECT), 0x55);
	assert_int_equal(in(SECT), 0xaa);
	/* commands for device 1 are not answered (and would be good ones
	 * for the master: LBA 0, one sector) */
	out(SECT, 0);
	out(SELECT, 0xf0);
	unsigned reads = disk_reads;
	static const uint8_t cmds[] = { 0xec, 0xa1, 0x20, 0x30, 0x91, 0xef, 0x10 };
	for (unsigned i = 0; i < sizeof(cmds); i++) {
		out(NSECT, 1);
		out(COMMAND, cmds[i]);
		assert_false(irq_level);
		assert_int_equal(in(STATUS), 0);
		assert_int_equal(inw(DATA), 0xffff);
	}
	assert_int_equal(irq_rises, 0);
	assert_int_equal(disk_reads, reads);
	/* and the master has nothing to say about them: nothing pending,
	 * no error, no data */
	assert_int_equal(disk_writes, 0);
	out(SELECT, 0xe0);
	assert_false(irq_level);
	assert_int_equal(irq_rises, 0);
	assert_int_equal(in(STATUS), DRDY | DSC);
	assert_int_equal(in(ERROR) & ABRT, 0);

	/* the master's pending interrupt is not driven while device 1 is
	 * selected, and is still there when the master is selected again */
	out(COMMAND, 0x10);
	assert_true(irq_level);
	out(SELECT, 0xb0);
	assert_false(irq_level);
	assert_int_equal(in(STATUS), 0);         /* answers for device 1 */
	out(SELECT, 0xa0);
	assert_true(irq_level);
	assert_int_equal(take_irq(), DRDY | DSC);

	/* a transfer of the master's is its own: device 1 selected, the data
	 * register gives nothing and takes nothing */
	set_lba(77, 1);
	out(COMMAND, 0x20);
	take_irq();
	for (unsigned w = 0; w < 10; w++) {
		uint16_t v = inw(DATA);
		buf[2 * w] = (uint8_t)v;
		buf[2 * w + 1] = (uint8_t)(v >> 8);
	}
	out(SELECT, 0xf0);
	assert_int_equal(inw(DATA), 0xffff);
	outw(DATA, 0);
	out(SELECT, 0xe0);
	assert_int_equal(in(CTL), DRDY | DSC | DRQ);
	for (unsigned w = 10; w < 256; w++) {
		uint16_t v = inw(DATA);
		buf[2 * w] = (uint8_t)v;
		buf[2 * w + 1] = (uint8_t)(v >> 8);
	}
	check_sectors(buf, 77, 1);
	assert_int_equal(in(CTL), DRDY | DSC);
	set_lba(78, 1);
	out(COMMAND, 0x30);
	for (unsigned w = 0; w < 100; w++)
		outw(DATA, 0xabcd);
	out(SELECT, 0xf0);
	outw(DATA, 0x1111);
	out(SELECT, 0xe0);
	for (unsigned w = 100; w < 256; w++)
		outw(DATA, 0xabcd);
	assert_int_equal(take_irq(), DRDY | DSC);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(image[78 * 512 + i], i & 1 ? 0xab : 0xcd);

	/* EXECUTE DEVICE DIAGNOSTIC is for both devices: the master runs it
	 * and reports device 1 absent (code 01h), selecting device 0 */
	out(SELECT, 0xb0);
	out(COMMAND, 0x90);
	assert_int_equal(in(SELECT) & 0x10, 0);
	assert_int_equal(take_irq(), DRDY | DSC);
	assert_int_equal(in(ERROR), 0x01);
}

static void test_access_sizes(void **state)
{
	uint32_t x = 0;
	/* the data register is 16 bits wide; a byte access is refused */
	assert_int_equal(vdev_access(&t, VDEV_PIO, DATA, 1, false, &x), -EINVAL);
	assert_int_equal(x, 0xff);
	/* the others are 8 bits wide */
	assert_int_equal(vdev_access(&t, VDEV_PIO, SECT, 2, false, &x), -EINVAL);
	assert_int_equal(x, 0xffff);
	assert_int_equal(vdev_access(&t, VDEV_PIO, NSECT, 4, false, &x), -EINVAL);
	assert_int_equal(x, 0xffffffff);
	/* a word at the control port spills into 3F7h, which is not ours */
	x = 0x04;
	assert_int_equal(vdev_access(&t, VDEV_PIO, CTL, 2, true, &x), -ENODEV);
	assert_int_equal(in(CTL), DRDY | DSC);  /* not reset */
	/* data read with nothing to transfer: the bus floats */
	assert_int_equal(inw(DATA), 0xffff);
	assert_int_equal(inl(DATA), 0xffffffff);

	/* 32-bit writes: the low word first */
	set_lba(5, 1);
	out(COMMAND, 0x30);
	for (unsigned i = 0; i < 128; i++) {
		x = 0x03020100u + 0x04040404u * (i & 0x3f);
		assert_int_equal(vdev_access(&t, VDEV_PIO, DATA, 4, true, &x), 0);
	}
	assert_int_equal(take_irq(), DRDY | DSC);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(image[5 * 512 + i], (uint8_t)(i & 0xff));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_power_on, setup),
		cmocka_unit_test_setup(test_identify, setup),
		cmocka_unit_test_setup(test_identify_sizes, setup),
		cmocka_unit_test_setup(test_read_lba, setup),
		cmocka_unit_test_setup(test_write_lba, setup),
		cmocka_unit_test_setup(test_chs, setup),
		cmocka_unit_test_setup(test_init_params, setup),
		cmocka_unit_test_setup(test_multiple, setup),
		cmocka_unit_test_setup(test_out_of_range, setup),
		cmocka_unit_test_setup(test_read_only, setup_ro),
		cmocka_unit_test_setup(test_media_errors, setup),
		cmocka_unit_test_setup(test_nondata_commands, setup),
		cmocka_unit_test_setup(test_soft_reset, setup),
		cmocka_unit_test_setup(test_nien, setup),
		cmocka_unit_test_setup(test_status_acknowledges, setup),
		cmocka_unit_test_setup(test_slave_absent, setup),
		cmocka_unit_test_setup(test_access_sizes, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
