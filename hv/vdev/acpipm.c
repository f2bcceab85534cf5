/* The ACPI PM1a event and control blocks (acpipm.h). */
#include "acpipm.h"
#include "errno.h"
#include "pctables.h"

static int evt_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vacpipm *p = opaque;
	unsigned off = (unsigned)addr & 3;
	if (size == 4 || (size == 2 && (off & 1)))
		return -EINVAL;
	/* bytes 0-1 status (nothing ever set), 2-3 enable */
	for (unsigned i = 0; i < size; i++) {
		unsigned b = off + i;
		if (write) {
			uint8_t v = (uint8_t)(*val >> (8 * i));
			if (b >= 2)
				p->en = (uint16_t)((p->en & ~(0xffu << (8 * (b - 2)))) |
						   (unsigned)v << (8 * (b - 2)));
		} else {
			uint32_t v = b >= 2 ? (p->en >> (8 * (b - 2))) & 0xff : 0;
			*val = (i ? *val : 0) | v << (8 * i);
		}
	}
	return 0;
}

static int cnt_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vacpipm *p = opaque;
	unsigned off = (unsigned)addr & 1;
	if (size == 4 || (size == 2 && off))
		return -EINVAL;
	if (!write) {
		uint16_t v = (uint16_t)((p->cnt | ACPIPM_SCI_EN) & ~ACPIPM_SLP_EN);
		*val = size == 2 ? v : (uint32_t)(v >> (8 * off)) & 0xff;
		return 0;
	}
	uint16_t v = size == 2 ? (uint16_t)*val :
		     (uint16_t)((p->cnt & ~(0xffu << (8 * off))) | (*val & 0xff) << (8 * off));
	p->cnt = (uint16_t)(v & ~ACPIPM_SLP_EN);
	if ((v & ACPIPM_SLP_EN) &&
	    ((v >> ACPIPM_SLP_TYP_SHIFT) & 7) == PCTABLES_SLP_TYP_S5 && p->poweroff)
		p->poweroff(p->opaque);
	return 0;
}

int vacpipm_init(struct vacpipm *p, struct vdev_table *t, uint16_t evt, uint16_t cnt,
		 void (*poweroff)(void *opaque), void *opaque)
{
	*p = (struct vacpipm){ .poweroff = poweroff, .opaque = opaque };
	int rc = vdev_register(t, VDEV_PIO, evt, 4, evt_io, p, "acpi pm1 event");
	if (!rc) {
		rc = vdev_register(t, VDEV_PIO, cnt, 2, cnt_io, p, "acpi pm1 control");
		if (rc)
			vdev_unregister(t, VDEV_PIO, evt);
	}
	return rc;
}
