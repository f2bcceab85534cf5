/*
 * The library of hw test guests (tests/hwguests/, docs/hw-tests.md): small
 * multiboot v1 kernels run as hw (SVM) domains that check what the
 * hypervisor shows them. A guest supplies guest_main(); the library has
 * already loaded a GDT and an IDT whose every vector lands in one
 * dispatcher, and the console is COM1 by polling. The guest reports
 * through tests/lib/report.h (test_check, test_finish, ...); the outcome
 * is written to port 0xf4, the hypervisor's power-off-with-exit-code
 * port for hw domains.
 */
#ifndef HWG_H
#define HWG_H

#include "types.h"
#include "x86.h"
#include "report.h"

/* What the stubs of entry.S and the CPU leave on the stack (pusha order). */
struct hwg_frame {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};

/* Multiboot v1 information (only the fields we read). */
struct __packed hwg_mbi {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4], mmap_length, mmap_addr;
};

extern const struct hwg_mbi *hwg_mbi;
extern const char *hwg_cmdline;         /* "" when the loader gave none */

/* The guest's test; return to finish (test_finish). */
void guest_main(void);

void hwg_printf(const char *fmt, ...) __printf(1, 2);
/* A word of the command line, as "mode" or "key=value"'s key. */
bool hwg_cmdline_has(const char *word);
/* RAM above 1 MiB + 1 MiB, from the multiboot memory fields. */
uint32_t hwg_ram_bytes(void);

/* An interrupt handler for a vector >= 32 (NULL: counted as unexpected). */
typedef void (*hwg_handler_t)(struct hwg_frame *f);
void hwg_set_handler(unsigned vector, hwg_handler_t fn);
extern volatile uint32_t hwg_unexpected_irqs;

/* Point gate vec of the IDT loaded now at fn (code selector 0x08), with
 * type the access byte: 0x8e a 32-bit interrupt gate of DPL 0, 0x8f a trap
 * gate, 0xef a trap gate of DPL 3, 0x0e one not present. */
void hwg_set_gate(unsigned vec, void (*fn)(void), uint8_t type);
/* A segment descriptor: access the byte of type, S, DPL and P (0x9a ring-0
 * code, 0x92 data, 0xfa ring-3 code), flags the nibble of G, D/B, L, AVL
 * (0xc: 4 KiB units, 32-bit). */
uint64_t hwg_seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);

/*
 * Catching a fault: hwg_try(len, asm...) runs one instruction of len bytes
 * (the inline assembly given) and evaluates to the vector it raised, or -1
 * when it raised none; on a fault the handler resumes after it. The error
 * code of the fault is then in hwg_fault_error. An exception nobody is
 * waiting for ends the test with ERROR.
 */
void hwg_catch_arm(unsigned len);
int hwg_catch_result(void);
extern volatile uint32_t hwg_fault_error;
#define hwg_try(len, ...) ({ hwg_catch_arm(len); __asm__ volatile(__VA_ARGS__); \
			     hwg_catch_result(); })

/* Port I/O that x86.h lacks. */
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* 32-bit MMIO (paging off: the address is the guest-physical one). */
static inline uint32_t mmio_read32(uint32_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}
static inline void mmio_write32(uint32_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

/* TSC ticks per second, timed against PIT channel 2 (lib/pit.c); 0 if no
 * PIT answered. Computed once. */
uint64_t hwg_tsc_hz(void);
/* Busy-wait for us microseconds by the TSC. */
void hwg_udelay(uint32_t us);

#endif
