/*
 * ringos: what the VFS needs from the kernel (vfs.h): its lock, the heap,
 * the wall clock for ext2's times, memory for ramfs's statfs.
 *
 * The lock: one process in the VFS at a time. ext2 sleeps on the disk in
 * the middle of a call (the ATA driver waits for IRQ 14), and walks hold
 * unreferenced ramfs nodes and mount pointers between steps, so another
 * process must not change the tree meanwhile; ramfs alone never sleeps,
 * so the lock costs nothing until a disk is mounted. The owner takes it
 * again freely (nested calls). Its sleep is uninterruptible, like the
 * disk's: a signal cannot leave a call half done. Before the first
 * process runs (a mount at boot) there is only the kernel.
 */
#include "vfs.h"
#include "kernel.h"
#include "proc.h"
#include "arch.h"

static const void *owner;
static unsigned depth;

void vfs_lock(void)
{
	const void *me = curproc ? (const void *)curproc : (const void *)&owner;

	if (owner == me) {
		depth++;
		return;
	}
	while (owner)
		sleep_on_uninterruptible(&owner, 0);
	owner = me;
	depth = 1;
}

void vfs_unlock(void)
{
	if (--depth)
		return;
	owner = NULL;
	wake_up(&owner);
}

void *vfs_alloc(size_t size)
{
	return kmalloc(size);
}

void vfs_free(void *p)
{
	kfree(p);
}

uint32_t vfs_now(void)
{
	return (uint32_t)(arch_boot_wallclock() + arch_time_ns() / 1000000000ull);
}

void vfs_memory(uint32_t *total_pages, uint32_t *free_pages)
{
	mem_stats(total_pages, free_pages);
}
