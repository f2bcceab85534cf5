/*
 * ide: the emulated IDE disk of a hw domain (hv/vdev/ide.c, wired by
 * hv/hw/devices.c from the config's disk = module), driven the way an ATA
 * PIO driver drives a PC's primary channel. The disk image is an ext2
 * filesystem made by mkfs.ext2 (mk/hwguests.mk), so what is read is known
 * from outside: its superblock's magic 0xEF53 at byte 1080.
 *
 *   IDENTIFY: the model, LBA supported, the sector count of the image
 *   READ SECTORS: the ext2 superblock, IRQ 14 once per sector
 *   WRITE SECTORS then READ: a pattern round trip at the last sector
 *   READ MULTIPLE after SET MULTIPLE MODE 4: 8 sectors, 2 interrupts
 *   past the end: ERR with IDNF, the domain runs on
 */
#include "hwg.h"
#include "string.h"
#include "pic.h"

#define BASE            0x1f0
#define CTL             0x3f6
#define VEC_IRQ0        0x20
#define IRQ             14
#define ST_ERR          0x01
#define ST_DRQ          0x08
#define ST_DRDY         0x40
#define ST_BSY          0x80
#define ER_IDNF         0x10

static volatile uint32_t irqs;

static void on_irq14(struct hwg_frame *f)
{
	(void)f;
	irqs++;
	inb(BASE + 7);                  /* status: acknowledges the drive's interrupt */
	pic_eoi(IRQ);
}

static inline void outsw_(uint16_t port, const uint16_t *p, unsigned n)
{
	__asm__ volatile("rep outsw" : "+S"(p), "+c"(n) : "d"(port) : "memory");
}
static inline void insw_(uint16_t port, uint16_t *p, unsigned n)
{
	__asm__ volatile("rep insw" : "+D"(p), "+c"(n) : "d"(port) : "memory");
}

/* Wait for BSY clear; the status. */
static uint8_t wait_ready(void)
{
	uint8_t st;
	for (int i = 0; i < 1000000; i++)
		if (!((st = inb(CTL)) & ST_BSY))
			return st;
	return st;
}

static void command(uint8_t cmd, uint32_t lba, uint8_t count)
{
	wait_ready();
	outb(BASE + 6, 0xe0 | ((lba >> 24) & 0x0f));   /* master, LBA */
	outb(BASE + 2, count);
	outb(BASE + 3, (uint8_t)lba);
	outb(BASE + 4, (uint8_t)(lba >> 8));
	outb(BASE + 5, (uint8_t)(lba >> 16));
	outb(BASE + 7, cmd);
}

/* PIO in: n sectors into buf, blocks of per sectors; the last status. */
static uint8_t pio_in(uint16_t *buf, unsigned n, unsigned per)
{
	uint8_t st = 0;
	for (unsigned done = 0; done < n; done += per) {
		st = wait_ready();
		if (st & ST_ERR || !(st & ST_DRQ))
			return st;
		insw_(BASE, buf + done * 256, per * 256);
	}
	return wait_ready();
}

static uint16_t id[256];
static uint16_t sec[8 * 256];

void guest_main(void)
{
	pic_init(VEC_IRQ0);
	hwg_set_handler(VEC_IRQ0 + IRQ, on_irq14);
	pic_unmask(2);                  /* the cascade */
	pic_unmask(IRQ);
	__asm__ volatile("sti");

	/* IDENTIFY DEVICE */
	command(0xec, 0, 0);
	uint8_t st = pio_in(id, 1, 1);
	char model[41];
	for (int i = 0; i < 20; i++) {
		model[2 * i] = (char)(id[27 + i] >> 8);
		model[2 * i + 1] = (char)id[27 + i];
	}
	model[40] = '\0';
	uint32_t sectors = id[60] | (uint32_t)id[61] << 16;
	test_check(!(st & ST_ERR), "IDENTIFY succeeds (status %#x)", st);
	test_check(!memcmp(model, "RINGVISOR HARDDISK", 18), "the model string is ringvisor's (\"%.20s\")",
		   model);
	test_check(id[49] & (1u << 9), "LBA is supported (word 49 %#x)", id[49]);
	test_check(sectors == 4096, "words 60-61: 4096 sectors, the 2 MiB image (%u)", sectors);

	/* READ SECTORS: the ext2 superblock is at byte 1024, sector 2 */
	uint32_t before = irqs;
	command(0x20, 2, 2);
	st = pio_in(sec, 2, 1);
	uint16_t magic = (uint16_t)(((const uint8_t *)sec)[56] | ((const uint8_t *)sec)[57] << 8);
	test_check(!(st & ST_ERR), "READ SECTORS of 2 succeeds (status %#x)", st);
	test_check(magic == 0xef53, "the ext2 superblock's magic is there (%#x)", magic);
	test_check(irqs - before == 2, "IRQ 14 once per sector read (%u)", irqs - before);

	/* WRITE then READ back the last sector */
	for (int i = 0; i < 256; i++)
		sec[i] = (uint16_t)(0xa500 + i);
	command(0x30, sectors - 1, 1);
	st = wait_ready();
	test_check(st & ST_DRQ, "WRITE SECTORS asks for the data (status %#x)", st);
	outsw_(BASE, sec, 256);
	st = wait_ready();
	test_check(!(st & (ST_ERR | ST_DRQ)), "the write completes (status %#x)", st);
	memset(sec, 0, 512);
	command(0x20, sectors - 1, 1);
	st = pio_in(sec, 1, 1);
	bool same = true;
	for (int i = 0; i < 256; i++)
		same = same && sec[i] == (uint16_t)(0xa500 + i);
	test_check(!(st & ST_ERR) && same, "the sector reads back as written");

	/* SET MULTIPLE MODE 4, READ MULTIPLE of 8: two DRQ blocks, two IRQs */
	command(0xc6, 0, 4);
	st = wait_ready();
	test_check(!(st & ST_ERR), "SET MULTIPLE MODE 4 accepted (status %#x)", st);
	before = irqs;
	command(0xc4, 0, 8);
	st = pio_in(sec, 8, 4);
	test_check(!(st & ST_ERR), "READ MULTIPLE of 8 sectors succeeds (status %#x)", st);
	test_check(irqs - before == 2, "one IRQ per 4-sector block (%u)", irqs - before);

	/* past the end */
	command(0x20, sectors, 1);
	st = wait_ready();
	uint8_t er = inb(BASE + 1);
	test_check((st & ST_ERR) && (er & ER_IDNF), "a read past the end: ERR with IDNF (status %#x, "
		   "error %#x)", st, er);
	test_check(inb(BASE + 7) & ST_DRDY, "the drive is ready again afterwards");
}
