/*
 * PCI configuration mechanism #1 with one device behind it
 * (hv/vdev/pci.c): CONFIG_ADDRESS at 0xcf8, CONFIG_DATA at 0xcfc-0xcff, as
 * in the PCI Local Bus Specification 3.0, 3.2.2.3.2. Pure: the host unit
 * test drives it (tests/unit/test_vpci.c).
 *
 * Modelled: only a 32-bit access to 0xcf8 reaches CONFIG_ADDRESS (enable
 * bit 31, bus 23-16, device 15-11, function 10-8, register 7-2; bits 30-24
 * and 1-0 read as 0); the spec passes any other access to 0xcf8-0xcfb on as
 * ordinary I/O, and nothing else answers there, so reads give all ones and
 * writes vanish. CONFIG_DATA at any width and byte offset (0xcfd with a
 * word, 0xcfe with a word, ...) reaches the register CONFIG_ADDRESS names
 * plus that offset, when bit 31 is set (else it is ordinary I/O too: all
 * ones). Bus 0, device 0, function 0 is an Intel 82441FX (440FX) host
 * bridge: vendor 0x8086, device 0x1237, revision 2, class 0x060000 (host
 * bridge), header type 0, command 0x0006 (memory and bus master, fixed at
 * 1 on that part) of which only the PERR# and SERR# enables (bits 6 and 8)
 * can be written, status 0x0280 (medium DEVSEL, fast back-to-back). Every
 * other register of it reads 0 and ignores writes. Every other device and
 * function, on every bus, is absent: reads 0xffffffff (vendor 0xffff is how
 * software sees that), writes ignored.
 *
 * Left out: the 440FX's own registers (PAM shadowing 0x59-0x5f, SMRAM
 * 0x72, DRAM rows: a BIOS programs them, a kernel booted directly does not
 * need them); the PIIX3 ISA bridge and everything else of device 1; port
 * 0xcf9 (the reset control register of later chipsets: ordinary I/O here,
 * so Linux's reboot=pci does nothing); configuration mechanism #2.
 */
#ifndef HV_VDEV_PCI_H
#define HV_VDEV_PCI_H

#include "types.h"
#include "vdev.h"

#define VPCI_PORT       0xcf8           /* 0xcf8 address, 0xcfc-0xcff data */
#define VPCI_PORTS      8

struct vpci {
	uint32_t addr;                  /* CONFIG_ADDRESS as last written */
	uint16_t cmd;                   /* the host bridge's command register */
};

/* Reset (address 0, command 0x0006) and claim 0xcf8-0xcff of t:
 * vdev_register's errors. */
int vpci_init(struct vpci *p, struct vdev_table *t);
/* Read size (1, 2 or 4) bytes of function bus:dev.fn's configuration space
 * at reg, as CONFIG_DATA would: all ones for an absent function. */
uint32_t vpci_config_read(const struct vpci *p, unsigned bus, unsigned dev, unsigned fn,
			  unsigned reg, unsigned size);

#endif
