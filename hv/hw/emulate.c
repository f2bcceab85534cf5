/*
 * Running one guest instruction in software (hv/emul/, docs/emulator.md)
 * for a hw guest: an access to a device page (a nested page fault on the
 * local or I/O APIC, the legacy video window) or a string port
 * instruction (INS/OUTS, which SVM reports without its memory operand).
 * The emulator sees the guest through these operations: linear addresses
 * are translated by the guest's own page tables (walk.c), RAM is the
 * domain's frames, anything else goes to the device registry, and a page
 * fault the guest's tables would give is delivered to it as the CPU would.
 */
#include "hw.h"
#include "domain.h"
#include "emulate.h"
#include "errno.h"
#include "exit.h"
#include "mm.h"
#include "string.h"
#include "x86.h"

#define PF_VECTOR       14

struct hw_emul {
	struct emul_ctx c;
	struct domain *d;
	uint32_t bad_linear;            /* set when the guest's page tables are not in its RAM */
	bool bad_tables;
};

static struct domain *dom(struct emul_ctx *c)
{
	return container_of(c, struct hw_emul, c)->d;
}

static unsigned mmio_slot(struct domain *d, const struct vdev_range *r)
{
	if (!r)
		return EXIT_NR_MMIO - 1;
	unsigned i = (unsigned)(r - d->vdevs->r[VDEV_MMIO]);
	return MIN(i, EXIT_NR_MMIO - 2);
}

/* A device access of 1, 2 or 4 bytes; nobody there reads all ones. */
static void mmio(struct domain *d, uint64_t gpa, unsigned size, bool write, uint8_t *buf)
{
	struct vdev_range *r = vdev_find(d->vdevs, VDEV_MMIO, gpa, size);
	uint32_t val = 0;
	exit_count(d, EXIT_MMIO, mmio_slot(d, r));
	if (write)
		memcpy(&val, buf, size);
	if (vdev_access(d->vdevs, VDEV_MMIO, gpa, size, write, &val) && !write)
		val = 0xffffffffu;
	if (!write)
		memcpy(buf, &val, size);
}

/* One piece of an access, within a page. */
static int access_page(struct emul_ctx *c, uint32_t linear, uint8_t *buf, unsigned n, bool write,
		       bool fetch)
{
	struct domain *d = dom(c);
	uint64_t gpa;
	uint32_t pfec;
	int rc = hw_linear_to_gpa(d, linear, write, d->hw->vmcb->cpl == 3, &gpa, &pfec);
	if (rc == -EFAULT) {
		c->exc_vector = PF_VECTOR;
		c->exc_has_code = true;
		c->exc_code = pfec | (fetch ? (1u << 4) : 0);
		d->hw->vmcb->cr2 = linear;
		return -1;
	}
	if (rc) {
		/* Its tables point outside its RAM: no page fault a CPU could
		 * give describes that (the CPU would have read device memory);
		 * hw_emulate stops the domain. */
		struct hw_emul *e = container_of(c, struct hw_emul, c);
		e->bad_tables = true;
		e->bad_linear = linear;
		return -1;
	}
	paddr_t ma = hw_gpa_to_ma(d, gpa);
	if (ma) {
		bool rom = gpa >= HW_ROM_START && gpa < HW_LOW_END;
		if (write && !rom && d->hw->shadow && shadow_is_table(&d->hw->sh.ctx, gpa >> PAGE_SHIFT)) {
			/* One of its page tables (npt = off, the cache keeps them
			 * write-protected): the shadows made from these bytes go,
			 * and the guest's TLB with them. */
			shadow_written(&d->hw->sh.ctx, gpa, n);
			d->hw->need_flush = true;
		}
		if (write && !rom)
			memcpy(phys_to_virt(ma), buf, n);
		else if (!write)
			memcpy(buf, phys_to_virt(ma), n);
		return 0;                       /* (a write to ROM is dropped) */
	}
	if (fetch)
		return -1;                      /* code in device memory: not ours to run */
	while (n) {
		unsigned k = n >= 4 && !(gpa & 3) ? 4 : n >= 2 && !(gpa & 1) ? 2 : 1;
		mmio(d, gpa, k, write, buf);
		gpa += k, buf += k, n -= k;
	}
	return 0;
}

static int access(struct emul_ctx *c, uint32_t linear, uint8_t *buf, unsigned n, bool write,
		  bool fetch)
{
	while (n) {
		unsigned chunk = MIN(n, PAGE_SIZE - (linear & (PAGE_SIZE - 1)));
		if (access_page(c, linear, buf, chunk, write, fetch))
			return -1;
		linear += chunk, buf += chunk, n -= chunk;
	}
	return 0;
}

static int op_fetch(struct emul_ctx *c, uint32_t linear, void *buf, unsigned n)
{
	return access(c, linear, buf, n, false, true);
}

static int op_read(struct emul_ctx *c, uint32_t linear, void *buf, unsigned size)
{
	return access(c, linear, buf, size, false, false);
}

static int op_write(struct emul_ctx *c, uint32_t linear, const void *buf, unsigned size)
{
	return access(c, linear, (uint8_t *)(uintptr_t)buf, size, true, false);
}

static int op_pio(struct emul_ctx *c, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	struct domain *d = dom(c);
	if (vdev_access(d->vdevs, VDEV_PIO, port, size, write, val) && !write)
		*val = 0xffffffffu;
	return 0;
}

static const struct emul_ops hw_emul_ops = {
	.fetch = op_fetch, .read = op_read, .write = op_write, .pio = op_pio,
};

enum emul_result hw_emulate(struct domain *d, unsigned max_reps)
{
	struct vmcb *v = d->hw->vmcb;
	struct hw_gprs *g = &d->hw->gprs;
	struct hw_emul e = { .d = d };
	struct emul_ctx *c = &e.c;

	c->gpr[EMUL_EAX] = (uint32_t)v->rax;
	c->gpr[EMUL_ECX] = g->ecx;
	c->gpr[EMUL_EDX] = g->edx;
	c->gpr[EMUL_EBX] = g->ebx;
	c->gpr[EMUL_ESP] = (uint32_t)v->rsp;
	c->gpr[EMUL_EBP] = g->ebp;
	c->gpr[EMUL_ESI] = g->esi;
	c->gpr[EMUL_EDI] = g->edi;
	c->eip = (uint32_t)v->rip;
	c->eflags = (uint32_t)v->rflags;
	const struct vmcb_seg *segs[6] = { &v->es, &v->cs, &v->ss, &v->ds, &v->fs, &v->gs };
	for (unsigned i = 0; i < 6; i++)
		c->seg_base[i] = (uint32_t)segs[i]->base;
	c->def_size = (v->cr0 & CR0_PE) && !(v->rflags & EFLAGS_VM) && (v->cs.attrib & 0x400) ?
		      32 : 16;
	c->stack_size = (v->ss.attrib & 0x400) ? 32 : 16;
	c->ops = &hw_emul_ops;
	c->max_reps = max_reps ? max_reps : 256;        /* a long rep string comes back for more */

	enum emul_result r = emul_step(c);
	if (e.bad_tables) {
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: the guest's page tables for linear %#x are not in its RAM",
			     e.bad_linear);
		return EMUL_DONE;       /* nothing more to do for a stopped domain */
	}
	if (r == EMUL_DONE || r == EMUL_CONTINUE || r == EMUL_EXCEPTION) {
		v->rax = c->gpr[EMUL_EAX];
		g->ecx = c->gpr[EMUL_ECX];
		g->edx = c->gpr[EMUL_EDX];
		g->ebx = c->gpr[EMUL_EBX];
		v->rsp = c->gpr[EMUL_ESP];
		g->ebp = c->gpr[EMUL_EBP];
		g->esi = c->gpr[EMUL_ESI];
		g->edi = c->gpr[EMUL_EDI];
		v->rflags = c->eflags;
		v->rip = c->eip;
	}
	if (r == EMUL_EXCEPTION)
		hw_inject_exception(d, c->exc_vector, c->exc_has_code, c->exc_code);
	return r;
}
