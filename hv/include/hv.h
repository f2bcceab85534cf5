/* Boot flow entry points shared between subsystems. */
#ifndef HV_HV_H
#define HV_HV_H

#include "types.h"
#include "multiboot.h"

#define HV_NAME         "ringvisor"
#define HV_VERSION      "0.1"

void memory_init(const struct boot_info *bi);
void memory_dump(void);
/* Remember the free frames before the domains are built; report them (and
 * bad frees) against that when they are all gone. */
void memory_mark_before_domains(void);
void memory_report_end(void);
pfn_t memory_ram_top(void);     /* highest available pfn + 1 */
/* Be told of every frame the allocator hands out (zeroed) or takes back:
 * a technique that keeps per-frame state (pv's frame table) resets it.
 * One observer. */
void memory_observe(void (*allocated)(pfn_t pfn), void (*freed)(pfn_t pfn));

/*
 * Link-time hook: a test kernel (tests/kernels/NAME/) linked with the
 * hypervisor objects defines test_main(), which runs once the hypervisor is
 * up, instead of the idle loop. The stock image has none.
 */
void test_main(void) __attribute__((weak));

/* Build the domains the boot modules describe; returns how many run. */
unsigned domains_boot(const struct boot_info *bi);

#endif
