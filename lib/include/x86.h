/*
 * Every privileged or special x86 instruction the hypervisor uses, each behind
 * a small named wrapper (xv6's x86.h). No inline assembly elsewhere in C.
 */
#ifndef LIB_X86_H
#define LIB_X86_H

#include "types.h"

/* Control-register bits. */
#define CR0_PE          (1u << 0)
#define CR0_MP          (1u << 1)
#define CR0_EM          (1u << 2)
#define CR0_TS          (1u << 3)
#define CR0_NE          (1u << 5)
#define CR0_WP          (1u << 16)
#define CR0_PG          (1u << 31)
#define CR4_TSD         (1u << 2)
#define CR4_PSE         (1u << 4)
#define CR4_PAE         (1u << 5)
#define CR4_PGE         (1u << 7)
#define CR4_SMEP        (1u << 20)
#define CR4_OSFXSR      (1u << 9)
#define CR4_OSXMMEXCPT  (1u << 10)

#define EFLAGS_CF       (1u << 0)
#define EFLAGS_FIXED    (1u << 1)       /* always 1 */
#define EFLAGS_IF       (1u << 9)
#define EFLAGS_IOPL     (3u << 12)
#define EFLAGS_NT       (1u << 14)
#define EFLAGS_RF       (1u << 16)
#define EFLAGS_VM       (1u << 17)
#define EFLAGS_AC       (1u << 18)

#define MSR_EFER        0xC0000080u

/* A value the PAT MSR takes: each of its 8 entries a memory type that
 * exists (0, 1, 4, 5, 6, 7; 2 and 3 are reserved), else WRMSR #GPs. */
static inline bool x86_pat_valid(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (pat >> (i * 8)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}
#define EFER_NXE        (1u << 11)
#define EFER_SVME       (1u << 12)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
/* n 16-bit words between a port and memory (a disk's data register). */
static inline void insw(uint16_t port, void *buf, uint32_t n)
{
	__asm__ volatile("cld; rep insw" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}
static inline void outsw(uint16_t port, const void *buf, uint32_t n)
{
	__asm__ volatile("cld; rep outsw" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
}

static inline uint32_t read_cr0(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline void write_cr0(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}
static inline uint32_t read_cr2(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline uint32_t read_cr3(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
static inline void write_cr3(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}
/* Debug address registers DR0-DR3 (n is 0-3). */
static inline uint32_t read_dr(unsigned n)
{
	uint32_t v = 0;
	switch (n) {
	case 0: __asm__ volatile("mov %%dr0, %0" : "=r"(v)); break;
	case 1: __asm__ volatile("mov %%dr1, %0" : "=r"(v)); break;
	case 2: __asm__ volatile("mov %%dr2, %0" : "=r"(v)); break;
	case 3: __asm__ volatile("mov %%dr3, %0" : "=r"(v)); break;
	}
	return v;
}
static inline void write_dr(unsigned n, uint32_t v)
{
	switch (n) {
	case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(v)); break;
	case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(v)); break;
	case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(v)); break;
	case 3: __asm__ volatile("mov %0, %%dr3" : : "r"(v)); break;
	}
}
static inline uint32_t read_cr4(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
/* Only set CR4 bits that CPUID reports: on QEMU 7.2 an unsupported bit hangs
 * the machine instead of raising #GP (shared/probes/p11_cr4reserved.c). */
static inline void write_cr4(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			 uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}

static inline uint32_t read_eflags(void)
{
	uint32_t v;
	__asm__ volatile("pushfl; popl %0" : "=r"(v));
	return v;
}
static inline void write_eflags(uint32_t v)
{
	__asm__ volatile("pushl %0; popfl" : : "r"(v) : "memory", "cc");
}
static inline void irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}
static inline void irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}
/* sti takes effect after the next instruction, so no interrupt is lost
 * between enabling and halting. */
static inline void irq_enable_and_halt(void)
{
	__asm__ volatile("sti; hlt" : : : "memory");
}
static inline void halt(void)
{
	__asm__ volatile("hlt" : : : "memory");
}
static inline void cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}
static inline void invlpg(vaddr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}
static inline uint32_t read_ebp(void)
{
	uint32_t v;
	__asm__ volatile("mov %%ebp, %0" : "=r"(v));
	return v;
}
static inline uint32_t read_esp(void)
{
	uint32_t v;
	__asm__ volatile("mov %%esp, %0" : "=r"(v));
	return v;
}

struct __packed desc_ptr {
	uint16_t limit;
	uint32_t base;
};

static inline void lgdt(const struct desc_ptr *p)
{
	__asm__ volatile("lgdt %0" : : "m"(*p) : "memory");
}
static inline void lidt(const struct desc_ptr *p)
{
	__asm__ volatile("lidt %0" : : "m"(*p) : "memory");
}
static inline void sgdt(struct desc_ptr *p)
{
	__asm__ volatile("sgdt %0" : "=m"(*p));
}
static inline void sidt(struct desc_ptr *p)
{
	__asm__ volatile("sidt %0" : "=m"(*p));
}
static inline void lldt(uint16_t sel)
{
	__asm__ volatile("lldt %0" : : "r"(sel) : "memory");
}

static inline void ltr(uint16_t sel)
{
	__asm__ volatile("ltr %0" : : "r"(sel) : "memory");
}
static inline uint16_t str(void)
{
	uint16_t sel;
	__asm__ volatile("str %0" : "=r"(sel));
	return sel;
}
/* Reload CS (far jump) and the data segment registers after lgdt. */
static inline void load_segments(uint16_t cs, uint16_t ds)
{
	__asm__ volatile("pushl %0\n\t"
			 "pushl $1f\n\t"
			 "lret\n"
			 "1:\n\t"
			 "mov %1, %%ds\n\t"
			 "mov %1, %%es\n\t"
			 "mov %1, %%ss\n\t"
			 "mov %1, %%fs\n\t"
			 "mov %1, %%gs"
			 : : "r"((uint32_t)cs), "r"(ds) : "memory");
}

#endif
