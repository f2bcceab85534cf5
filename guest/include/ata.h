/*
 * ringos's ATA PIO disk driver (kernel/ata.c, kernel/ata_identify.c;
 * docs/ata.md): the PC's primary IDE channel (ports 0x1f0-0x1f7, 0x3f6,
 * IRQ 14), its master (drive 0) and slave (drive 1), through the port's
 * I/O and interrupt hooks (arch.h). Sectors are 512 bytes.
 *
 * The interface for the kernel's own users (the block device nodes, a
 * filesystem): each call blocks until the drive is done. In a process it
 * sleeps until IRQ 14 (uninterruptibly: a command once started is
 * finished); before the first process runs, or on a port that cannot route
 * the interrupt, it polls. Every wait is bounded (ATA_TIMEOUT_NS): a drive
 * that stays busy gives -ETIMEDOUT and the channel is reset. Calls from
 * several processes are serialized.
 */
#ifndef RINGOS_ATA_H
#define RINGOS_ATA_H

#include "types.h"

#define ATA_SECTOR              512
#define ATA_DRIVES              2               /* master and slave of one channel */
#define ATA_TIMEOUT_NS          5000000000ull   /* the longest a command may keep the drive busy */
#define ATA_LBA28_LIMIT         (1u << 28)      /* LBA28 commands reach below this sector */

/* Task file registers, as offsets from the command block's base. */
#define ATA_REG_DATA            0
#define ATA_REG_ERROR           1       /* read; features when written */
#define ATA_REG_FEATURES        1
#define ATA_REG_COUNT           2
#define ATA_REG_LBA_LOW         3
#define ATA_REG_LBA_MID         4
#define ATA_REG_LBA_HIGH        5
#define ATA_REG_DEVICE          6
#define ATA_REG_STATUS          7       /* read; command when written */
#define ATA_REG_COMMAND         7

/* Status register bits (ATA/ATAPI-6 7.15). */
#define ATA_ST_BSY              0x80
#define ATA_ST_DRDY             0x40
#define ATA_ST_DF               0x20    /* device fault */
#define ATA_ST_DRQ              0x08
#define ATA_ST_ERR              0x01

/* Error register bits (7.9). */
#define ATA_ER_ICRC             0x80
#define ATA_ER_UNC              0x40
#define ATA_ER_MC               0x20
#define ATA_ER_IDNF             0x10
#define ATA_ER_MCR              0x08
#define ATA_ER_ABRT             0x04
#define ATA_ER_NM               0x02
#define ATA_ER_AMNF             0x01

/* Device control register bits (written at the control block's port). */
#define ATA_CTL_NIEN            0x02    /* the drive keeps INTRQ down */
#define ATA_CTL_SRST            0x04    /* soft reset while set */
#define ATA_CTL_HOB             0x80    /* reads give the high-order LBA48 bytes */

/* Device register: LBA addressing, the DEV bit (drive 1), bits 7 and 5
 * set for old drives that want them. */
#define ATA_DEV_LBA             0x40
#define ATA_DEV_SLAVE           0x10
#define ATA_DEV_OBS             0xa0

/* Commands. */
#define ATA_CMD_READ            0x20    /* READ SECTORS */
#define ATA_CMD_READ_EXT        0x24
#define ATA_CMD_WRITE           0x30    /* WRITE SECTORS */
#define ATA_CMD_WRITE_EXT       0x34
#define ATA_CMD_FLUSH           0xe7    /* FLUSH CACHE */
#define ATA_CMD_FLUSH_EXT       0xea
#define ATA_CMD_IDENTIFY        0xec

/* What IDENTIFY DEVICE told of a drive (ata_parse_identify). */
struct ata_identity {
	char model[41];                 /* words 27-46, trailing blanks cut */
	char serial[21];                /* words 10-19 */
	char firmware[9];               /* words 23-26 */
	uint64_t sectors;               /* addressable sectors: words 100-103 with LBA48, else 60-61 */
	bool lba48;                     /* 48-bit addressing supported and enabled (words 83, 86) */
	bool flush;                     /* FLUSH CACHE supported (word 83 bit 12, or 82 bit 5's write cache) */
	bool flush_ext;                 /* FLUSH CACHE EXT (word 83 bit 13) */
};

/* One drive as the driver keeps it. */
struct ata_drive {
	bool present;
	struct ata_identity id;
	uint8_t last_status, last_error; /* of the last command that failed */
};

/*
 * IDENTIFY DEVICE's 256 words into *out: 0, or -EIO with why in *why (not
 * an ATA device, a bad integrity word checksum, no LBA, no sectors).
 * Pure (the host unit tests call it).
 */
int ata_parse_identify(const uint16_t w[256], struct ata_identity *out, const char **why);
/* The error register's bits by name ("UNC IDNF", ...) into buf. */
void ata_error_names(uint8_t error, char *buf, size_t size);

/* Probe the primary channel and register a block device for each disk
 * found (/dev/hda, /dev/hdb): how many. At boot, before the root
 * filesystem is built (it makes their nodes). */
int ata_init(void);
/* Drive 0 or 1, or NULL when absent. */
const struct ata_drive *ata_drive(unsigned drive);

/* count sectors from lba, to or from buf (kernel memory): 0, -EINVAL
 * (no such drive, count 0, or beyond the drive's end), -EIO (the drive
 * reported an error: ERR or DF; the error register is logged and kept
 * in last_error), -ETIMEDOUT (the drive stayed busy). */
int ata_read(unsigned drive, uint64_t lba, unsigned count, void *buf);
int ata_write(unsigned drive, uint64_t lba, unsigned count, const void *buf);
/* The drive's write cache to the medium (FLUSH CACHE [EXT]); 0 at once
 * when the drive has none to flush. */
int ata_flush(unsigned drive);

/* The channel's interrupt (IRQ 14), from the port's handler. */
void ata_irq(void);

#endif
