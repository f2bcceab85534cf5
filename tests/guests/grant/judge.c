/*
 * Domain 0 as the judge of the grant pair (grant_pair_dom0): it creates
 * "granter" and "mapper" from its initrd (this same image), tells each the
 * other's id on its console, lets them run, and when both are gone checks
 * that its physinfo shows every frame back in the pool and no bad free.
 * With "destroy" on its command line it destroys the mapper while the
 * mapper holds a grant mapping.
 */
#include "grant_test.h"

static struct rv_domctl_physinfo pi;
static struct rv_domctl_info info;
static char err[160];

static uint32_t free_kib(void)
{
	if (hv_domctl(RV_DOMCTL_physinfo, (uint32_t)&pi, sizeof(pi), 0))
		test_error("physinfo refused");
	return pi.free_kib;
}

static int32_t create(const char *config)
{
	struct rv_domctl_create c = {
		0, (uint32_t)config, strlen(config), start_info->initrd, start_info->initrd_len, 0, 0,
		(uint32_t)err, sizeof(err), 0,
	};
	int32_t id = hv_domctl(RV_DOMCTL_create, (uint32_t)&c, sizeof(c), 0);
	if (id <= 0)
		test_error("create: %d (%s)", id, err);
	return id;
}

static void tell(int32_t id, int32_t peer)
{
	char line[16] = "peer ";
	uint32_t n = 5, digits[8], k = 0;
	for (uint32_t v = (uint32_t)peer; v || !k; v /= 10)
		digits[k++] = v % 10;
	while (k)
		line[n++] = (char)('0' + digits[--k]);
	line[n++] = '\n';
	if (hv_domctl(RV_DOMCTL_console_write, (uint32_t)id, (uint32_t)line, n) != (int32_t)n)
		test_error("cannot type on domain %d's console", id);
}

/* Wait until domain id wrote needle on its console (its history). */
static bool console_says(int32_t id, const char *needle)
{
	static char text[4096];
	uint64_t until = guest_time_ns() + 30000000000ull;
	while (guest_time_ns() < until) {
		struct rv_domctl_console c = { 0, (uint32_t)text, sizeof(text), 0, 0, 0, 0 };
		int32_t got = hv_domctl(RV_DOMCTL_console_read, (uint32_t)id, (uint32_t)&c, sizeof(c));
		if (got > 0 && guest_contains(text, (size_t)got, needle))
			return true;
		guest_let_run(50);
	}
	return false;
}

static bool exists(int32_t id)
{
	return hv_domctl(RV_DOMCTL_getinfo, (uint32_t)id, (uint32_t)&info, sizeof(info)) == id;
}

void judge_main(void)
{
	if (!start_info->initrd)
		test_error("no image (the initrd) to create the pair from");
	uint32_t before = free_kib();
	uint32_t bad_before = pi.bad_frees;
	int32_t g = create("name = \"granter\"\nkernel = \"grant.elf\"\nmemory = 4\n"
			   "cmdline = \"peer=ask\"\n");
	bool destroy = guest_contains(start_info->cmdline, sizeof(start_info->cmdline), "destroy");
	int32_t m = create(destroy ? "name = \"mapper\"\nkernel = \"grant.elf\"\nmemory = 4\n"
				     "cmdline = \"peer=ask destroy\"\n" :
				     "name = \"mapper\"\nkernel = \"grant.elf\"\nmemory = 4\n"
				     "cmdline = \"peer=ask\"\n");
	uint32_t during = free_kib();
	test_check(during + 2 * 4096 <= before, "the pair took %u KiB (%u free before)",
		   before - during, before);
	tell(g, m);
	tell(m, g);
	if (hv_domctl(RV_DOMCTL_unpause, (uint32_t)g, 0, 0) ||
	    hv_domctl(RV_DOMCTL_unpause, (uint32_t)m, 0, 0))
		test_error("cannot unpause the pair");
	if (destroy) {
		/* The mapper waits with a page of the granter's mapped. */
		test_check(console_says(m, "waiting to be destroyed"), "the mapper waits to be destroyed");
		test_check(hv_domctl(RV_DOMCTL_destroy, (uint32_t)m, 0, 0) == 0,
			   "destroy the mapper (%d) with a grant mapped", m);
	}
	uint64_t until = guest_time_ns() + 60000000000ull;
	while ((exists(g) || exists(m)) && guest_time_ns() < until)
		guest_let_run(50);
	test_check(!exists(g) && !exists(m), "the granter (%d) and the mapper (%d) are gone", g, m);
	uint32_t after = free_kib();
	test_check(after == before && pi.bad_frees == bad_before,
		   "physinfo: %u KiB free after, %u before; %u bad frees", after, before, pi.bad_frees);
	test_finish();
}
