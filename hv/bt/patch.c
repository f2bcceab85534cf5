/*
 * The bt patch cache: scanned blocks of guest kernel code per guest frame,
 * with a trap (int3) on every sensitive instruction and on every exit that
 * could reach unscanned code, the originals kept aside (hv/bt/patch.h,
 * docs/bt-patch.md). Pure: memory through struct bt_patch_ops.
 *
 * The invariant everything here keeps: guest memory differs from the
 * guest's own bytes only at the first byte of an armed site, where it
 * holds BT_PATCH_TRAP; bt_patch_read undoes exactly that.
 */
#include "types.h"
#include "string.h"
#include "errno.h"
#include "scan.h"
#include "patch.h"

#define BT_OFF_MASK       (BT_PAGE_SIZE - 1)

static uint64_t stamp(struct bt_patch_ctx *ctx)
{
	if (ctx->ops->now)
		return ctx->ops->now(ctx->ops->opaque);
	return ++ctx->tick;
}

static uint64_t page_gpa(const struct bt_ppage *pg)
{
	return pg->gfn << 12;
}

/*
 * The pages are found through a small index (ctx->idx), not by reading
 * each page's record: the records are large, and every trap and every
 * shadow fill asks, so touching one page of memory instead of one per
 * record matters (each is a TLB miss after the world switch's flush).
 */
static void index_set(struct bt_patch_ctx *ctx, const struct bt_ppage *pg)
{
	unsigned i = (unsigned)(pg - ctx->page);
	ctx->idx[i].used = pg->used;
	ctx->idx[i].lin = pg->lin;
	ctx->idx[i].gfn = pg->gfn;
}

static struct bt_ppage *find_gfn(struct bt_patch_ctx *ctx, uint64_t gfn)
{
	for (unsigned i = 0; i < BT_PATCH_PAGES; i++)
		if (ctx->idx[i].used && ctx->idx[i].gfn == gfn)
			return &ctx->page[i];
	return NULL;
}

static struct bt_ppage *find_lin(struct bt_patch_ctx *ctx, uint32_t lin)
{
	for (unsigned i = 0; i < BT_PATCH_PAGES; i++)
		if (ctx->idx[i].used && ctx->idx[i].lin == lin)
			return &ctx->page[i];
	return NULL;
}

static struct bt_psite *find_site(struct bt_ppage *pg, unsigned off)
{
	for (unsigned i = 0; i < pg->nsite; i++)
		if (pg->site[i].off == off)
			return &pg->site[i];
	return NULL;
}

static struct bt_pblock *find_block(struct bt_ppage *pg, unsigned off)
{
	for (unsigned i = 0; i < pg->nblock; i++)
		if (pg->block[i].start == off)
			return &pg->block[i];
	return NULL;
}

/* Whether a block starts at eip: control may go there without a trap. */
static bool scanned(struct bt_patch_ctx *ctx, uint32_t eip)
{
	struct bt_ppage *pg = find_lin(ctx, eip & ~BT_OFF_MASK);

	return pg && find_block(pg, eip & BT_OFF_MASK);
}

/*
 * A site must hold the trap when its instruction is sensitive, when it
 * ends a block indirectly (the target is only known when it runs), or
 * while one of the places it leads to is not a scanned block start.
 */
static bool wanted(struct bt_patch_ctx *ctx, const struct bt_psite *s)
{
	if (bt_class_needs_patch(s->cls) || (s->end & BT_END_INDIRECT))
		return true;
	if (s->end & (BT_END_CONT | BT_END_XFER))
		for (unsigned i = 0; i < s->nsucc; i++)
			if (!scanned(ctx, s->succ[i]))
				return true;
	return false;
}

static int set_armed(struct bt_patch_ctx *ctx, struct bt_ppage *pg, struct bt_psite *s, bool arm)
{
	static const uint8_t trap = BT_PATCH_TRAP;
	int rc;

	if (s->armed == arm)
		return 0;
	rc = ctx->ops->write(ctx->ops->opaque, page_gpa(pg) + s->off,
			     arm ? &trap : &s->orig[0], 1);
	if (rc < 0)
		return -RV_EFAULT;
	s->armed = arm;
	if (arm)
		ctx->stats.patches_applied++;
	else
		ctx->stats.patches_undone++;
	return 0;
}

/* Could the site's wanted() have changed when linear page lin was scanned
 * or dropped? Its own page's sites, and ends that lead into lin. */
static bool changed_lin(const struct bt_patch_ctx *ctx, uint32_t page, uint32_t lin)
{
	if (page == lin || ctx->refresh_all)
		return true;
	for (unsigned i = 0; i < ctx->ndropped; i++)
		if (ctx->dropped[i] == page)
			return true;
	return false;
}

static bool touches(const struct bt_patch_ctx *ctx, const struct bt_ppage *pg,
		    const struct bt_psite *s, uint32_t lin)
{
	if (changed_lin(ctx, pg->lin, lin))
		return true;
	for (unsigned i = 0; i < s->nsucc; i++)
		if (changed_lin(ctx, s->succ[i] & ~BT_OFF_MASK, lin))
			return true;
	return false;
}

/* Bring the sites' bytes in line with wanted() after a scan on linear
 * page lin (ends that waited for it go) or a drop of it (ends that led
 * into it come back): only those sites can change, which keeps a scan's
 * cost independent of how much code is cached. */
static int refresh(struct bt_patch_ctx *ctx, uint32_t lin)
{
	int ret = 0;

	for (unsigned i = 0; i < BT_PATCH_PAGES; i++) {
		struct bt_ppage *pg = &ctx->page[i];

		if (!ctx->idx[i].used)
			continue;
		for (unsigned j = 0; j < pg->nsite; j++) {
			struct bt_psite *st = &pg->site[j];
			if (!touches(ctx, pg, st, lin))
				continue;
			int rc = set_armed(ctx, pg, st, wanted(ctx, st));

			if (rc < 0)
				ret = rc;
		}
	}
	ctx->ndropped = 0;
	ctx->refresh_all = false;
	return ret;
}

/* Ends elsewhere (and on the page) that led into code of linear page lin
 * dropped now: re-armed by the next refresh. */
static void note_dropped(struct bt_patch_ctx *ctx, uint32_t lin)
{
	if (ctx->ndropped < BT_PATCH_DROPPED)
		ctx->dropped[ctx->ndropped++] = lin;
	else
		ctx->refresh_all = true;
}

/* Restore a page's originals and forget it. Ends elsewhere that led into
 * it are re-armed by the next refresh(), which the callers run. */
static int drop_page(struct bt_patch_ctx *ctx, struct bt_ppage *pg)
{
	int ret = 0;

	for (unsigned i = 0; i < pg->nsite; i++) {
		int rc = set_armed(ctx, pg, &pg->site[i], false);

		if (rc < 0)
			ret = rc;
	}
	pg->used = false;
	index_set(ctx, pg);
	pg->nblock = 0;
	pg->nsite = 0;
	ctx->stats.pages_dropped++;
	note_dropped(ctx, pg->lin);
	return ret;
}

/* n bytes at gpa within one page, as the guest wrote them. */
static int read_orig(struct bt_patch_ctx *ctx, uint64_t gpa, uint8_t *buf, unsigned n)
{
	struct bt_ppage *pg;

	if (ctx->ops->read(ctx->ops->opaque, gpa, buf, n) < 0)
		return -RV_EFAULT;
	pg = find_gfn(ctx, gpa >> 12);
	if (!pg)
		return 0;
	for (unsigned i = 0; i < pg->nsite; i++) {
		const struct bt_psite *s = &pg->site[i];
		uint64_t at = page_gpa(pg) + s->off;

		if (s->armed && at >= gpa && at < gpa + n)
			buf[at - gpa] = s->orig[0];
	}
	return 0;
}

int bt_patch_init(struct bt_patch_ctx *ctx, const struct bt_patch_ops *ops)
{
	if (!ctx || !ops || !ops->read || !ops->write)
		return -RV_EINVAL;
	memset(ctx, 0, sizeof(*ctx));
	ctx->ops = ops;
	return 0;
}

int bt_patch_read(struct bt_patch_ctx *ctx, uint64_t gpa, void *buf, unsigned n)
{
	uint8_t *p = buf;

	while (n) {
		unsigned chunk = BT_PAGE_SIZE - (gpa & BT_OFF_MASK);
		int rc;

		if (chunk > n)
			chunk = n;
		rc = read_orig(ctx, gpa, p, chunk);
		if (rc < 0)
			return rc;
		gpa += chunk;
		p += chunk;
		n -= chunk;
	}
	return 0;
}

bool bt_patch_is_code(const struct bt_patch_ctx *ctx, uint64_t gfn)
{
	return find_gfn((struct bt_patch_ctx *)ctx, gfn) != NULL;
}

/*
 * A write of n bytes at offset off of a cached page: only the blocks whose
 * bytes it touches go (and the sites no remaining block holds, their
 * originals back); the rest of the page stays scanned. Code that writes
 * next to itself (data beside code, a patched immediate elsewhere in the
 * page) then does not lose the block it is running.
 */
static int drop_blocks(struct bt_patch_ctx *ctx, struct bt_ppage *pg, unsigned off, unsigned n)
{
	unsigned end = off + n, kept = 0;
	bool any = false;
	int ret = 0;

	for (unsigned i = 0; i < pg->nblock; i++) {
		struct bt_pblock *b = &pg->block[i];
		/* A block that ends without a transfer traps on the byte after
		 * it (its CONT end): a write there goes with the block too, or
		 * the block would run into the new bytes unscanned. */
		unsigned bend = b->end + (b->stop != BT_STOP_XFER && b->end < BT_PAGE_SIZE);
		if (b->start < end && off < bend) {
			any = true;
			continue;
		}
		pg->block[kept++] = *b;
	}
	/* A site inside the written bytes goes even if no block ends there
	 * (its instruction is being rewritten). */
	for (unsigned i = 0; i < pg->nsite; i++) {
		const struct bt_psite *st = &pg->site[i];
		if (st->off < end && off < st->off + st->len)
			any = true;
	}
	if (!any)
		return 0;
	pg->nblock = (uint16_t)kept;
	unsigned nsite = 0;
	for (unsigned i = 0; i < pg->nsite; i++) {
		struct bt_psite *st = &pg->site[i];
		bool held = !(st->off < end && off < st->off + st->len);
		if (held) {
			held = false;
			for (unsigned j = 0; j < pg->nblock && !held; j++)
				held = pg->block[j].start <= st->off && st->off <= pg->block[j].end;
		}
		if (!held) {
			int rc = set_armed(ctx, pg, st, false);
			if (rc < 0)
				ret = rc;
			continue;
		}
		pg->site[nsite++] = *st;
	}
	pg->nsite = (uint16_t)nsite;
	if (!pg->nblock) {
		pg->used = false;
		index_set(ctx, pg);
		pg->nsite = 0;
		ctx->stats.pages_dropped++;
	}
	note_dropped(ctx, pg->lin);
	return ret < 0 ? ret : 1;
}

int bt_patch_bytes_written(struct bt_patch_ctx *ctx, uint64_t gpa, unsigned n)
{
	struct bt_ppage *pg = find_gfn(ctx, gpa >> 12);
	unsigned off = (unsigned)(gpa & BT_OFF_MASK);

	if (!pg || !n)
		return 0;
	if (n > BT_PAGE_SIZE - off)
		n = BT_PAGE_SIZE - off;
	uint32_t lin = pg->lin;
	int rc = drop_blocks(ctx, pg, off, n);
	if (rc == 0)
		return 0;
	int rc2 = refresh(ctx, lin);
	return rc < 0 ? rc : rc2 < 0 ? rc2 : 1;
}

int bt_patch_page_written(struct bt_patch_ctx *ctx, uint64_t gfn)
{
	struct bt_ppage *pg = find_gfn(ctx, gfn);
	int rc, rc2;

	if (!pg)
		return 0;
	uint32_t lin = pg->lin;
	rc = drop_page(ctx, pg);
	rc2 = refresh(ctx, lin);
	return rc < 0 ? rc : rc2 < 0 ? rc2 : 1;
}

int bt_patch_flush(struct bt_patch_ctx *ctx)
{
	int ret = 0;

	for (unsigned i = 0; i < BT_PATCH_PAGES; i++)
		if (ctx->page[i].used) {
			int rc = drop_page(ctx, &ctx->page[i]);

			if (rc < 0)
				ret = rc;
		}
	return ret;
}

bool bt_patch_covered(struct bt_patch_ctx *ctx, uint32_t eip, uint64_t gfn)
{
	struct bt_ppage *pg = find_lin(ctx, eip & ~BT_OFF_MASK);
	unsigned off = eip & BT_OFF_MASK;
	if (!pg || pg->gfn != gfn)
		return false;
	for (unsigned i = 0; i < pg->nblock; i++)
		if (pg->block[i].start <= off && off < pg->block[i].end)
			return true;
	return false;
}

int bt_patch_lookup(struct bt_patch_ctx *ctx, uint32_t eip, struct bt_patch_site *out)
{
	struct bt_ppage *pg = find_lin(ctx, eip & ~BT_OFF_MASK);
	struct bt_psite *s = pg ? find_site(pg, eip & BT_OFF_MASK) : NULL;

	if (!s || !s->armed)
		return -RV_ENOENT;
	pg->stamp = stamp(ctx);
	if (out) {
		memset(out, 0, sizeof(*out));
		out->eip = eip;
		out->gpa = page_gpa(pg) + s->off;
		out->len = s->len;
		out->cls = s->cls;
		out->end = s->end;
		out->xfer = s->xfer;
		out->nsucc = s->nsucc;
		memcpy(out->succ, s->succ, sizeof(out->succ));
		memcpy(out->orig, s->orig, sizeof(out->orig));
	}
	return 0;
}

/*
 * Overlapping blocks must agree on where instructions start, or a trap
 * written for one would land inside an instruction of the other (a jump
 * into the middle of an instruction). Decoding is deterministic, so two
 * decodings that share one boundary share all of them: it is enough that
 * the later start is a boundary of the earlier block.
 */
static bool is_boundary(const struct bt_block *b, unsigned base, unsigned off)
{
	for (unsigned i = 0; i < b->ninsn; i++)
		if (base + b->insn[i].off == off)
			return true;
	return off == base + b->len;
}

static bool consistent(struct bt_patch_ctx *ctx, struct bt_ppage *pg, unsigned off,
		       unsigned def_size)
{
	const struct bt_block *nb = &ctx->blk;
	unsigned nend = off + nb->len;

	for (unsigned i = 0; i < pg->nblock; i++) {
		const struct bt_pblock *a = &pg->block[i];

		if (a->start >= nend || off >= a->end)
			continue;
		if (a->def_size != def_size)
			return false;
		if (a->start > off) {
			if (!is_boundary(nb, off, a->start))
				return false;
		} else {
			/* ctx->buf holds the page's originals from offset 0. */
			if (bt_scan_block(ctx->buf + a->start, BT_PAGE_SIZE - a->start,
					  pg->lin + a->start, a->def_size, &ctx->tmp) <= 0)
				return false;
			if (!is_boundary(&ctx->tmp, a->start, off))
				return false;
		}
	}
	return true;
}

/* Where the block's end patch goes (-1: none) and why. */
static int end_site(const struct bt_patch_ctx *ctx, const struct bt_block *b, unsigned off,
		    uint8_t *kind, uint32_t succ[BT_PATCH_SUCC], uint8_t *nsucc, bool *open_end)
{
	unsigned last = b->ninsn - 1;

	*kind = 0;
	*nsucc = 0;
	*open_end = false;
	if (b->stop != BT_STOP_XFER) {
		/* Ended for another reason: trap on the next instruction. */
		if (off + b->len >= BT_PAGE_SIZE) {
			*open_end = true;
			return -1;
		}
		*kind = BT_END_CONT;
		succ[(*nsucc)++] = b->end_eip;
		return off + b->len;
	}
	switch (b->xfer) {
	case BT_XFER_RET:
		if (ctx->trust_ret)
			return -1;      /* it returns after a call: scanned (below) */
		*kind = BT_END_INDIRECT;
		break;
	case BT_XFER_CALL:
		/* The return comes back through a patched ret, or, trusting
		 * returns, to the instruction after the call: scanned first. */
		*kind = BT_END_XFER;
		succ[(*nsucc)++] = b->target;
		if (ctx->trust_ret && b->fall != b->target)
			succ[(*nsucc)++] = b->fall;
		break;
	case BT_XFER_JMP:
		*kind = BT_END_XFER;
		succ[(*nsucc)++] = b->target;
		break;
	case BT_XFER_JCC:
		*kind = BT_END_XFER;
		succ[(*nsucc)++] = b->target;
		if (b->fall != b->target)
			succ[(*nsucc)++] = b->fall;
		break;
	case BT_XFER_JMP_IND:
	case BT_XFER_CALL_IND:
	case BT_XFER_JMP_FAR:   /* the segment's base is the caller's to apply */
	case BT_XFER_CALL_FAR:
	case BT_XFER_RETF:
	case BT_XFER_IRET:
		*kind = BT_END_INDIRECT;
		break;
	default:
		/* int n/int3/into/int1, sys*, ud2, hlt trap by themselves, and
		 * the guest's own int3 must stay the guest's. */
		return -1;
	}
	return off + b->insn[last].off;
}

/* The record at off, made if new (the caller checked there is room). */
static struct bt_psite *get_site(struct bt_ppage *pg, unsigned off, const uint8_t *orig)
{
	struct bt_psite *s = find_site(pg, off);

	if (s)
		return s;
	s = &pg->site[pg->nsite++];
	memset(s, 0, sizeof(*s));
	s->off = off;
	s->len = 1;
	s->orig[0] = orig[0];
	return s;
}

static void set_insn(struct bt_psite *s, const uint8_t *orig, unsigned len)
{
	s->len = len;
	memcpy(s->orig, orig, len);
}

static void fill_traps(struct bt_ppage *pg, uint32_t start, uint32_t end,
		       struct bt_patch_result *out)
{
	out->ntrap = 0;
	for (unsigned i = 0; i < pg->nsite; i++) {
		const struct bt_psite *s = &pg->site[i];
		uint32_t eip = pg->lin + s->off;

		if (s->armed && eip >= start && eip <= end &&
		    out->ntrap < BT_MAX_SITES + 2)
			out->trap[out->ntrap++] = eip;
	}
}

static struct bt_ppage *alloc_page(struct bt_patch_ctx *ctx, int *rc)
{
	struct bt_ppage *lru = NULL;

	*rc = 0;
	for (unsigned i = 0; i < BT_PATCH_PAGES; i++) {
		if (!ctx->page[i].used)
			return &ctx->page[i];
		if (!lru || ctx->page[i].stamp < lru->stamp)
			lru = &ctx->page[i];
	}
	ctx->stats.evictions++;
	*rc = drop_page(ctx, lru);
	return lru;
}

int bt_patch_scan(struct bt_patch_ctx *ctx, uint32_t eip, uint64_t gpa,
		  unsigned def_size, struct bt_patch_result *out)
{
	uint64_t gfn = gpa >> 12;
	uint32_t lin = eip & ~BT_OFF_MASK;
	unsigned off = eip & BT_OFF_MASK;
	struct bt_ppage *pg, *other;
	struct bt_pblock *pb;
	struct bt_block *b = &ctx->blk;
	uint32_t succ[BT_PATCH_SUCC];
	uint16_t need[BT_MAX_SITES + 1];
	unsigned nneed = 0;
	uint8_t kind, nsucc;
	int eoff, n, rc;

	if (!ctx || !out || (def_size != 16 && def_size != 32) ||
	    (gpa & BT_OFF_MASK) != off)
		return -RV_EINVAL;
	memset(out, 0, sizeof(*out));
	out->start_eip = eip;

	/* One linear page per frame and one frame per linear page. */
	pg = find_gfn(ctx, gfn);
	if (pg && pg->lin != lin) {
		drop_page(ctx, pg);
		out->dropped = true;
		pg = NULL;
	}
	other = find_lin(ctx, lin);
	if (other && other != pg) {
		drop_page(ctx, other);
		out->dropped = true;
	}

	if (pg && (pb = find_block(pg, off)) != NULL) {
		if (pb->def_size == def_size) {
			out->end_eip = lin + pb->end;
			out->stop = pb->stop;
			out->xfer = pb->xfer;
			out->ninsn = pb->ninsn;
			out->cached = true;
			out->open_end = pb->stop != BT_STOP_XFER && pb->end == BT_PAGE_SIZE;
			pg->stamp = stamp(ctx);
			fill_traps(pg, eip, out->end_eip, out);
			return 0;
		}
	}

	/* The whole page as the guest wrote it; the block is scanned from off. */
	rc = read_orig(ctx, gpa & ~(uint64_t)BT_OFF_MASK, ctx->buf, BT_PAGE_SIZE);
	if (rc < 0)
		goto out_refresh;
	n = bt_scan_block(ctx->buf + off, BT_PAGE_SIZE - off, eip, def_size, b);
	if (n <= 0) {
		rc = -RV_ERANGE;
		goto out_refresh;
	}

	if (pg && !consistent(ctx, pg, off, def_size)) {
		ctx->stats.conflicts++;
		drop_page(ctx, pg);
		out->dropped = true;
		pg = NULL;
	}

	/* The records this block adds, to see if they fit. */
	eoff = end_site(ctx, b, off, &kind, succ, &nsucc, &out->open_end);
	if (pg) {
		for (unsigned i = 0; i < b->nsite; i++)
			if (!find_site(pg, off + b->site[i].off))
				need[nneed++] = off + b->site[i].off;
		if (eoff >= 0 && !find_site(pg, eoff)) {
			bool dup = false;

			for (unsigned i = 0; i < nneed; i++)
				dup |= need[i] == eoff;
			nneed += !dup;
		}
		if (pg->nblock >= BT_PATCH_BLOCKS || pg->nsite + nneed > BT_PATCH_SITES) {
			ctx->stats.evictions++;
			drop_page(ctx, pg);
			out->dropped = true;
			pg = NULL;
		}
	}
	if (!pg) {
		pg = alloc_page(ctx, &rc);
		memset(pg, 0, sizeof(*pg));
		pg->used = true;
		pg->gfn = gfn;
		pg->lin = lin;
		index_set(ctx, pg);
	}
	pg->stamp = stamp(ctx);

	pb = &pg->block[pg->nblock++];
	pb->start = off;
	pb->end = off + b->len;
	pb->def_size = def_size;
	pb->stop = b->stop;
	pb->xfer = b->xfer;
	pb->ninsn = b->ninsn;
	ctx->stats.blocks_scanned++;

	for (unsigned i = 0; i < b->nsite; i++) {
		const struct bt_site *bs = &b->site[i];
		const uint8_t *orig = ctx->buf + off + bs->off;
		struct bt_psite *s = get_site(pg, off + bs->off, orig);

		s->cls = bs->cls;
		set_insn(s, orig, bs->len);
	}
	if (eoff >= 0) {
		const uint8_t *orig = ctx->buf + eoff;
		struct bt_psite *s = get_site(pg, eoff, orig);

		if (kind != BT_END_CONT) {
			set_insn(s, orig, b->insn[b->ninsn - 1].len);
			s->xfer = b->xfer;
		}
		s->end |= kind;
		for (unsigned i = 0; i < nsucc; i++) {
			bool dup = false;

			for (unsigned j = 0; j < s->nsucc; j++)
				dup |= s->succ[j] == succ[i];
			if (!dup && s->nsucc < BT_PATCH_SUCC)
				s->succ[s->nsucc++] = succ[i];
		}
	}

	out->end_eip = b->end_eip;
	out->stop = b->stop;
	out->xfer = b->xfer;
	out->ninsn = b->ninsn;
	rc = refresh(ctx, lin);
	fill_traps(pg, eip, out->end_eip, out);
	return rc;

out_refresh:
	refresh(ctx, lin);
	return rc;
}
