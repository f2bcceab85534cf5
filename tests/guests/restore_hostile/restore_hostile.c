/*
 * Restore from hostile save streams, at the hypercall level (docs/control.md,
 * "Tests"). This privileged test guest is Domain 0: it creates the counter
 * guest (its initrd), suspends it, reads its whole stream with domctl save,
 * destroys it and restores it (memory checksums equal, a save of the
 * restored domain gives the same pages, the restored guest checks itself
 * and reports). Then it hands restore copies of that stream with one
 * corruption each, and bad calls around them: each must be refused with its
 * own error and reason, leave no domain behind and give back every frame
 * (domctl physinfo: free memory as before, no refused free). What the
 * hypervisor sanitizes instead (IOPL, VM in eflags) the restored guest
 * checks. Two hostile guests turn their start-info page into a page table
 * or give it back: suspending them is refused. Last, this domain powers off
 * in the middle of a restore: the half-made domain must go with it (the
 * test's expect lines).
 */
#include "guest.h"
#include "format.h"
#include "savefile.h"

#define CHILD           "counter"
#define CHILD_CFG       "name = \"" CHILD "\"\nkernel = \"counter.elf\"\nmemory = 2\n"
#define STREAM_MAX      (3u << 20)      /* a 2 MiB guest's stream, with room */

enum { AT_BEGIN = 1, AT_DATA, AT_FINISH, AT_DONE };
static const char *const stage_names[] = { "", "begin", "data", "finish", "-" };

static struct rv_domctl_info info;
static char err[160];
static char con[RV_CONSOLE_HISTORY];
static char why[sizeof(err)];           /* err, kept across a later call */
static uint32_t me, free_base;
static uint8_t *pristine, *work;        /* the saved stream, and a copy to spoil */
static uint64_t pristine_sum;
static int stage;                       /* where the last restore() stopped */

#define H(s)            ((struct rv_save_header *)(s))
#define VCPU(s)         ((struct rv_save_vcpu *)((s) + H(s)->vcpu_off))
#define TYPES(s)        ((s) + H(s)->types_off)
#define PAGE(s, pfn)    ((uint64_t *)((s) + H(s)->pages_off + (size_t)(pfn) * PAGE_SIZE))

/* The child's layout in the stream (find_tables). */
static uint32_t nr_pages, base_pfn, l2h_pfn, l1_pfn, si_pfn, last_pfn, pattern_pfn;

static int32_t getinfo(uint32_t from)
{
	return hv_domctl(RV_DOMCTL_getinfo, from, (uint32_t)&info, sizeof(info));
}

static bool alive(uint32_t id)
{
	return getinfo(id) == (int32_t)id;
}

/* Domains other than this one. */
static uint32_t others(void)
{
	uint32_t n = 0;
	for (int32_t id = getinfo(0); id > 0; id = getinfo((uint32_t)id + 1))
		n += (uint32_t)id != me;
	return n;
}

static struct rv_domctl_physinfo physinfo(void)
{
	struct rv_domctl_physinfo pi = { 0, 0, 0, 0 };
	if (hv_domctl(RV_DOMCTL_physinfo, (uint32_t)&pi, sizeof(pi), 0))
		test_error("physinfo refused");
	return pi;
}

/* Wait (at most ms) until getinfo(id) has flag. */
static bool wait_flag(uint32_t id, uint32_t flag, uint64_t ms)
{
	uint64_t until = guest_time_ns() + ms * 1000000;
	do {
		if (alive(id) && (info.flags & flag))
			return true;
		hv_yield();
	} while (guest_time_ns() < until);
	return false;
}

static bool wait_gone(uint32_t id, uint64_t ms)
{
	uint64_t until = guest_time_ns() + ms * 1000000;
	while (alive(id) && guest_time_ns() < until)
		hv_yield();
	return !alive(id);
}

/* Domain id's console output so far (NUL-terminated in con). */
static int32_t console_of(uint32_t id)
{
	struct rv_domctl_console c = { 0, (uint32_t)con, sizeof(con) - 1, 0, 0, 0, 0 };
	int32_t got = hv_domctl(RV_DOMCTL_console_read, id, (uint32_t)&c, sizeof(c));
	con[got > 0 ? got : 0] = '\0';
	return got;
}

/* Wait (at most ms) until domain id has printed line. */
static bool wait_output(uint32_t id, const char *line, uint64_t ms)
{
	uint64_t until = guest_time_ns() + ms * 1000000;
	do {
		if (console_of(id) > 0 && guest_contains(con, sizeof(con), line))
			return true;
		guest_let_run(20);
	} while (guest_time_ns() < until);
	return false;
}

static int32_t save_range(uint32_t id, uint64_t pos, void *buf, uint32_t len)
{
	struct rv_domctl_xfer x = { pos, (uint32_t)buf, len };
	return hv_domctl(RV_DOMCTL_save, id, (uint32_t)&x, sizeof(x));
}

/* The whole stream of a suspended domain into buf: its length, or the error. */
static int32_t save_all(uint32_t id, uint8_t *buf)
{
	uint32_t pos = 0;
	for (;;) {
		int32_t n = save_range(id, pos, buf + pos, RV_XFER_MAX);
		if (n <= 0)
			return n < 0 ? n : (int32_t)pos;
		pos += (uint32_t)n;
		if (pos > STREAM_MAX - RV_XFER_MAX)
			return -RV_E2BIG;
	}
}

static int32_t memsum(uint32_t id, uint64_t *sum)
{
	return hv_domctl(RV_DOMCTL_memsum, id, (uint32_t)sum, 0);
}

static int32_t restore_data(uint32_t id, uint64_t pos, const void *buf, uint32_t len)
{
	struct rv_domctl_xfer x = { pos, (uint32_t)buf, len };
	return hv_domctl(RV_DOMCTL_restore_data, id, (uint32_t)&x, sizeof(x));
}

static int32_t restore_begin(const uint8_t *s, uint32_t meta_len, const char *name)
{
	struct rv_domctl_restore r = { (uint32_t)s, meta_len, (uint32_t)name, (uint32_t)err,
				       sizeof(err), 0 };
	err[0] = '\0';
	return hv_domctl(RV_DOMCTL_restore_begin, (uint32_t)&r, sizeof(r), 0);
}

/* The pages of stream s into restoring domain id, from page first on. */
static int32_t put_pages(uint32_t id, const uint8_t *s, uint32_t first)
{
	const struct rv_save_header *p = H(pristine);
	for (uint64_t pos = (uint64_t)first * PAGE_SIZE; pos < (uint64_t)p->nr_pages * PAGE_SIZE;
	     pos += RV_XFER_MAX) {
		int32_t n = restore_data(id, pos, s + p->pages_off + pos, RV_XFER_MAX);
		if (n != RV_XFER_MAX)
			return n < 0 ? n : -RV_EIO;
	}
	return 0;
}

static int32_t restore_finish(uint32_t id)
{
	err[0] = '\0';
	return hv_domctl(RV_DOMCTL_restore_finish, id, (uint32_t)err, sizeof(err));
}

/* Stream s through restore_begin, _data and _finish (the lengths are the
 * intact stream's): the new domain's id, or the first error (stage says
 * where; a domain left restoring by an error in _data is destroyed). */
static int32_t restore(const uint8_t *s, const char *name)
{
	stage = AT_BEGIN;
	int32_t id = restore_begin(s, H(pristine)->pages_off, name);
	if (id <= 0)
		return id;
	stage = AT_DATA;
	int32_t rc = put_pages((uint32_t)id, s, 0);
	if (rc) {
		hv_domctl(RV_DOMCTL_destroy, (uint32_t)id, 0, 0);
		return rc;
	}
	stage = AT_FINISH;
	rc = restore_finish((uint32_t)id);
	if (rc)
		return rc;
	stage = AT_DONE;
	return id;
}

/* After a refusal: no domain but this one, every frame back. */
static void nothing_left(const char *what)
{
	uint32_t n = others();
	struct rv_domctl_physinfo pi = physinfo();
	test_check(n == 0 && pi.free_kib == free_base && pi.bad_frees == 0,
		   "%s: no domain left (%u), %u KiB free as before (%u), %u refused frees", what, n,
		   pi.free_kib, free_base, pi.bad_frees);
}

/* Restore the spoiled copy: refused by restore_<at> with want and a reason
 * that says because. Nothing may be left. */
static void refused(const char *what, int at, int32_t want, const char *because)
{
	int32_t rc = restore(work, NULL);
	if (rc > 0)
		hv_domctl(RV_DOMCTL_destroy, (uint32_t)rc, 0, 0);     /* accepted: take it away */
	test_check(rc == want && stage == at && guest_contains(err, sizeof(err), because),
		   "%s: refused by restore_%s with %d ('%s')", what, stage_names[stage], rc, err);
	nothing_left(what);
}

static uint8_t *fresh(void)
{
	memcpy(work, pristine, H(pristine)->total_len);
	return work;
}

static uint32_t frame_of(uint64_t e)
{
	return (uint32_t)((e & PG_ADDR) >> 12);
}

static uint64_t with_frame(uint64_t e, uint64_t frame)
{
	return (e & ~PG_ADDR) | ((frame << 12) & PG_ADDR);
}

/* Replace the config text (its length changes, not the layout). */
static void set_config(uint8_t *s, const char *text)
{
	struct rv_save_header *h = H(s);
	memset(s + h->config_off, 0, h->vcpu_off - h->config_off);
	memcpy(s + h->config_off, text, strlen(text));
	h->config_len = strlen(text);
}

/* Run the restored domain id: it checks itself, prints "restored: checks
 * done", and reports once told 'q'. */
static void run_restored(uint32_t id, const char *what)
{
	test_check(hv_domctl(RV_DOMCTL_unpause, id, 0, 0) == 0, "%s: unpaused", what);
	bool done = wait_output(id, "restored: checks done", 20000);
	bool failed = guest_contains(con, sizeof(con), "FAILED");
	test_check(done && !failed, "%s: the restored guest's own checks hold%s", what,
		   done ? "" : " (it never said so)");
	test_check(hv_domctl(RV_DOMCTL_console_write, id, (uint32_t)"q", 1) == 1 &&
		   wait_gone(id, 5000), "%s: told to finish, it reported and is gone", what);
}

/* Create the child, save it (and check save's own refusals), destroy it. */
static void make_stream(void)
{
	static const char cfg[] = CHILD_CFG;
	const void *k = (const void *)start_info->initrd;
	struct rv_domctl_create c = { RV_CREATE_START, (uint32_t)cfg, sizeof(cfg) - 1, (uint32_t)k,
				      start_info->initrd_len, 0, 0, (uint32_t)err, sizeof(err), 0 };
	uint64_t sum = 0;

	int32_t id = hv_domctl(RV_DOMCTL_create, (uint32_t)&c, sizeof(c), 0);
	if (id <= 0)
		test_error("cannot create the child: %d ('%s')", id, err);
	bool running = wait_output((uint32_t)id, "counting", 5000);
	test_check(running, "created domain %d '" CHILD "' from the initrd: it counts", id);
	int32_t s = save_range((uint32_t)id, 0, work, 4096), m = memsum((uint32_t)id, &sum);
	test_check(s == -RV_EBUSY && m == -RV_EBUSY, "not suspended: save %d, memsum %d (-EBUSY)", s, m);

	test_check(hv_domctl(RV_DOMCTL_suspend, (uint32_t)id, 0, 0) == 0, "suspend asked");
	test_check(wait_flag((uint32_t)id, RV_DOMINFO_SUSPENDED, 5000) &&
		   info.state == RV_DOMSTATE_paused, "it suspended itself: paused, RV_DOMINFO_SUSPENDED");
	test_check(hv_domctl(RV_DOMCTL_suspend, (uint32_t)id, 0, 0) == -RV_EALREADY,
		   "suspend again: -EALREADY");
	int32_t len = save_all((uint32_t)id, work);
	test_check(len > 0 && (uint32_t)len == H(work)->total_len, "saved: %d bytes", len);

	/* Let go in place: its suspend returns 0 and it counts on. */
	test_check(hv_domctl(RV_DOMCTL_unpause, (uint32_t)id, 0, 0) == 0 &&
		   wait_output((uint32_t)id, "let go in place", 5000) &&
		   !guest_contains(con, sizeof(con), "FAILED"), "unpaused: it goes on where it was");
	s = save_range((uint32_t)id, 0, work, 4096);
	test_check(s == -RV_EBUSY && !(getinfo((uint32_t)id) == id && (info.flags & RV_DOMINFO_SUSPENDED)),
		   "let go: not suspended, save -EBUSY (%d)", s);

	test_check(hv_domctl(RV_DOMCTL_suspend, (uint32_t)id, 0, 0) == 0 &&
		   wait_flag((uint32_t)id, RV_DOMINFO_SUSPENDED, 5000), "suspended again");
	len = save_all((uint32_t)id, pristine);
	m = memsum((uint32_t)id, &pristine_sum);
	test_check(len > 0 && (uint32_t)len == H(pristine)->total_len && m == 0,
		   "saved: %d bytes, memsum %#llx", len, (unsigned long long)pristine_sum);
	struct rv_domctl_xfer x = { 0, (uint32_t)work, 16 };
	int32_t past = save_range((uint32_t)id, (uint64_t)len + 1, work, 16);
	int32_t end = save_range((uint32_t)id, (uint64_t)len, work, 16);
	int32_t big = save_range((uint32_t)id, 0, work, RV_XFER_MAX + 1);
	int32_t unmapped = save_range((uint32_t)id, 0, (void *)0x1000, 16);
	int32_t size = hv_domctl(RV_DOMCTL_save, (uint32_t)id, (uint32_t)&x, sizeof(x) - 1);
	test_check(past == -RV_EINVAL && end == 0 && big == -RV_EINVAL && unmapped == -RV_EFAULT &&
		   size == -RV_EINVAL, "save past the end %d, at the end %d, over RV_XFER_MAX %d, "
		   "unmapped %d, wrong size %d", past, end, big, unmapped, size);
	m = memsum((uint32_t)id, (uint64_t *)0x1000);
	test_check(m == -RV_EFAULT, "memsum into an unmapped address: %d", m);
	test_check(hv_domctl(RV_DOMCTL_destroy, (uint32_t)id, 0, 0) == 0 && !alive((uint32_t)id),
		   "destroyed (a save and stop)");

	/* Nobody there. */
	const uint32_t gone[] = { (uint32_t)id, 0, 9999, 70000 };
	bool esrch = true;
	for (unsigned i = 0; i < 4; i++)
		esrch &= hv_domctl(RV_DOMCTL_suspend, gone[i], 0, 0) == -RV_ESRCH &&
			 save_range(gone[i], 0, work, 16) == -RV_ESRCH &&
			 memsum(gone[i], &sum) == -RV_ESRCH &&
			 restore_data(gone[i], 0, work, 16) == -RV_ESRCH &&
			 hv_domctl(RV_DOMCTL_restore_finish, gone[i], 0, 0) == -RV_ESRCH;
	test_check(esrch, "suspend, save, memsum, restore_data, restore_finish of a domain that is "
		   "not there (%d, 0, 9999, 70000): -ESRCH", id);
	test_check(hv_domctl(RV_DOMCTL_suspend, me, 0, 0) == -RV_EINVAL &&
		   save_range(me, 0, work, 16) == -RV_EINVAL && memsum(me, &sum) == -RV_EINVAL &&
		   restore_data(me, 0, work, 16) == -RV_EINVAL, "Domain 0 on itself: -EINVAL");
}

/* Where the child's tables are in the stream (virt_base 0xc0000000: PDPT
 * slot 3, its directory's slot 0 maps all 2 MiB). */
static void find_tables(void)
{
	const uint8_t *s = pristine, *t = TYPES(s);
	nr_pages = H(s)->nr_pages;
	base_pfn = H(s)->base_pfn;
	si_pfn = H(s)->si_pfn;
	last_pfn = nr_pages - 1;
	l2h_pfn = frame_of(PAGE(s, base_pfn)[3]);
	l1_pfn = l2h_pfn < nr_pages ? frame_of(PAGE(s, l2h_pfn)[0]) : 0;
	bool ok = H(s)->virt_base == 0xc0000000u && nr_pages == 512 &&
		  t[base_pfn] == (RV_SAVE_PT_L3 | RV_SAVE_PINNED) && l2h_pfn < nr_pages &&
		  t[l2h_pfn] == RV_SAVE_PT_L2_HIGH && l1_pfn < nr_pages && t[l1_pfn] == RV_SAVE_PT_L1 &&
		  frame_of(PAGE(s, l1_pfn)[si_pfn]) == si_pfn && frame_of(PAGE(s, l1_pfn)[0]) == 0;
	/* The counter's pattern starts with word(0), word(1) (counter.c). */
	for (pattern_pfn = 0; pattern_pfn < nr_pages; pattern_pfn++) {
		const uint32_t *w = (const uint32_t *)PAGE(s, pattern_pfn);
		if (w[0] == 0x5a5a1234u && w[1] == (2654435761u ^ 0x5a5a1234u))
			break;
	}
	ok &= pattern_pfn < nr_pages && !t[last_pfn] && PAGE(s, l1_pfn)[last_pfn] & PG_RW;
	if (!ok)
		test_error("the stream is not laid out as expected (base %#x, L2 %#x, L1 %#x, "
			   "pattern %#x)", base_pfn, l2h_pfn, l1_pfn, pattern_pfn);
	/* Machine frame numbers never appear: every present entry of the L1
	 * names a pfn, or the shared-info page. */
	bool canonical = true;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = PAGE(s, l1_pfn)[i];
		canonical &= !(e & PG_P) || frame_of(e) == i;
	}
	test_check(canonical, "the stream's L1 maps pfn i at slot i (pfns, not machine frames)");
}

static void intact(const char *what)
{
	int32_t id = restore(pristine, NULL);
	uint64_t sum = 0;
	int32_t m = id > 0 ? memsum((uint32_t)id, &sum) : -1;
	test_check(id > 0 && getinfo((uint32_t)id) == id && !strcmp(info.name, CHILD) &&
		   info.state == RV_DOMSTATE_paused && info.flags == RV_DOMINFO_SUSPENDED &&
		   info.memory_kib == 2048, "%s: restored as domain %d, paused, suspended (%s %d '%s')",
		   what, id, stage_names[stage], id, err);
	test_check(m == 0 && sum == pristine_sum, "%s: memsum %#llx, as saved", what,
		   (unsigned long long)sum);
	if (id <= 0)
		return;
	/* Saved again before it runs: the same pages, the start-info page
	 * aside (the restore wrote its new id there). */
	int32_t len = save_all((uint32_t)id, work);
	bool same = len == (int32_t)H(pristine)->total_len;
	for (uint32_t pfn = 0; same && pfn < nr_pages; pfn++)
		same = pfn == si_pfn || !memcmp(PAGE(work, pfn), PAGE(pristine, pfn), PAGE_SIZE);
	test_check(same, "%s: saved again, every page is as in the first stream", what);
	int32_t again = restore_finish((uint32_t)id);
	int32_t data = restore_data((uint32_t)id, 0, work, 16);
	test_check(again == -RV_EBUSY && data == -RV_EBUSY,
		   "%s: restore_finish again %d, restore_data after it %d (-EBUSY)", what, again, data);
	run_restored((uint32_t)id, what);
}

/* ---- hostile streams ---- */

static void bad_headers(void)
{
	struct rv_save_header *h;

	h = H(fresh()); h->magic ^= 1;
	refused("no magic", AT_BEGIN, -RV_EINVAL, "magic");
	h = H(fresh()); h->version = RV_SAVE_VERSION + 1;
	refused("another version", AT_BEGIN, -RV_EINVAL, "version");
	h = H(fresh()); h->header_size = 4095;
	refused("header size 4095", AT_BEGIN, -RV_EINVAL, "header size");
	h = H(fresh()); h->mode = RV_DOMMODE_hw;
	refused("mode hw", AT_BEGIN, -RV_EINVAL, "mode");
	h = H(fresh()); h->nr_pages = 16;
	refused("16 pages", AT_BEGIN, -RV_EINVAL, "nr_pages");
	h = H(fresh()); h->nr_pages = 0x100000;
	refused("4 GiB of pages", AT_BEGIN, -RV_EINVAL, "nr_pages");
	h = H(fresh()); h->built_pages = h->nr_pages - 1;
	refused("built_pages below nr_pages", AT_BEGIN, -RV_EINVAL, "built_pages");
	h = H(fresh()); h->weight = 0;
	refused("weight 0", AT_BEGIN, -RV_EINVAL, "weight");
	h = H(fresh()); h->weight = 65536;
	refused("weight 65536", AT_BEGIN, -RV_EINVAL, "weight");
	h = H(fresh()); h->config_len = 0;
	refused("no config", AT_BEGIN, -RV_EINVAL, "config length");
	h = H(fresh()); h->config_len = 4097;
	refused("a config over 4096 bytes", AT_BEGIN, -RV_EINVAL, "config length");
	h = H(fresh()); h->vcpu_off += PAGE_SIZE;
	refused("vcpu_off moved", AT_BEGIN, -RV_EINVAL, "offsets");
	h = H(fresh()); h->vcpu_len = 100;
	refused("vcpu_len 100", AT_BEGIN, -RV_EINVAL, "offsets");
	h = H(fresh()); h->total_len += PAGE_SIZE;
	refused("total_len a page more", AT_BEGIN, -RV_EINVAL, "offsets");
	h = H(fresh()); h->virt_base += 0x800;
	refused("virt_base not page-aligned", AT_BEGIN, -RV_EINVAL, "virt_base");
	h = H(fresh()); h->virt_base = RV_SWITCH_BASE - PAGE_SIZE * 100;
	refused("memory into the switch region", AT_BEGIN, -RV_EINVAL, "virt_base");
	h = H(fresh()); h->si_pfn = h->nr_pages;
	refused("start info outside memory", AT_BEGIN, -RV_EINVAL, "start-info");
	h = H(fresh()); h->base_pfn = h->nr_pages + 7;
	refused("base table outside memory", AT_BEGIN, -RV_EINVAL, "base-table");
	h = H(fresh()); h->p2m_pages = 2;
	refused("a p2m of the wrong size", AT_BEGIN, -RV_EINVAL, "p2m");
	h = H(fresh()); h->p2m_pfn = h->nr_pages;
	refused("a p2m past memory", AT_BEGIN, -RV_EINVAL, "p2m");
	h = H(fresh()); h->si_pfn = h->p2m_pfn;
	refused("start info inside the p2m", AT_BEGIN, -RV_EINVAL, "inside the p2m");
	h = H(fresh()); memset(h->name, 'x', sizeof(h->name));
	refused("a saved name not terminated", AT_BEGIN, -RV_EINVAL, "name");
	h = H(fresh()); h->name[0] = '\0';
	refused("an empty saved name", AT_BEGIN, -RV_EINVAL, "name");
	/* A quota above its memory would let the restored domain balloon
	 * past the hypervisor's p2m of it. */
	h = H(fresh()); h->built_pages = h->nr_pages + 256;
	refused("built_pages above nr_pages", AT_BEGIN, -RV_EINVAL, "built_pages");
}

static void bad_calls(void)
{
	const struct rv_save_header *p = H(pristine);
	struct rv_domctl_restore r = { (uint32_t)pristine, p->pages_off, 0, 0, 0, 0 };
	int32_t rc;

	stage = AT_BEGIN;
	rc = restore_begin(pristine, p->pages_off - 1, NULL);
	test_check(rc == -RV_EINVAL && guest_contains(err, sizeof(err), "bytes"),
		   "meta_len one byte short: %d ('%s')", rc, err);
	rc = restore_begin(pristine, 100, NULL);
	test_check(rc == -RV_EINVAL && guest_contains(err, sizeof(err), "header"),
		   "meta_len shorter than a header: %d ('%s')", rc, err);
	rc = restore_begin((const uint8_t *)0x1000, p->pages_off, NULL);
	test_check(rc == -RV_EFAULT, "meta at an unmapped address: %d ('%s')", rc, err);
	rc = hv_domctl(RV_DOMCTL_restore_begin, (uint32_t)&r, sizeof(r) + 4, 0);
	int32_t rc2 = hv_domctl(RV_DOMCTL_restore_begin, 0x1000, sizeof(r), 0);
	test_check(rc == -RV_EINVAL && rc2 == -RV_EFAULT,
		   "restore_begin with a wrong size %d, an unmapped request %d", rc, rc2);
	nothing_left("bad restore_begin calls");

	/* restore_data out of bounds, and the calls a restoring domain refuses;
	 * none of them spoils the restore. */
	int32_t id = restore_begin(pristine, p->pages_off, NULL);
	uint64_t sum = 0, all = (uint64_t)p->nr_pages * PAGE_SIZE;
	test_check(id > 0 && getinfo((uint32_t)id) == id &&
		   info.flags == RV_DOMINFO_RESTORING && info.state == RV_DOMSTATE_paused,
		   "restore_begin: domain %d, paused, RV_DOMINFO_RESTORING ('%s')", id, err);
	if (id <= 0)
		return;
	int32_t past = restore_data((uint32_t)id, all - 100, work, 200);
	int32_t over = restore_data((uint32_t)id, 0, work, RV_XFER_MAX + 1);
	int32_t wrap = restore_data((uint32_t)id, ~0ull - 4095, work, 4096);
	int32_t end = restore_data((uint32_t)id, all, work, 0);
	int32_t unmapped = restore_data((uint32_t)id, 0, (void *)0x1000, 4096);
	struct rv_domctl_xfer x = { 0, (uint32_t)work, 16 };
	int32_t size = hv_domctl(RV_DOMCTL_restore_data, (uint32_t)id, (uint32_t)&x, sizeof(x) + 1);
	test_check(past == -RV_EINVAL && over == -RV_EINVAL && wrap == -RV_EINVAL && end == 0 &&
		   unmapped == -RV_EFAULT && size == -RV_EINVAL,
		   "restore_data past the end %d, over RV_XFER_MAX %d, wrapping %d, empty at the end %d, "
		   "unmapped %d, wrong size %d", past, over, wrap, end, unmapped, size);
	int32_t unpause = hv_domctl(RV_DOMCTL_unpause, (uint32_t)id, 0, 0);
	int32_t save = save_range((uint32_t)id, 0, work, 16);
	int32_t ms = memsum((uint32_t)id, &sum);
	int32_t susp = hv_domctl(RV_DOMCTL_suspend, (uint32_t)id, 0, 0);
	test_check(unpause == -RV_EBUSY && save == -RV_EBUSY && ms == -RV_EBUSY && susp == -RV_EBUSY,
		   "while restoring: unpause %d, save %d, memsum %d, suspend %d (-EBUSY)", unpause,
		   save, ms, susp);
	int32_t put = put_pages((uint32_t)id, pristine, 0);
	int32_t fin = restore_finish((uint32_t)id);
	int32_t m = memsum((uint32_t)id, &sum);
	test_check(put == 0 && fin == 0 && m == 0 && sum == pristine_sum,
		   "after all that the restore still holds: finish %d ('%s'), memsum as saved", fin, err);
	hv_domctl(RV_DOMCTL_destroy, (uint32_t)id, 0, 0);
	nothing_left("restore_data refusals");

	/* Destroyed half-way. */
	id = restore_begin(pristine, p->pages_off, NULL);
	put = id > 0 ? put_pages((uint32_t)id, pristine, p->nr_pages / 2) : id;
	test_check(id > 0 && put == 0 && hv_domctl(RV_DOMCTL_destroy, (uint32_t)id, 0, 0) == 0 &&
		   !alive((uint32_t)id), "destroyed while restoring (domain %d)", id);
	int32_t fin2 = id > 0 ? restore_finish((uint32_t)id) : 0;
	test_check(fin2 == -RV_ESRCH, "restore_finish after the destroy: %d", fin2);
	nothing_left("destroy while restoring");

	/* Finished without any page: the tables are empty. */
	id = restore_begin(pristine, p->pages_off, NULL);
	fin = id > 0 ? restore_finish((uint32_t)id) : id;
	memcpy(why, err, sizeof(why));
	int32_t twice = id > 0 ? restore_finish((uint32_t)id) : id;
	test_check(id > 0 && fin == -RV_EPERM && guest_contains(why, sizeof(why), "refused") &&
		   twice == -RV_ESRCH, "restore_finish with no pages: %d ('%s'), then again %d", fin,
		   why, twice);
	nothing_left("finish with no pages");
}

static void bad_configs(void)
{
	set_config(fresh(), "this is not a config\n");
	refused("a config that does not parse", AT_BEGIN, -RV_EINVAL, "its config");
	set_config(fresh(), CHILD_CFG "\001\n");
	refused("a config with a control character", AT_BEGIN, -RV_EINVAL, "its config");
	set_config(fresh(), "name = \"" CHILD "\"\nkernel = \"counter.elf\"\nmemory = 4\n");
	refused("a config with other memory", AT_BEGIN, -RV_EINVAL, "memory");
	set_config(fresh(), CHILD_CFG "privileged = 1\n");
	refused("a config asking for Domain 0's rights", AT_BEGIN, -RV_EINVAL, "privileged");
	set_config(fresh(), CHILD_CFG "mode = hw\n");
	refused("a config in mode hw", AT_BEGIN, -RV_EINVAL, "mode");
	set_config(fresh(), CHILD_CFG "disk = \"d.img\"\n");
	refused("a config with a disk", AT_BEGIN, -RV_EINVAL, "disk");
	set_config(fresh(), "kernel = \"counter.elf\"\nmemory = 2\n");
	refused("a config with no name", AT_BEGIN, -RV_EINVAL, "no name");
	set_config(fresh(), "name = \"restore_hostile\"\nkernel = \"counter.elf\"\nmemory = 2\n");
	refused("Domain 0's name", AT_BEGIN, -RV_EEXIST, "taken");
}

/* A new name given to restore_begin (a clone). */
static void bad_names(void)
{
	static const struct { const char *name, *what; } bad[] = {
		{ "bad name!", "a new name with a blank and '!'" },
		{ "a\" #", "a new name with a quote and a comment" },
		{ "\"\nprivileged = 1\nname = \"x", "a new name that is config lines" },
		{ "abcdefghijklmnopqrstuvwxyz0123456789", "a new name of 36 characters" },
		{ "", "an empty new name" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int32_t rc = restore(pristine, bad[i].name);
		if (rc > 0)
			hv_domctl(RV_DOMCTL_destroy, (uint32_t)rc, 0, 0);
		test_check(rc == -RV_EINVAL && stage == AT_BEGIN && guest_contains(err, sizeof(err), "name"),
			   "%s: %d ('%s')", bad[i].what, rc, err);
		nothing_left(bad[i].what);
	}
	int32_t rc = restore(pristine, (const char *)0x1000);
	test_check(rc == -RV_EFAULT && stage == AT_BEGIN, "a new name at an unmapped address: %d ('%s')",
		   rc, err);
	rc = restore(pristine, "restore_hostile");
	test_check(rc == -RV_EEXIST && guest_contains(err, sizeof(err), "taken"),
		   "Domain 0's name as the new name: %d ('%s')", rc, err);
	nothing_left("names");

	/* The saved name taken by a restored domain: a clone needs another. */
	int32_t id = restore(pristine, NULL);
	int32_t taken = restore(pristine, NULL);
	memcpy(why, err, sizeof(why));
	int32_t clone = restore(pristine, "counter-2");
	uint64_t sum = 0;
	int32_t m = clone > 0 ? memsum((uint32_t)clone, &sum) : clone;
	test_check(id > 0 && taken == -RV_EEXIST && guest_contains(why, sizeof(why), "taken"),
		   "restored twice under one name: the second %d ('%s')", taken, why);
	test_check(clone > 0 && getinfo((uint32_t)clone) == clone && !strcmp(info.name, "counter-2") &&
		   m == 0 && sum == pristine_sum, "a clone as 'counter-2': domain %d, memsum as saved",
		   clone);
	hv_domctl(RV_DOMCTL_destroy, (uint32_t)id, 0, 0);
	hv_domctl(RV_DOMCTL_destroy, (uint32_t)clone, 0, 0);
	nothing_left("a name taken, and a clone");
}

static void bad_tables(void)
{
	uint8_t *s;

	s = fresh(); PAGE(s, l1_pfn)[last_pfn] = with_frame(PAGE(s, l1_pfn)[last_pfn], nr_pages);
	refused("a PTE naming pfn nr_pages", AT_FINISH, -RV_EINVAL, "outside");
	s = fresh(); PAGE(s, l1_pfn)[last_pfn] = with_frame(PAGE(s, l1_pfn)[last_pfn], 0xfffff);
	refused("a PTE naming pfn 0xfffff", AT_FINISH, -RV_EINVAL, "outside");
	s = fresh(); PAGE(s, l1_pfn)[last_pfn] = with_frame(PAGE(s, l1_pfn)[last_pfn], 1ull << 32);
	refused("a PTE naming pfn 2^32", AT_FINISH, -RV_EINVAL, "outside");
	s = fresh(); PAGE(s, l2h_pfn)[0] = with_frame(PAGE(s, l2h_pfn)[0], RV_SAVE_PFN_SHARED);
	refused("the shared-info page as an L1", AT_FINISH, -RV_EBUSY, "refused");
	s = fresh(); PAGE(s, base_pfn)[3] = with_frame(PAGE(s, base_pfn)[3], RV_SAVE_PFN_SHARED);
	refused("the shared-info page as a directory", AT_FINISH, -RV_EBUSY, "refused");
	s = fresh(); PAGE(s, l1_pfn)[base_pfn] |= PG_RW;
	refused("its PDPT mapped writable", AT_FINISH, -RV_EBUSY, "refused");
	s = fresh(); PAGE(s, l1_pfn)[l1_pfn] |= PG_RW;
	refused("an L1 mapping itself writable", AT_FINISH, -RV_EBUSY, "refused");
	s = fresh(); TYPES(s)[last_pfn] = 0x10;
	refused("a type byte with unknown bits", AT_FINISH, -RV_EINVAL, "unknown page type");
	s = fresh(); TYPES(s)[last_pfn] = 5;
	refused("type 5", AT_FINISH, -RV_EINVAL, "unknown page type");
	s = fresh(); TYPES(s)[l1_pfn] |= 0x40;
	refused("an L1's type byte with bit 6", AT_FINISH, -RV_EINVAL, "unknown page type");
	s = fresh(); PAGE(s, base_pfn)[3] |= PG_RW;
	refused("a PDPT entry with RW (reserved)", AT_FINISH, -RV_EINVAL, "refused");
	s = fresh(); PAGE(s, base_pfn)[3] |= PG_PS;
	refused("a PDPT entry with bit 7 (reserved)", AT_FINISH, -RV_EINVAL, "refused");
	s = fresh(); PAGE(s, l2h_pfn)[0] |= PG_PS;
	refused("a directory entry with PS (a large page)", AT_FINISH, -RV_EINVAL, "refused");
	s = fresh(); PAGE(s, l1_pfn)[last_pfn] |= PG_G;
	refused("a PTE with G", AT_FINISH, -RV_EINVAL, "refused");
	s = fresh(); PAGE(s, l1_pfn)[last_pfn] |= 1ull << 52;
	refused("a PTE with bit 52 (reserved)", AT_FINISH, -RV_EINVAL, "refused");
	/* Pages in use otherwise: an L1, a page mapped writable. */
	s = fresh(); H(s)->base_pfn = l1_pfn;
	refused("an L1 as the base table", AT_FINISH, -RV_EBUSY, "base table");
	s = fresh(); H(s)->base_pfn = last_pfn;
	refused("a writable page as the base table", AT_FINISH, -RV_EBUSY, "base table");
	/* Type bytes that lie: pages typed as tables that are none (the
	 * pattern's words as entries name frames far outside; an empty page
	 * would be taken, unreached), an L1 said to be none (its pfns kept,
	 * which validation takes for machine frames). */
	s = fresh(); TYPES(s)[pattern_pfn] = RV_SAVE_PT_L1;
	refused("a page of the pattern typed L1", AT_FINISH, -RV_EINVAL, "outside");
	s = fresh(); TYPES(s)[l1_pfn] = RV_SAVE_PT_NONE;
	refused("its L1 typed none", AT_FINISH, -RV_EPERM, "refused");
	s = fresh(); TYPES(s)[last_pfn] = RV_SAVE_PT_L2;
	refused("an empty page typed L2, used as nothing", AT_FINISH, -RV_EINVAL, "saved as");
	/* The start-info page is written by the hypervisor after the tables
	 * are validated (its new id, name, control port): as a table, those
	 * words would become entries nobody checked (entry 140 = control_port
	 * 3: present, writable, machine frame 0). */
	s = fresh(); memset(PAGE(s, si_pfn), 0, PAGE_SIZE);
	PAGE(s, l1_pfn)[si_pfn] &= ~PG_RW;
	TYPES(s)[si_pfn] = RV_SAVE_PT_L1 | RV_SAVE_PINNED;
	refused("the start-info page as a pinned L1", AT_FINISH, -RV_EINVAL, "start-info");
	s = fresh(); memset(PAGE(s, si_pfn), 0, PAGE_SIZE);
	PAGE(s, l1_pfn)[si_pfn] &= ~PG_RW;
	PAGE(s, l2h_pfn)[5] = with_frame(PG_P | PG_RW | PG_US, si_pfn);
	refused("the start-info page as an L1 in its directory", AT_FINISH, -RV_EINVAL, "start-info");

	/* The switch region's directory slots are the hypervisor's: what the
	 * stream has there is overwritten, not refused, and never counted. */
	s = fresh(); PAGE(s, l2h_pfn)[510] = with_frame(PG_P | PG_RW | PG_US, last_pfn);
	PAGE(s, l2h_pfn)[511] = with_frame(PG_P | PG_RW | PG_US, l1_pfn);
	int32_t id = restore(s, NULL);
	uint64_t sum = 0;
	int32_t m = id > 0 ? memsum((uint32_t)id, &sum) : id;
	test_check(id > 0 && m == 0 && sum == pristine_sum,
		   "switch-region slots in the stream: overwritten, restored (%d, '%s'), memsum as saved",
		   id, err);
	if (id > 0)
		hv_domctl(RV_DOMCTL_destroy, (uint32_t)id, 0, 0);
	nothing_left("switch-region slots");
}

static void bad_vcpus(void)
{
	struct rv_save_vcpu *v;

	v = VCPU(fresh()); v->cs = RV_HV_CS;
	refused("cs the hypervisor's", AT_FINISH, -RV_EINVAL, "kernel");
	v = VCPU(fresh()); v->cs = RV_GUEST_KERNEL_CS & ~3u;
	refused("cs with RPL 0", AT_FINISH, -RV_EINVAL, "kernel");
	v = VCPU(fresh()); v->cs = RV_GUEST_USER_CS;
	refused("cs of ring 3", AT_FINISH, -RV_EINVAL, "kernel");
	v = VCPU(fresh()); v->ss = RV_HV_DS;
	refused("ss the hypervisor's", AT_FINISH, -RV_EINVAL, "kernel");
	v = VCPU(fresh()); v->kernel_ss = 0;
	refused("a null kernel ss", AT_FINISH, -RV_EINVAL, "kernel");
	v = VCPU(fresh()); v->fpu_area[26] = 1;         /* MXCSR bit 16 */
	refused("MXCSR with a reserved bit", AT_FINISH, -RV_EINVAL, "MXCSR");
	v = VCPU(fresh()); v->trap_eip[14] = RV_SWITCH_BASE + 0x1000;
	refused("a #PF handler in the switch region", AT_FINISH, -RV_EFAULT, "trap table");
	v = VCPU(fresh()); v->trap_eip[2] = 0xc0001000u;
	refused("an NMI handler", AT_FINISH, -RV_EPERM, "trap table");
	v = VCPU(fresh()); v->trap_eip[0x82] = 0xc0001000u;
	refused("a handler for the hypercall vector", AT_FINISH, -RV_EPERM, "trap table");
	v = VCPU(fresh()); v->trap_flags[13] = 0x80 | 1;
	refused("trap flags with unknown bits", AT_FINISH, -RV_EINVAL, "trap table");
	v = VCPU(fresh()); v->trap_flags[13] = 0;
	refused("a trap gate of DPL 0", AT_FINISH, -RV_EINVAL, "trap table");
	/* A flat data segment of DPL 0, a call gate of DPL 3 to the hypervisor's
	 * code, a descriptor not present. */
	v = VCPU(fresh()); v->gdt_slots[0] = 0x00cf93000000ffffull;
	refused("a GDT slot of DPL 0", AT_FINISH, -RV_EPERM, "descriptors");
	v = VCPU(fresh()); v->gdt_slots[1] = 0xc000ec0000000000ull | ((uint64_t)RV_HV_CS << 16);
	refused("a call gate in a GDT slot", AT_FINISH, -RV_EPERM, "descriptors");
	v = VCPU(fresh()); v->gdt_slots[2] = 0x00cf73000000ffffull;
	refused("a GDT slot not present", AT_FINISH, -RV_EINVAL, "descriptors");
	v = VCPU(fresh()); v->event_eip = RV_SWITCH_BASE;
	refused("an event callback in the switch region", AT_FINISH, -RV_EINVAL, "callbacks");
	v = VCPU(fresh()); v->failsafe_eip = 0xffffffffu;
	refused("a failsafe callback at 4 GiB - 1", AT_FINISH, -RV_EINVAL, "callbacks");
}

/* What is sanitized, not refused: the restored guest checks it runs as any
 * guest does (IOPL 0, so in faults; no virtual-8086 mode). */
static void sanitized(void)
{
	struct rv_save_vcpu *v = VCPU(fresh());
	v->eflags |= (3u << 12) | (1u << 17) | (1u << 16);     /* IOPL 3, VM, RF */
	v->console_in_len = 0xffffffffu;
	int32_t id = restore(work, NULL);
	test_check(id > 0, "eflags with IOPL 3 and VM, console input of 4 GiB: restored (%s %d '%s')",
		   stage_names[stage], id, err);
	if (id > 0)
		run_restored((uint32_t)id, "IOPL 3");
	nothing_left("sanitized");
}

/* More restores begun than there is memory for: -ENOMEM, and destroying
 * them gives it all back. */
static void exhaust(void)
{
	static int32_t ids[200];
	static char names[200][16];
	unsigned n = 0;
	int32_t rc = 0;

	while (n < 200) {
		snprintf(names[n], sizeof(names[n]), "fill%u", n);
		rc = restore_begin(pristine, H(pristine)->pages_off, names[n]);
		if (rc <= 0)
			break;
		ids[n++] = rc;
	}
	test_check(n > 10 && rc == -RV_ENOMEM, "%u restores begun, then %d ('%s')", n, rc, err);
	bool destroyed = true;
	for (unsigned i = 0; i < n; i++)
		destroyed &= hv_domctl(RV_DOMCTL_destroy, (uint32_t)ids[i], 0, 0) == 0;
	test_check(destroyed, "all %u destroyed", n);
	nothing_left("memory exhausted by restores");

	/* More memory than there is, asked by the header and config alike. */
	uint8_t *s = fresh();
	uint32_t pages = (physinfo().free_kib / 4 + 8192) & ~255u;
	static char cfg[128];
	snprintf(cfg, sizeof(cfg), "name = \"" CHILD "\"\nkernel = \"counter.elf\"\nmemory = %uK\n",
		 pages * 4);
	set_config(s, cfg);
	struct rv_save_header *h = H(s);
	rv_save_layout(h, pages, h->config_len);
	h->built_pages = pages;
	h->p2m_pages = (pages * 4 + PAGE_SIZE - 1) / PAGE_SIZE;
	const char *why;
	test_check(rv_save_check_header(h, UINT64_MAX, &why) == RV_SAVE_OK && h->pages_off < STREAM_MAX,
		   "a header for %u KiB passes the file's checks", pages * 4);
	rc = restore_begin(s, h->pages_off, NULL);
	test_check(rc == -RV_ENOMEM && guest_contains(err, sizeof(err), "not enough free memory"),
		   "%u KiB, more than is free: %d ('%s')", pages * 4, rc, err);
	nothing_left("more memory than there is");
}

/* Hostile children: suspending them would write their start-info page,
 * which is a page table now, or is not theirs any more. */
static void hostile_child(const char *mode, const char *ready)
{
	static char cfg[160];
	const void *k = (const void *)start_info->initrd;
	snprintf(cfg, sizeof(cfg), "name = \"%s\"\nkernel = \"counter.elf\"\nmemory = 2\ncmdline = \"%s\"\n",
		 mode, mode);
	struct rv_domctl_create c = { RV_CREATE_START, (uint32_t)cfg, strlen(cfg), (uint32_t)k,
				      start_info->initrd_len, 0, 0, (uint32_t)err, sizeof(err), 0 };
	int32_t id = hv_domctl(RV_DOMCTL_create, (uint32_t)&c, sizeof(c), 0);
	bool up = id > 0 && wait_output((uint32_t)id, ready, 5000) &&
		  !guest_contains(con, sizeof(con), "FAILED");
	test_check(up, "%s: domain %d says '%s' ('%s')", mode, id, ready, err);
	if (id <= 0)
		return;
	int32_t rc = hv_domctl(RV_DOMCTL_suspend, (uint32_t)id, 0, 0);
	test_check(rc == -RV_EOPNOTSUPP, "%s: suspend refused: %d", mode, rc);
	guest_let_run(50);
	test_check(alive((uint32_t)id) && !(info.flags & RV_DOMINFO_SUSPENDED),
		   "%s: still running, not suspended", mode);
	test_check(hv_domctl(RV_DOMCTL_console_write, (uint32_t)id, (uint32_t)"q", 1) == 1 &&
		   wait_gone((uint32_t)id, 5000), "%s: told to finish, it reported and is gone", mode);
	nothing_left(mode);
}

void guest_main(void)
{
	me = start_info->domid;
	uint32_t first = start_info->first_free_pfn;
	if ((start_info->nr_pages - first) * PAGE_SIZE < 2 * STREAM_MAX)
		test_error("%u KiB free: two streams need %u", (start_info->nr_pages - first) * 4,
			   2 * STREAM_MAX / 1024);
	pristine = pfn_to_virt(first);
	work = pristine + STREAM_MAX;
	test_check(start_info->flags & RV_SIF_PRIVILEGED, "this is Domain 0");
	test_check(start_info->initrd && start_info->initrd_len > 4, "counter.elf is the initrd");

	make_stream();
	find_tables();
	struct rv_domctl_physinfo pi = physinfo();
	free_base = pi.free_kib;
	test_check(others() == 0 && pi.bad_frees == 0 && pi.free_kib < pi.total_kib,
		   "nobody else; %u KiB free of %u", pi.free_kib, pi.total_kib);

	intact("intact stream");
	nothing_left("the intact restore, run to its end");
	bad_headers();
	bad_calls();
	bad_configs();
	bad_names();
	bad_tables();
	bad_vcpus();
	sanitized();
	exhaust();
	hostile_child("si-table", "start-info page pinned as a page table");
	hostile_child("si-gone", "start-info page given back");
	intact("intact stream, at the end");
	nothing_left("the end");

	/* Half a restore left behind: it goes when this domain powers off
	 * (tests.cfg expects the line). */
	int32_t id = restore_begin(pristine, H(pristine)->pages_off, "left-behind");
	int32_t put = id > 0 ? put_pages((uint32_t)id, pristine, H(pristine)->nr_pages / 2) : id;
	test_check(id > 0 && put == 0, "a restore left half-done: domain %d", id);
}
