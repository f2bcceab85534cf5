/*
 * Density: how many minimal domains boot at once in this machine's memory
 * (the tests.cfg entry gives QEMU 2 GiB). Domains of the idle guest (128 KiB
 * each) are created until memory or domain ids run out; all of them must
 * then boot (each is scheduled and blocks) and stay alive together. Prints
 * the hypervisor's own memory per domain and what the limit was.
 */
#include "testlib.h"
#include "domain.h"
#include "domconfig.h"
#include "errno.h"
#include "format.h"
#include "frame.h"
#include "hv.h"
#include "mm.h"
#include "printk.h"
#include "pv.h"
#include "sched.h"
#include "string.h"
#include "time.h"

#define GUEST_KIB 128

void test_main(void)
{
	if (boot_info.nmodules < 1)
		test_error("needs the idle guest as a module");
	const void *img = phys_to_virt(boot_info.modules[0].start);
	size_t size = boot_info.modules[0].end - boot_info.modules[0].start;
	struct domain_config cfg;
	char err[160] = "", limit[200] = "";
	unsigned created = 0;
	pfn_t free0 = hv_frames.nfree;
	uint64_t t0 = time_now_ns();

	printk_loglevel = 3;            /* thousands of domains: no per-domain lines */
	for (;;) {
		char words[64];
		snprintf(words, sizeof(words), "idle.elf name=d%u memory=%uK", created, GUEST_KIB);
		domconfig_defaults(&cfg);
		if (domconfig_parse_words(words, &cfg, err, sizeof(err)))
			test_error("config: %s", err);
		struct domain *d = domain_alloc(cfg.name);
		if (!d) {
			snprintf(limit, sizeof(limit), "no free domain id or no memory for the structure");
			break;
		}
		int rc = domain_build(d, &cfg, img, size, NULL, 0, err, sizeof(err));
		if (rc) {
			domain_destroy(d);
			snprintf(limit, sizeof(limit), "%s", err);
			break;
		}
		sched_start(d);
		created++;
	}
	uint64_t t1 = time_now_ns();

	/* Run until every one of them has booted and gone to sleep. */
	unsigned booted = 0;
	while (time_now_ns() - t1 < 120000000000ull) {
		sched_run_until(time_now_ns() + 200000000ull);
		booted = 0;
		for (unsigned i = 0; i < MAX_DOMAINS; i++)
			if (domains[i] && domains[i]->state == DOM_BLOCKED && domains[i]->stats.switches_in)
				booted++;
		if (booted == created)
			break;
	}
	uint64_t t2 = time_now_ns();
	printk_loglevel = 6;

	/* The hypervisor's own memory per domain (the guest's is its quota). */
	uint32_t struct_bytes = ((sizeof(struct domain) + PAGE_SIZE - 1) / PAGE_SIZE) * PAGE_SIZE;
	uint32_t pages = GUEST_KIB / 4;
	uint32_t p2m_bytes = ((pages * 4 + PAGE_SIZE - 1) / PAGE_SIZE) * PAGE_SIZE;
	uint32_t ft_bytes = pages * sizeof(struct page_info);
	uint32_t meta = struct_bytes + p2m_bytes + PAGE_SIZE /* shared info */ + ft_bytes;
	printk("density: %u domains of %u KiB booted and alive at once in %u MiB of RAM\n", booted,
	       GUEST_KIB, (unsigned)(boot_info.map[3].len >> 20));
	printk("density: hypervisor memory per domain: %u bytes = struct domain %u (%zu used) + "
	       "p2m %u + shared info %u + frame table %u\n", meta, struct_bytes,
	       sizeof(struct domain), p2m_bytes, PAGE_SIZE, ft_bytes);
	printk("density: limit reached: %s\n", limit);
	printk("density: %u frames free before, %u after; built in %llu ms, booted in %llu ms\n",
	       free0, hv_frames.nfree, (unsigned long long)((t1 - t0) / 1000000),
	       (unsigned long long)((t2 - t1) / 1000000));
	test_check(created >= 1000, "at least a thousand domains created (%u)", created);
	test_check(booted == created, "every one booted and is alive (%u of %u)", booted, created);
	test_check(domain_count_alive() == created, "the scheduler counts them all alive (%u)",
		   domain_count_alive());
	test_finish();
}
