/*
 * PCI configuration mechanism #1 (pci.h). The host bridge's configuration
 * header is built on each read from a few constants and the one writable
 * register, a dword at a time; a narrower access takes its bytes out of
 * the dword, as the bus does with byte enables.
 */
#include "pci.h"
#include "errno.h"
#include "string.h"

#define ADDR_ENABLE     0x80000000u
#define ADDR_MASK       0x80fffffcu     /* bits 30-24 reserved, 1-0 fixed 0 */
#define DATA            4               /* port offset of CONFIG_DATA */

#define HB_ID           0x12378086u     /* device 0x1237, vendor 0x8086 */
#define HB_REV_CLASS    0x06000002u     /* class 06 00 00, revision 2 */
#define HB_STATUS       0x0280u
#define HB_CMD_FIXED    0x0006u         /* memory space, bus master: always on */
#define HB_CMD_RW       0x0140u         /* SERR# enable, PERR# enable */

static uint32_t ones(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* The dword of the host bridge's configuration space at reg & ~3. */
static uint32_t host_bridge_dword(const struct vpci *p, unsigned reg)
{
	switch (reg & 0xfc) {
	case 0x00: return HB_ID;
	case 0x04: return HB_STATUS << 16 | p->cmd;
	case 0x08: return HB_REV_CLASS;
	default: return 0;              /* header type 0, no BARs, chipset regs */
	}
}

static bool present(unsigned bus, unsigned dev, unsigned fn)
{
	return bus == 0 && dev == 0 && fn == 0;
}

uint32_t vpci_config_read(const struct vpci *p, unsigned bus, unsigned dev, unsigned fn,
			  unsigned reg, unsigned size)
{
	if (!present(bus, dev, fn) || reg > 0xff || (reg & 3) + size > 4)
		return ones(size);
	return host_bridge_dword(p, reg) >> (8 * (reg & 3)) & ones(size);
}

/* A write of size bytes at reg: only the command register takes it. */
static void config_write(struct vpci *p, unsigned reg, unsigned size, uint32_t v)
{
	unsigned lo = reg & 3;
	uint32_t mask = ones(size) << 8 * lo;
	if ((reg & 0xfc) != 0x04 || !(mask & 0xffff))
		return;                 /* a write to status alone changes nothing */
	uint32_t old = p->cmd, new = (old & ~mask) | (v << 8 * lo & mask);
	p->cmd = (uint16_t)((new & HB_CMD_RW) | HB_CMD_FIXED);
}

static int pci_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vpci *p = opaque;
	unsigned off = (unsigned)(addr - VPCI_PORT);
	if (off == 0 && size == 4) {
		if (write)
			p->addr = *val & ADDR_MASK;
		else
			*val = p->addr;
		return 0;
	}
	/* Ordinary I/O that nobody answers: a narrow access to 0xcf8-0xcfb (or
	 * one straddling into 0xcfc), or CONFIG_DATA with the enable bit off. */
	if (off < DATA || !(p->addr & ADDR_ENABLE)) {
		if (!write)
			*val = ones(size);
		return 0;
	}
	unsigned bus = p->addr >> 16 & 0xff, dev = p->addr >> 11 & 0x1f, fn = p->addr >> 8 & 7;
	unsigned reg = (p->addr & 0xfc) + off - DATA;
	if (!write)
		*val = vpci_config_read(p, bus, dev, fn, reg, size);
	else if (present(bus, dev, fn))
		config_write(p, reg, size, *val);
	return 0;
}

int vpci_init(struct vpci *p, struct vdev_table *t)
{
	memset(p, 0, sizeof(*p));
	p->cmd = HB_CMD_FIXED;
	return vdev_register(t, VDEV_PIO, VPCI_PORT, VPCI_PORTS, pci_io, p, "pci");
}
