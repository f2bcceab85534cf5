/*
 * ringos's block devices (guest/kernel/blkdev.c) over a disk in memory:
 * byte offsets on sectors (what goes to the driver directly, what through
 * the bounce buffer), the end of the disk, the driver's errors, the nodes
 * in a ramfs (the shared ramfs fixture), the ioctls, flushing, and one
 * transfer at a time per disk.
 */
#include "unit.h"
#include <string.h>

#include "blkdev.h"
#include "ramfs_fixture.h"
#include "uapi/errno.h"

#define SECTORS 1024u
#define UNIT    7u

static uint8_t disk[SECTORS * 512];
static unsigned reads, writes, flushes, biggest, sleeps, wakeups;
static uint64_t fail_lba = ~0ull;       /* the driver's -EIO at this sector */
static struct blkdev bd;

/* The user memory copy_to_user writes to: addresses are offsets here. */
static uint8_t user_mem[64];

static int mem_io(unsigned unit, uint64_t lba, unsigned count, bool write, void *buf)
{
	assert_int_equal(unit, UNIT);
	assert_true(count >= 1 && count <= BLKDEV_IO_SECTORS);
	assert_true(lba + count <= bd.sectors);
	if (fail_lba >= lba && fail_lba < lba + count)
		return -EIO;
	biggest = count > biggest ? count : biggest;
	if (write)
		memcpy(disk + lba * 512, buf, count * 512);
	else
		memcpy(buf, disk + lba * 512, count * 512);
	return 0;
}

static int mem_read(unsigned unit, uint64_t lba, unsigned count, void *buf)
{
	reads++;
	return mem_io(unit, lba, count, false, buf);
}

static int mem_write(unsigned unit, uint64_t lba, unsigned count, const void *buf)
{
	writes++;
	return mem_io(unit, lba, count, true, (void *)buf);
}

static int mem_flush(unsigned unit)
{
	assert_int_equal(unit, UNIT);
	flushes++;
	return 0;
}

/* The kernel's calls blkdev.c makes. A sleep while the disk is held stands
 * for the holder's transfer ending meanwhile. */
int sleep_on_uninterruptible(const void *chan, uint64_t deadline)
{
	assert_ptr_equal(chan, &bd.busy);
	sleeps++;
	bd.busy = false;
	return 0;
}

void wake_up(const void *chan)
{
	wakeups++;
}

int copy_to_user(uint32_t dst, const void *src, uint32_t len)
{
	if (dst + len > sizeof(user_mem))
		return -EFAULT;
	memcpy(user_mem + dst, src, len);
	return 0;
}

static int start(void **state)
{
	for (size_t i = 0; i < sizeof(disk); i++)
		disk[i] = (uint8_t)(i * 3 + i / 512);
	reads = writes = flushes = biggest = sleeps = wakeups = 0;
	fail_lba = ~0ull;
	blkdev_reset();
	bd = (struct blkdev){ .name = "hda", .rdev = 0x300, .sectors = SECTORS, .unit = UNIT,
			      .read = mem_read, .write = mem_write, .flush = mem_flush };
	assert_int_equal(blkdev_register(&bd), 0);
	return setup(state);
}

static uint8_t at(uint64_t off)
{
	return (uint8_t)(off * 3 + off / 512);
}

static void aligned_goes_straight_to_the_driver(void **state)
{
	static uint8_t buf[300 * 512];
	assert_int_equal(blkdev_read(&bd, 10 * 512, buf, sizeof(buf)), sizeof(buf));
	assert_memory_equal(buf, disk + 10 * 512, sizeof(buf));
	assert_int_equal(reads, 2);                     /* 256 sectors, then 44 */
	assert_int_equal(biggest, 256);
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(blkdev_write(&bd, 10 * 512, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(writes, 2);
	assert_int_equal(reads, 2);                     /* nothing read back for whole sectors */
	assert_int_equal(disk[310 * 512], at(310 * 512));
	assert_int_equal(disk[10 * 512 - 1], at(10 * 512 - 1));
}

static void partial_sectors_read(void **state)
{
	uint8_t buf[1000];
	assert_int_equal(blkdev_read(&bd, 700, buf, sizeof(buf)), sizeof(buf));
	for (unsigned i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], at(700 + i));
	assert_int_equal(reads, 3);                     /* 1 partial, 2 whole, 3 partial */
	assert_int_equal(writes, 0);
}

/* A write of partial sectors changes those bytes only: the sector is read,
 * changed, written back. */
static void partial_sectors_written(void **state)
{
	uint8_t buf[1000];
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(blkdev_write(&bd, 700, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(reads, 2);                     /* sectors 1 and 3 */
	assert_int_equal(writes, 3);
	for (unsigned off = 0; off < 4 * 512; off++)
		assert_int_equal(disk[off], off >= 700 && off < 1700 ? 0xee : at(off));
	assert_int_equal(blkdev_write(&bd, 5, "x", 1), 1);
	assert_int_equal(disk[5], 'x');
	assert_int_equal(disk[4], at(4));
	assert_int_equal(disk[6], at(6));
}

static void the_end_of_the_disk(void **state)
{
	uint8_t buf[1024];
	uint64_t end = SECTORS * 512ull;
	assert_int_equal(blkdev_size(&bd), end);
	assert_int_equal(blkdev_read(&bd, end - 100, buf, sizeof(buf)), 100);
	assert_int_equal(buf[99], at(end - 1));
	assert_int_equal(blkdev_read(&bd, end, buf, sizeof(buf)), 0);
	assert_int_equal(blkdev_read(&bd, end + 4096, buf, sizeof(buf)), 0);
	memset(buf, 1, sizeof(buf));
	assert_int_equal(blkdev_write(&bd, end - 100, buf, sizeof(buf)), 100);
	assert_int_equal(disk[end - 1], 1);
	assert_int_equal(disk[end - 101], at(end - 101));
	assert_int_equal(blkdev_write(&bd, end, buf, 1), -ENOSPC);
	assert_int_equal(blkdev_write(&bd, end + 512, buf, 1), -ENOSPC);
	assert_int_equal(blkdev_write(&bd, 0, buf, 0), 0);
	assert_int_equal(blkdev_read(&bd, 0, buf, 0), 0);
}

/* The driver's error: returned when nothing moved, else the bytes that did. */
static void driver_errors(void **state)
{
	uint8_t buf[4 * 512];
	fail_lba = 0;
	assert_int_equal(blkdev_read(&bd, 10, buf, 100), -EIO);
	assert_int_equal(blkdev_write(&bd, 10, buf, 100), -EIO);        /* its read failed */
	assert_int_equal(writes, 0);
	fail_lba = 2;
	assert_int_equal(blkdev_read(&bd, 0, buf, 4 * 512), -EIO);      /* one call: all or nothing */
	/* 100..511 moved through the bounce buffer; sectors 1 and 2, one call, failed */
	assert_int_equal(blkdev_read(&bd, 100, buf, 1500), 412);
	assert_false(bd.busy);
}

static void nodes_in_dev(void **state)
{
	struct blkdev two = bd;
	struct ramfs_node *dev, *n, *chr;
	two.rdev = 0x340;
	strcpy(two.name, "hdb");
	assert_int_equal(blkdev_register(&two), 0);
	assert_int_equal(ramfs_mkdir(root, "dev", &dev), 0);
	assert_int_equal(ramfs_create(dev, "null", RAMFS_CHR, &chr), 0);
	chr->rdev = 0x300;                              /* a character device of the same number: no node added */
	assert_int_equal(blkdev_make_nodes(dev), 2);
	assert_int_equal(ramfs_lookup(root, "/dev/hda", &n), 0);
	assert_int_equal(n->type, RAMFS_BLK);
	assert_int_equal(n->rdev, 0x300);
	assert_int_equal(n->mode, 0660);
	assert_ptr_equal(blkdev_find(n->rdev), &bd);
	assert_int_equal(ramfs_lookup(root, "/dev/hdb", &n), 0);
	assert_ptr_equal(blkdev_find(n->rdev), &two);
	assert_null(blkdev_find(0x301));                /* no disk of that number */
	assert_int_equal(blkdev_make_nodes(dev), 0);   /* there already */
}

static void a_fifth_disk_refused(void **state)
{
	static struct blkdev more[BLKDEV_MAX];
	for (unsigned i = 1; i < BLKDEV_MAX; i++)
		assert_int_equal(blkdev_register(&more[i]), 0);
	assert_int_equal(blkdev_register(&more[0]), -ENOSPC);
}

static void ioctls(void **state)
{
	uint64_t val;
	unsigned size;
	assert_int_equal(blkdev_ioctl(&bd, BLKGETSIZE64, &val, &size), 0);
	assert_int_equal(val, SECTORS * 512ull);
	assert_int_equal(size, 8);
	assert_int_equal(blkdev_ioctl(&bd, BLKGETSIZE, &val, &size), 0);
	assert_int_equal(val, SECTORS);
	assert_int_equal(size, 4);
	assert_int_equal(blkdev_ioctl(&bd, BLKSSZGET, &val, &size), 0);
	assert_int_equal(val, 512);
	assert_int_equal(blkdev_ioctl(&bd, BLKPBSZGET, &val, &size), 0);
	assert_int_equal(val, 512);
	assert_int_equal(blkdev_ioctl(&bd, BLKFLSBUF, &val, &size), 0);
	assert_int_equal(size, 0);
	assert_int_equal(flushes, 1);
	assert_int_equal(blkdev_ioctl(&bd, 0x5401, &val, &size), -ENOTTY);    /* TCGETS */
	bd.sectors = 1ull << 33;                        /* 4 TiB: too many for an unsigned long */
	assert_int_equal(blkdev_ioctl(&bd, BLKGETSIZE, &val, &size), -EFBIG);
	assert_int_equal(blkdev_ioctl(&bd, BLKGETSIZE64, &val, &size), 0);
	assert_int_equal(val, 1ull << 42);
	/* ... and to user memory: the value's own size, no more */
	memset(user_mem, 0xcc, sizeof(user_mem));
	assert_int_equal(blkdev_ioctl_user(&bd, BLKGETSIZE64, 8), 0);
	assert_memory_equal(user_mem + 8, &val, 8);
	assert_int_equal(blkdev_ioctl_user(&bd, BLKSSZGET, 20), 0);
	assert_int_equal(user_mem[20] | user_mem[21] << 8, 512);
	assert_int_equal(user_mem[24], 0xcc);
	assert_int_equal(blkdev_ioctl_user(&bd, BLKGETSIZE64, 60), -EFAULT);
	assert_int_equal(blkdev_ioctl_user(&bd, 0x5401, 0), -ENOTTY);
}

static void flushing(void **state)
{
	struct blkdev plain = bd;
	plain.flush = NULL;
	assert_int_equal(blkdev_flush(&plain), 0);     /* nothing cached */
	assert_int_equal(blkdev_register(&plain), 0);
	assert_int_equal(blkdev_flush_all(), 0);
	assert_int_equal(flushes, 1);
}

/* A disk another transfer holds: this one waits for it. */
static void one_transfer_at_a_time(void **state)
{
	uint8_t buf[10];
	bd.busy = true;
	assert_int_equal(blkdev_write(&bd, 3, "abc", 3), 3);
	assert_int_equal(sleeps, 1);
	assert_false(bd.busy);
	assert_int_equal(wakeups, 1);
	assert_int_equal(blkdev_read(&bd, 3, buf, 3), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(sleeps, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(aligned_goes_straight_to_the_driver, start, teardown),
		cmocka_unit_test_setup_teardown(partial_sectors_read, start, teardown),
		cmocka_unit_test_setup_teardown(partial_sectors_written, start, teardown),
		cmocka_unit_test_setup_teardown(the_end_of_the_disk, start, teardown),
		cmocka_unit_test_setup_teardown(driver_errors, start, teardown),
		cmocka_unit_test_setup_teardown(nodes_in_dev, start, teardown),
		cmocka_unit_test_setup_teardown(a_fifth_disk_refused, start, teardown),
		cmocka_unit_test_setup_teardown(ioctls, start, teardown),
		cmocka_unit_test_setup_teardown(flushing, start, teardown),
		cmocka_unit_test_setup_teardown(one_transfer_at_a_time, start, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
