/* Kernel-wide basics for ringos: logging, panic, memory. */
#ifndef RINGOS_KERNEL_H
#define RINGOS_KERNEL_H

#include "types.h"
#include "format.h"
#include "string.h"

void kprintf(const char *fmt, ...) __printf(1, 2);

/* Kernel command-line options (kernel/main.c; docs/ringos.md). */
extern bool opt_strace;                 /* "strace": log every system call */
extern const char *opt_init;            /* "init=PATH": the first program */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

/* Physical frames (kernel/mem.c): zeroed, 0 when none is left. */
paddr_t frame_get(void);
void frame_put(paddr_t pa);
/* A user page's frame mapped by one more address space (fork shares
 * read-only pages); release drops one mapping, freeing with the last. */
void frame_share(paddr_t pa);
bool frame_shared(paddr_t pa);
void frame_release(paddr_t pa);
paddr_t frames_get_contig(uint32_t n);          /* n zeroed contiguous frames */
void frames_put_contig(paddr_t pa, uint32_t n);

/* The kernel heap (kernel/kmalloc.c): zeroed blocks, NULL when out. */
void *kmalloc(size_t size);
void kfree(void *p);
void mem_init(paddr_t first_free, paddr_t end);
/* Frames the kernel was given at boot, and those free now. */
void mem_stats(uint32_t *total, uint32_t *free);
static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)(pa + 0xC0000000u);
}
static inline paddr_t virt_to_phys(const void *va)
{
	return (paddr_t)((uintptr_t)va - 0xC0000000u);
}

#endif
