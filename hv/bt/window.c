/*
 * The code window: a bt guest's kernel code runs from copies, so that its
 * own reads of that code see the bytes it wrote (docs/bt.md, "The code
 * window").
 *
 * Patching in place (Plex86's way) writes int3s into the guest's pages, and
 * x86 paging cannot map a page execute-only: every load from a patched
 * page would see our traps. Here the guest's frames are never written by
 * the patch cache. Each scanned code frame has a copy (the same bytes,
 * with the int3s), and the CPU fetches the kernel's instructions from a
 * window of the linear space the guest cannot use, the top MiB
 * (BT_WIN_BASE): the real code segments of ring 1 are the guest's with
 * their base moved by BT_WIN_BASE - win_lo, so that guest linear address
 * g in [win_lo, win_lo + BT_WIN_SIZE) is fetched at BT_WIN_BASE + g -
 * win_lo. EIP stays what the guest thinks it is: calls push its return
 * addresses, faults and interrupts report its EIPs. Loads and stores go
 * through the data segments (base unchanged) to the guest's own frames.
 *
 * Everything else the CPU might run in ring 1 must fault instead:
 *  - above the window: the code segment's limit ends there (#GP);
 *  - below it, or anywhere else: every supervisor page of the shadow is
 *    execute-disabled (shadow_ctx.sup_nx) and user pages are out of
 *    ring 1's reach through SMEP, which is on while the domain runs.
 * Such a fault moves the window to the code (bt_win_fault, bt_win_gp); a
 * fetch inside the window that finds no entry maps the page (a copy if
 * the frame is scanned code, else the frame itself, unscanned code being
 * reachable only through our armed block ends).
 *
 * Each shadow root has its own window table (level 1 of the region
 * 0xFFE00000-0xFFFFFFFF; its lower half stays empty as a guard), because
 * its entries follow that address space's mappings: whenever the shadow
 * drops an entry of the window's range (a guest page-table write, INVLPG,
 * a flush), the window entries go too (bt_win_dropped). A copy goes when
 * its frame stops being scanned code (bt_win_reconcile), and a new copy
 * takes the place of its frame in every window.
 */
#include "bt.h"
#include "domain.h"
#include "errno.h"
#include "cmdline.h"
#include <public/errno.h>
#include "frame.h"
#include "mm.h"
#include "panic.h"
#include "string.h"
#include "switch.h"
#include "x86.h"
#include "../hw/hw.h"

#define WIN_FIRST       (L1_INDEX(BT_WIN_BASE))         /* first entry of the table used */
#define DESC_S          (1ull << 44)
#define DESC_CODE       (1ull << 43)
#define DESC_G          (1ull << 55)
#define DESC_DPL_SHIFT  45

bool bt_window_opt = true;

static int set_window(const char *v)
{
	return parse_bool(v, &bt_window_opt) ? -EINVAL : 0;
}
CMDLINE_OPTION(bt_window, "bt_window", set_window, "on or off",
	       "bt domains: run the kernel's code from patched copies in a window, so that its "
	       "reads of its code see its own bytes (on, the default where the CPU has SMEP and "
	       "NX), or patch its pages in place (off)");

/* The directory entry of a root that holds the window's level-1 table
 * (every root has the directory: sh_root_make makes all four). */
static pte_t *win_pde(const struct pae_space *root)
{
	pte_t l3e = hv_pt_env.table(root->pdpt)[L3_INDEX(BT_WIN_BASE)];
	return &hv_pt_env.table(l3e & PTE_ADDR_MASK)[L2_INDEX(BT_WIN_BASE)];
}

/* The window's level-1 table in a root, or NULL. */
static pte_t *win_table(const struct pae_space *root)
{
	if (!root->pdpt)
		return NULL;
	pte_t pde = *win_pde(root);
	return (pde & PTE_P) ? hv_pt_env.table(pde & PTE_ADDR_MASK) : NULL;
}

int bt_win_root_init(struct domain *d, struct pae_space *root, paddr_t (*alloc)(void))
{
	if (!d->bt->window)
		return 0;
	paddr_t l1 = alloc();
	if (!l1)
		return -RV_ENOMEM;
	memset(hv_pt_env.table(l1), 0, PAGE_SIZE);
	*win_pde(root) = l1 | PTE_P | PTE_RW;
	return 0;
}

paddr_t bt_win_root_fini(struct pae_space *root)
{
	if (!win_table(root))
		return 0;
	pte_t *pde = win_pde(root);
	paddr_t l1 = *pde & PTE_ADDR_MASK;
	*pde = 0;
	return l1;
}

/* Call fn on the window table of every root the domain keeps. */
static void each_window(struct domain *d, void (*fn)(pte_t *, uint64_t), uint64_t arg)
{
	struct shadow_ctx *sh = &d->bt->sh;
	pte_t *cur = win_table(&sh->root);
	if (cur)
		fn(cur, arg);
	if (!sh->cache)
		return;
	for (unsigned i = 0; i < SHADOW_ROOTS; i++) {
		pte_t *t = win_table(&sh->cache->roots[i].space);
		if (t && t != cur)
			fn(t, arg);
	}
}

static void clear_all(pte_t *t, uint64_t arg)
{
	(void)arg;
	memset(&t[WIN_FIRST], 0, BT_WIN_PAGES * sizeof(pte_t));
}

static void clear_ma(pte_t *t, uint64_t ma)
{
	for (unsigned i = WIN_FIRST; i < WIN_FIRST + BT_WIN_PAGES; i++)
		if ((t[i] & PTE_P) && (t[i] & PTE_ADDR_MASK) == ma)
			t[i] = 0;
}

void bt_win_dropped(struct domain *d, const struct pae_space *root, uint32_t linear,
		    uint32_t len)
{
	struct bt_domain *b = d->bt;
	pte_t *t = win_table(root);
	if (!b->window || !t)
		return;
	uint64_t lo = b->win_lo, hi = lo + BT_WIN_SIZE;
	uint64_t a = linear, z = (uint64_t)linear + len;
	if (!len) {
		a = lo, z = hi;
	}
	if (z <= lo || a >= hi)
		return;
	a = MAX(a, lo) & ~(uint64_t)(PAGE_SIZE - 1);
	z = MIN(z, hi);
	for (uint64_t p = a; p < z; p += PAGE_SIZE)
		t[WIN_FIRST + ((p - lo) >> PAGE_SHIFT)] = 0;
}

/* ---- the copies */

static struct bt_copy *copy_find(struct bt_domain *b, uint64_t gfn)
{
	for (unsigned i = 0; i < BT_COPIES; i++)
		if (b->copy[i].ma && b->copy[i].gfn == gfn)
			return &b->copy[i];
	return NULL;
}

void bt_win_reconcile(struct domain *d)
{
	struct bt_domain *b = d->bt;
	b->win_drops_seen = b->pc.stats.pages_dropped;
	for (unsigned i = 0; i < BT_COPIES; i++) {
		struct bt_copy *c = &b->copy[i];
		if (!c->ma || bt_patch_is_code(&b->pc, c->gfn))
			continue;
		each_window(d, clear_ma, c->ma);
		free_frame(c->ma);
		c->ma = 0;
		b->stats.win_copies_freed++;
	}
}

/* The copy of frame gfn, made now if it has none. 0: no memory. */
static paddr_t copy_get(struct domain *d, uint64_t gfn)
{
	struct bt_domain *b = d->bt;
	struct bt_copy *c = copy_find(b, gfn);
	if (c)
		return c->ma;
	for (unsigned round = 0; round < 2 && !c; round++) {
		for (unsigned i = 0; i < BT_COPIES && !c; i++)
			if (!b->copy[i].ma)
				c = &b->copy[i];
		if (!c)
			bt_win_reconcile(d);
	}
	paddr_t frame = hw_gpa_to_ma(d, gfn << PAGE_SHIFT);
	if (!c || !frame)
		return 0;
	paddr_t ma = alloc_frame();
	if (!ma)
		return 0;
	memcpy(phys_to_virt(ma), phys_to_virt(frame), PAGE_SIZE);
	c->gfn = gfn;
	c->ma = ma;
	b->stats.win_copies++;
	/* Windows showing the frame itself show the copy from now on. */
	each_window(d, clear_ma, frame);
	return ma;
}

int bt_win_code_write(struct domain *d, uint64_t gpa, const void *buf, unsigned n)
{
	if ((gpa & (PAGE_SIZE - 1)) + n > PAGE_SIZE)
		return -RV_EINVAL;
	paddr_t ma = copy_get(d, gpa >> PAGE_SHIFT);
	if (!ma)
		return -RV_ENOMEM;
	memcpy((uint8_t *)phys_to_virt(ma) + (gpa & (PAGE_SIZE - 1)), buf, n);
	return 0;
}

void bt_win_mirror(struct domain *d, uint64_t gpa, unsigned n)
{
	struct bt_domain *b = d->bt;
	struct bt_copy *c;
	if (!b->window || !(c = copy_find(b, gpa >> PAGE_SHIFT)))
		return;
	unsigned off = (unsigned)(gpa & (PAGE_SIZE - 1));
	n = MIN(n, PAGE_SIZE - off);
	paddr_t frame = hw_gpa_to_ma(d, gpa & ~(uint64_t)(PAGE_SIZE - 1));
	if (frame)
		memcpy((uint8_t *)phys_to_virt(c->ma) + off, (uint8_t *)phys_to_virt(frame) + off, n);
}

void bt_win_free(struct domain *d)
{
	struct bt_domain *b = d->bt;
	for (unsigned i = 0; i < BT_COPIES; i++) {
		if (b->copy[i].ma)
			free_frame(b->copy[i].ma);
		b->copy[i].ma = 0;
	}
}

/* ---- the code segments */

uint64_t bt_win_desc(const struct bt_domain *b, uint64_t e)
{
	if (!b->window || (e & (DESC_S | DESC_CODE)) != (DESC_S | DESC_CODE) ||
	    ((e >> DESC_DPL_SHIFT) & 3) == 3)
		return e;
	uint32_t lo = (uint32_t)e, hi = (uint32_t)(e >> 32);
	uint32_t base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
	uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);
	if (e & DESC_G)
		limit = (limit << 12) | 0xfff;
	/* The last offset the window holds; nothing when it lies wholly
	 * below the segment (offset 0 then runs outside: it faults). */
	uint32_t win_end = b->win_lo + BT_WIN_SIZE - 1;
	uint32_t max = win_end >= base ? win_end - base : 0;
	limit = MIN(limit, max);
	base += BT_WIN_BASE - b->win_lo;
	bool g = limit > 0xfffff;
	uint32_t field = g ? ((limit - 0xfff) >> 12) : limit;
	hi = (hi & 0x0070ff00u) | (base & 0xff000000u) | ((base >> 16) & 0xff) |
	     (field & 0xf0000) | (g ? (uint32_t)(DESC_G >> 32) : 0);
	lo = (base << 16) | (field & 0xffff);
	return (uint64_t)hi << 32 | lo;
}

/* ---- faults */

/* Where the window goes to hold guest linear g: a quarter of it below. */
static uint32_t place(uint32_t g)
{
	uint32_t lo = g & PAGE_MASK;
	lo = lo >= BT_WIN_SIZE / 4 ? lo - BT_WIN_SIZE / 4 : 0;
	if (lo > RV_SWITCH_BASE - BT_WIN_SIZE)
		lo = RV_SWITCH_BASE - BT_WIN_SIZE;
	return lo;
}

static void move(struct domain *d, uint32_t g)
{
	struct bt_domain *b = d->bt;
	if (b->win_last_move == (g & PAGE_MASK) && ++b->win_same_moves >= 4) {
		bt_crash(d, "its code at %#x cannot be run from the code window", g);
		return;
	}
	if (b->win_last_move != (g & PAGE_MASK))
		b->win_same_moves = 0;
	b->win_last_move = g & PAGE_MASK;
	b->win_lo = place(g);
	b->stats.win_moves++;
	each_window(d, clear_all, 0);
	bt_desc_reload(d);
}

/* Map the page of guest linear g (in the window) in the current root. */
static void fill(struct domain *d, uint32_t g)
{
	struct bt_domain *b = d->bt;
	struct shadow_regs regs = bt_paging_regs(&b->v);
	struct shadow_fault_out out;
	/* Through the shadow's own fill first: the guest's walk (A bits, its
	 * faults), and the entry whose drop will take this one with it. */
	int rc = bt_shadow_fill(d, g, PFEC_I, &out);
	switch (rc) {
	case SHADOW_FILLED:
		break;
	case SHADOW_GUEST_PF:
		b->v.cr2 = out.cr2;
		bt_deliver(d, BT_VEC_PF, BT_EVENT_EXCEPTION, true, out.error_code);
		return;
	case SHADOW_MMIO:
		bt_crash(d, "code at %#x is in device memory (guest-physical %#llx)", g,
			 (unsigned long long)out.gpa);
		return;
	case SHADOW_BAD_TABLE:
		bt_crash(d, "its page tables for %#x are not in its RAM (guest-physical %#llx)", g,
			 (unsigned long long)out.gpa);
		return;
	default:
		bt_crash(d, "code window: shadow paging failed at %#x (%d)", g, rc);
		return;
	}
	/* What runs must be scanned first (its copy made, if it is new). */
	bt_scan_here(d);
	if (!domain_alive(d))
		return;
	if (shadow_translate(&b->sh, g, PFEC_I, &regs, b->v.cpl, &out) != SHADOW_TRANSLATED) {
		bt_crash(d, "code window: %#x does not translate after its fill", g);
		return;
	}
	uint64_t gfn = out.gpa >> PAGE_SHIFT;
	struct bt_copy *c = bt_patch_is_code(&b->pc, gfn) ? copy_find(b, gfn) : NULL;
	paddr_t ma = c ? c->ma : hw_gpa_to_ma(d, gfn << PAGE_SHIFT);
	pte_t *t = win_table(&b->sh.root);
	if (!ma || !t) {
		bt_crash(d, "code window: no frame for %#x", g);
		return;
	}
	t[WIN_FIRST + ((g - b->win_lo) >> PAGE_SHIFT)] = ma | PTE_P;
	b->stats.win_fills++;
}

bool bt_win_fault(struct domain *d, uint32_t cr2, uint32_t code)
{
	struct bt_domain *b = d->bt;
	if (!b->window || b->v.cpl == 3 || !(code & PFEC_I))
		return false;
	if (cr2 >= BT_WIN_BASE && cr2 - BT_WIN_BASE < BT_WIN_SIZE) {
		uint64_t t0 = rdtsc();
		fill(d, b->win_lo + (cr2 - BT_WIN_BASE));
		b->stats.prof[BT_PROF_FILL] += rdtsc() - t0;
		return true;
	}
	/* A fetch outside the window (through the moved code segment: the
	 * guest's address is where the CPU fetched less the shift). */
	uint32_t g = cr2 - (BT_WIN_BASE - b->win_lo);
	if (g >= RV_SWITCH_BASE)
		bt_hv_region_pf(d, g, PFEC_I);
	else
		move(d, g);
	return true;
}

bool bt_win_gp(struct domain *d, uint32_t code)
{
	struct bt_domain *b = d->bt;
	const struct bt_seg *cs = &b->v.seg[BT_CS];
	if (!b->window || b->v.cpl == 3 || code || b->v.eip > cs->limit)
		return false;
	uint32_t g = cs->base + b->v.eip;
	/* Past the segment's end in the window (the limit we set), or an
	 * instruction that may run into it. */
	if (g - b->win_lo < BT_WIN_SIZE - 15)
		return false;
	if (g >= RV_SWITCH_BASE) {
		bt_hv_region_pf(d, g, PFEC_I);
		return true;
	}
	/* The window is already where that code would put it (the top of
	 * the guest's space): the #GP is the instruction's own. */
	if (place(g) == b->win_lo)
		return false;
	move(d, g);
	return true;
}

bool bt_win_ran_stubs(struct domain *d, unsigned vector, uint32_t code)
{
	struct bt_domain *b = d->bt;
	/* Faults only: they report the instruction that ran. A #DB trap
	 * reports the next one, which a branch may have put anywhere, and a
	 * fetch fault ran nothing. */
	if (!b->window || b->v.cpl == 3 || vector == VEC_DB || vector == VEC_BP ||
	    (vector == VEC_PF && (code & PFEC_I)))
		return false;
	/*
	 * Where the CPU was, through the moved code segment. A fetch fault
	 * there is a jump that ran nothing (it moves the window); any other
	 * trap from the switch region means the hypervisor's stubs ran in
	 * ring 1: the guest jumped to an address that the moved segment
	 * wraps onto them (QEMU's TCG does not check a near jump against the
	 * segment limit, docs/bt.md). Its registers and stack are no longer
	 * what its code made them: stopped, with the reason.
	 */
	uint32_t g = b->v.seg[BT_CS].base + b->v.eip;
	uint32_t lin = g + (BT_WIN_BASE - b->win_lo);
	if (lin < RV_SWITCH_BASE || lin >= BT_WIN_BASE - BT_WIN_SIZE)
		return false;
	bt_crash(d, "its kernel ran into the hypervisor's switch stubs in ring 1 (at %#x, its "
		 "address %#x, through the code window at %#x)", lin, g, b->win_lo);
	return true;
}
