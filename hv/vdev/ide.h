/*
 * The emulated IDE controller of a PC (hv/vdev/ide.c): one ATA channel,
 * PIO only, with a hard disk as device 0 (master) and no device 1. The
 * primary channel's command block is ports 0x1f0-0x1f7, its control block
 * 0x3f6 (device control on write, alternate status on read), its interrupt
 * IRQ 14. Pure: the disk's sectors come and go through the callbacks of a
 * struct vide_disk (a boot module in memory, later a real disk), and the
 * INTRQ line is reported through an irq callback whenever its level
 * changes. The host unit tests drive it through a vdev_table
 * (tests/unit/test_vide.c).
 * Private to hv/vdev/.
 */
#ifndef HV_VDEV_IDE_H
#define HV_VDEV_IDE_H

#include "types.h"
#include "vdev.h"

#define VIDE_PRIMARY_BASE       0x1f0
#define VIDE_PRIMARY_CTL        0x3f6
#define VIDE_PRIMARY_IRQ        14
#define VIDE_PORTS              8       /* the command block */
#define VIDE_SECTOR             512
#define VIDE_MAX_MULT           16      /* sectors per DRQ block, IDENTIFY word 47 */
#define VIDE_LBA28_MAX          0x0fffffffu /* sectors LBA28 (and words 60-61) reach */

/* What backs the master: sectors of 512 bytes. read and write move count
 * (1..VIDE_MAX_MULT) sectors at lba, always inside [0, sectors); they
 * return 0 or a negative errno (the guest then sees a media error).
 * flush may be NULL (nothing is cached). With read_only set, write is never
 * called (and may be NULL): the guest's writes are aborted. */
struct vide_disk {
	int (*read)(void *opaque, uint64_t lba, unsigned count, void *buf);
	int (*write)(void *opaque, uint64_t lba, unsigned count, const void *buf);
	int (*flush)(void *opaque);
	uint64_t sectors;               /* the disk's size; LBA28 sees at most VIDE_LBA28_MAX */
	bool read_only;
	void *opaque;                   /* passed to read, write and flush */
};

/* A transfer in progress: which way the DRQ blocks go. */
enum vide_xfer { VIDE_XFER_NONE, VIDE_XFER_IN, VIDE_XFER_OUT };

struct vide {
	uint16_t base, ctl;             /* command block base, control block port */
	struct vide_disk disk;
	uint32_t capacity;              /* sectors LBA28 addresses: min(disk.sectors, VIDE_LBA28_MAX) */

	/* The task file. Writes reach both device positions, so one copy
	 * serves both; only status is the master's alone. */
	uint8_t feature, error, nsect, sect, lcyl, hcyl, select, status;
	uint8_t devctl;                 /* nIEN and SRST, as last written */

	/* Geometry: the default one (IDENTIFY words 1, 3, 6) and the current
	 * one CHS addresses are translated by (words 54-58; INITIALIZE
	 * DEVICE PARAMETERS sets heads and sectors per track). */
	uint16_t cyls, heads, spt;
	uint16_t cur_cyls, cur_heads, cur_spt;

	uint8_t mult;                   /* READ/WRITE MULTIPLE block size, 0: disabled */
	bool wcache, lookahead;         /* SET FEATURES 02h/82h and AAh/55h */

	/* The command in progress. */
	enum vide_xfer xfer;
	uint8_t cmd;
	uint32_t lba;                   /* next sector to move */
	unsigned left;                  /* sectors of the command not moved yet */
	unsigned block;                 /* sectors per DRQ block */
	unsigned pos, len;              /* bytes of buf moved, and in this block */

	bool intrq;                     /* the device's interrupt is pending */
	bool level;                     /* the IRQ line as last reported */
	void (*irq)(void *opaque, bool level);
	void *opaque;

	uint8_t buf[VIDE_MAX_MULT * VIDE_SECTOR];
};

/* Power the channel on with disk as its master (copied; sectors > 0 and a
 * read callback required, and a write one unless read-only: -EINVAL) and
 * claim base..base + 7 and ctl in t: 0, or what vdev_register refused
 * with. The task file holds the ATA signature and diagnostic code 01h, the
 * drive is ready (status 50h), multiple mode is off. irq may be NULL
 * (nobody listening); it is called with opaque. */
int vide_init(struct vide *d, struct vdev_table *t, uint16_t base, uint16_t ctl,
	      const struct vide_disk *disk, void (*irq)(void *opaque, bool level), void *opaque);

#endif
