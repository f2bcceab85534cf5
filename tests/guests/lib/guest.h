/*
 * The pv test-guest library (XTF-style): a test guest defines
 * guest_main(), checks things with test_check() and ends with test_finish(),
 * which prints one "TEST RESULT:" line on its console and powers the domain
 * off with the result as exit code (docs/testing.md).
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <public/ringvisor.h>
#include <public/shared_info.h>
#include <public/start_info.h>
#include "hypercall.h"

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096u
#endif
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif
#ifndef __noreturn
#define __noreturn __attribute__((noreturn))
#endif

extern struct rv_start_info *start_info;
extern struct rv_shared_info *shared_info;

void guest_main(void);

int gprintf(const char *fmt, ...) __printf(1, 2);
bool test_check(bool ok, const char *fmt, ...) __printf(2, 3);
void test_finish(void) __noreturn;
void test_error(const char *fmt, ...) __printf(1, 2) __noreturn;
void test_skip(const char *fmt, ...) __printf(1, 2) __noreturn;

/* Result codes for the shutdown exit code (the hypervisor's exit statuses). */
#define GUEST_SUCCESS 0
#define GUEST_FAILURE 1
#define GUEST_ERROR   2
#define GUEST_SKIP    3

/* ---- traps (trap.S, guest.c) ---- */
/* The frame a ring-1 handler sees, as the guest stubs save it. */
struct guest_frame {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	uint32_t vector, error_code;
	uint32_t eip, cs, eflags;
	uint32_t esp, ss;               /* only when the trap came from ring 3 */
};
typedef void (*guest_trap_fn)(struct guest_frame *f);
/* Route vector to fn (through the shared stub and the trap table). */
int guest_set_trap(unsigned vector, guest_trap_fn fn, unsigned dpl, bool mask_events);
extern const uint32_t guest_trap_stubs[256];

/* ---- events ---- */
typedef void (*guest_event_fn)(unsigned port);
/* Install the event callback; fn runs once per pending port, events masked. */
int guest_events_init(guest_event_fn fn);
static inline void events_enable(void)
{
	shared_info->vcpu.evtchn_upcall_mask = 0;
	__asm__ volatile("" : : : "memory");
	if (shared_info->vcpu.evtchn_upcall_pending)
		hv_version(RV_VERSION_version);         /* any hypercall delivers them */
}
static inline void events_disable(void)
{
	shared_info->vcpu.evtchn_upcall_mask = 1;
	__asm__ volatile("" : : : "memory");
}

/* ---- time ---- */
uint64_t guest_time_ns(void);

/* ---- running code in ring 3 ---- */
/* Run fn(arg) at ring 3 on its own stack; it ends with exit_user(). Returns
 * what exit_user was given. Needs the trap vector 0x81 (installed by
 * guest_user_init). */
uint32_t run_user(uint32_t (*fn)(uint32_t), uint32_t arg);
void guest_user_init(void);

/* freestanding helpers */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#endif
