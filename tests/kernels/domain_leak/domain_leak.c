/*
 * Domains are built and destroyed in a loop, successfully and with every
 * kind of build failure, and not a frame leaks: the free count comes back to
 * where it started each time. The kernel image comes from the first module.
 */
#include "testlib.h"
#include "frames_audit.h"
#include "domain.h"
#include "domconfig.h"
#include "frame.h"
#include "mm.h"
#include "multiboot.h"
#include "printk.h"
#include "pv.h"
#include "sched.h"
#include "string.h"

static int build(const char *words, const void *img, size_t size, char *err, size_t n)
{
	struct domain_config cfg;
	domconfig_defaults(&cfg);
	if (domconfig_parse_words(words, &cfg, err, n))
		return -1;
	struct domain *d = domain_alloc(cfg.name);
	if (!d)
		return -2;
	int rc = domain_build(d, &cfg, img, size, NULL, 0, err, n);
	if (rc) {
		domain_destroy(d);
		return rc;
	}
	sched_start(d);
	domain_shutdown(d, RV_SHUTDOWN_poweroff, 0);    /* frees it: it never ran */
	return 0;
}

void test_main(void)
{
	if (boot_info.nmodules < 1)
		test_error("needs the hello guest as a module");
	const void *img = phys_to_virt(boot_info.modules[0].start);
	size_t size = boot_info.modules[0].end - boot_info.modules[0].start;
	char err[160];
	pfn_t free0 = hv_frames.nfree;
	unsigned built = 0, refused = 0, leaks = 0;

	printk_loglevel = 3;            /* quiet: 200 domains' worth of logs */
	for (int i = 0; i < 50; i++) {
		built += build("k.elf name=ok memory=4M", img, size, err, sizeof(err)) == 0;
		refused += build("k.elf name=high memory=1024M", img, size, err, sizeof(err)) != 0 &&
			   strstr(err, "would reach the switch region") != NULL;
		refused += build("k.elf name=trunc memory=4M", img, 200, err, sizeof(err)) != 0 &&
			   strstr(err, "bad kernel image") != NULL;
		refused += build("k.elf name=huge memory=1000M", img, size, err, sizeof(err)) != 0 &&
			   strstr(err, "not enough free memory") != NULL;
		if (hv_frames.nfree != free0)
			leaks++;
	}
	printk_loglevel = 6;
	test_check(built == 50, "50 domains built and destroyed (%u)", built);
	test_check(refused == 150, "150 refused with the right reason (%u); last: %s", refused, err);
	test_check(leaks == 0 && hv_frames.nfree == free0,
		   "no frame leaked: %u free before, %u after (%u rounds leaked)", free0,
		   hv_frames.nfree, leaks);
	test_check(domain_count_alive() == 0, "no domain left");
	test_check(hv_frames.double_frees == 0 && hv_frames.reserved_frees == 0,
		   "no bad frees (%u double, %u reserved)", hv_frames.double_frees,
		   hv_frames.reserved_frees);

	/* The frame table agrees: every free frame is nobody's, with no count
	 * and no type left over; no frame is still owned by a domain id. */
	struct frames_audit fa = frames_audit(0);
	unsigned stale = fa.stale, owned = fa.owned;
	test_check(stale == 0, "free frames carry no owner, count or type (%u stale)", stale);
	test_check(owned == 0, "no frame is left owned by a domain (%u)", owned);
	test_finish();
}
