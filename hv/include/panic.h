/*
 * panic(): a broken invariant of the hypervisor itself (never a guest's
 * mistake: that is an error returned to the guest). Prints the reason with
 * file and line and a backtrace, then leaves QEMU through isa-debug-exit
 * with HV_EXIT_PANIC, or halts forever on a real PC.
 */
#ifndef HV_PANIC_H
#define HV_PANIC_H

#include "types.h"

/*
 * Status codes written to the isa-debug-exit port (0xf4). QEMU exits with
 * (code << 1) | 1, so the harness sees 1, 3, 5, 7 and 65 (docs/testing.md).
 */
#define HV_EXIT_SUCCESS 0x00    /* test passed / orderly shutdown */
#define HV_EXIT_FAILURE 0x01    /* a test found the code under test wrong */
#define HV_EXIT_ERROR   0x02    /* a test could not run properly */
#define HV_EXIT_SKIP    0x03    /* a test does not apply here */
#define HV_EXIT_PANIC   0x20    /* panic() */
#define HV_EXIT_DOMAIN_CRASH 0x21 /* on_empty=exit: a domain crashed */

#define panic(fmt, ...) panic_at(__FILE__, __LINE__, fmt, ##__VA_ARGS__)
void panic_at(const char *file, int line, const char *fmt, ...) __printf(3, 4) __noreturn;

/* Leave QEMU with a status; on real hardware, halt forever. */
void machine_exit(uint32_t code) __noreturn;

/* Print the chain of return addresses starting from frame pointer ebp. */
void backtrace_print(uint32_t eip, uint32_t ebp);

#define ASSERT(cond)                                                             \
	do {                                                                     \
		if (unlikely(!(cond)))                                           \
			panic("assertion '%s' failed", #cond);                   \
	} while (0)

#endif
