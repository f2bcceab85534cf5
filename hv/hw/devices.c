/*
 * The emulated PC of a hw domain: the device models of hv/vdev/ registered
 * in the domain's table and wired together as on a PC (the PIT's OUT0 on
 * IRQ 0, COM1 on IRQ 4, the RTC on IRQ 8, all into the 8259A pair), the
 * UART's transmitter onto the domain's console line, and time: the models
 * get the system clock at every exit, and the vCPU timer is armed for the
 * next instant one of them changes an interrupt line.
 */
#include "hw.h"
#include "console.h"
#include "domain.h"
#include "errno.h"
#include "sched.h"
#include "format.h"
#include "string.h"
#include "time.h"
#include "vtimer.h"
#include "../vdev/pctables.h"

/*
 * An ISA interrupt line goes to both controllers, as on a PC with an I/O
 * APIC: the 8259A pair (through which the local APIC's LINT0 passes it in
 * virtual-wire mode, how a BIOS leaves it) and the I/O APIC pin the MADT
 * names (IRQ 0 on pin 2, the others on their own number).
 */
static void isa_irq(struct domain *d, unsigned irq, bool level)
{
	vpic_set_irq(&d->hw->dev.pic, irq, level);
	vioapic_set_irq(&d->hw->dev.ioapic, irq == 0 ? 2 : irq, level);
}

static void irq0(void *opaque, bool level)
{
	isa_irq(opaque, 0, level);
}

static void irq4(void *opaque, bool level)
{
	isa_irq(opaque, VUART_COM1_IRQ, level);
}

static void irq8(void *opaque, bool level)
{
	isa_irq(opaque, 8, level);
}

static void kbd_irq(void *opaque, unsigned line, bool level)
{
	isa_irq(opaque, line, level);
}

/* The 8042's A20 gate: our guest-physical space has no 1 MiB wrap to
 * switch on or off (the CPU starts the guest in protected mode with A20
 * on); the gate is kept by the model and reads back as written. */
static void kbd_a20(void *opaque, bool open)
{
	(void)opaque, (void)open;
}

/* The guest pulsed the CPU's reset line (8042 command 0xfe, port 0x92):
 * the domain reboots, which for now ends it with that reason. */
static void kbd_reset(void *opaque)
{
	domain_shutdown(opaque, RV_SHUTDOWN_reboot, 0);
}


/*
 * The IDE disk: a boot module's bytes (cfg disk =), read and written in
 * place. It lives as long as the machine is up; the control domain's real
 * disk (issue 15) will make what a guest writes survive a restart.
 */
static int disk_read(void *opaque, uint64_t lba, unsigned count, void *buf)
{
	struct domain *d = opaque;
	memcpy(buf, d->hw->dev.disk + lba * VIDE_SECTOR, count * VIDE_SECTOR);
	return 0;
}

static int disk_write(void *opaque, uint64_t lba, unsigned count, const void *buf)
{
	struct domain *d = opaque;
	memcpy(d->hw->dev.disk + lba * VIDE_SECTOR, buf, count * VIDE_SECTOR);
	return 0;
}

static void irq14(void *opaque, bool level)
{
	isa_irq(opaque, VIDE_PRIMARY_IRQ, level);
}

/* ACPI power off (the DSDT's _S5 written to PM1a control). */
static void acpi_poweroff(void *opaque)
{
	domain_shutdown(opaque, RV_SHUTDOWN_poweroff, 0);
}

static bool ioapic_deliver(void *opaque, const struct vioapic_msg *m)
{
	struct domain *d = opaque;
	return vlapic_deliver(&d->hw->dev.lapic, m->dest, m->logical, m->mode, m->vector,
			      m->level);
}

static void lapic_eoi(void *opaque, uint8_t vector)
{
	struct domain *d = opaque;
	vioapic_eoi(&d->hw->dev.ioapic, vector);
}

/*
 * What the guest sends on COM1 is its console output. A UART gets it a
 * byte at a time; the console gets it a line at a time (or when the line
 * buffer is full, the guest goes idle, or 20 ms have passed: a prompt
 * shows at once), so that two domains printing at once do not cut each
 * other's lines into pieces. The port write that would not fit the
 * console's output ring waits (hw/exit.c), so nothing is lost and a guest
 * printing fast is paced by the line like on a real UART. The 20 ms are
 * the domain's own CPU time: a domain that waits for the CPU while others
 * run has not stopped in the middle of its line.
 */
#define TX_HOLD_NS      20000000ull

static uint64_t cpu_time(const struct domain *d)
{
	return d->runtime_ns + (time_now_ns() - d->slice_start_ns);
}

void hw_devices_flush_console(struct domain *d)
{
	struct hw_devices *dev = &d->hw->dev;
	uint32_t done = 0, start = console_emitted();
	while (done < dev->tx_len)
		done += (uint32_t)console_domain_write_some(d, dev->tx + done, dev->tx_len - done,
							    start);
	d->stats.console_bytes += console_emitted() - start;
	dev->tx_len = 0;
}

static void uart_tx(void *opaque, char c)
{
	struct domain *d = opaque;
	struct hw_devices *dev = &d->hw->dev;
	if (!dev->tx_len)
		dev->tx_since = cpu_time(d);
	dev->tx[dev->tx_len++] = c;
	if (c == '\n' || dev->tx_len == sizeof(dev->tx))
		hw_devices_flush_console(d);
}

/*
 * Port 0xf4: QEMU's isa-debug-exit, which the PC port of ringos writes
 * to power off (its test results are its exit code). For a hw domain it is
 * that domain's power-off with the value written as exit code, as a pv
 * domain's shutdown hypercall: the machine and the other domains go on.
 */
static int exit_port_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct domain *d = opaque;
	(void)addr, (void)size;
	if (!write) {
		*val = 0xffffffffu;
		return 0;
	}
	domain_shutdown(d, RV_SHUTDOWN_poweroff, *val);
	return 0;
}

/* The firmware tables (ACPI and MP) in the ROM area, as a BIOS leaves
 * them: built in a scratch copy of 0xf0000-0xfffff, then copied in. */
static uint8_t rom_scratch[0x10000];

static int write_tables(struct domain *d)
{
	uint32_t a, b, c, dx;
	hw_cpuid(1, 0, &a, &b, &c, &dx);
	struct pctables_cfg cfg = { .mem_mib = d->hw->ram_bytes >> 20, .cpu_signature = a,
				    .cpu_features = dx };
	memset(rom_scratch, 0, sizeof(rom_scratch));
	int rc = pctables_build(rom_scratch, PCTABLES_SCAN_START, sizeof(rom_scratch), &cfg, NULL);
	if (!rc)
		rc = hw_copy_to_gpa(d, PCTABLES_SCAN_START, rom_scratch, sizeof(rom_scratch));
	return rc;
}

int hw_devices_init(struct domain *d, const struct domain_config *cfg, char *err, size_t errlen)
{
	struct hw_devices *dev = &d->hw->dev;
	struct vdev_table *t = d->vdevs;
	int rc = vpic_init(&dev->pic, t);
	if (!rc)
		rc = vpit_init(&dev->pit, t, irq0, d);
	if (!rc)
		rc = vrtc_init(&dev->rtc, t, wallclock_at_boot * 1000000000ull, irq8, d);
	if (!rc)
		rc = vuart_init(&dev->uart, t, VUART_COM1_BASE, irq4, d, uart_tx);
	if (!rc)
		rc = vkbd_init(&dev->kbd, t, &(const struct vkbd_ops){ .irq = kbd_irq, .a20 = kbd_a20,
								    .reset = kbd_reset, .opaque = d });
	if (!rc)
		rc = vpci_init(&dev->pci, t);
	if (!rc)
		rc = vpost_init(&dev->post, t);
	if (!rc)
		rc = vlapic_init(&dev->lapic, t, 0, lapic_eoi, d);
	if (!rc)
		rc = vioapic_init(&dev->ioapic, t, VIOAPIC_BASE, PCTABLES_IOAPIC_ID, ioapic_deliver, d);
	if (!rc)
		rc = vacpipm_init(&dev->acpipm, t, PCTABLES_PM1A_EVT, PCTABLES_PM1A_CNT,
				  acpi_poweroff, d);
	if (!rc)
		rc = vdev_register(t, VDEV_PIO, 0xf4, 4, exit_port_io, d, "debug-exit");
	if (!rc && cfg->disk_data) {
		dev->disk = cfg->disk_data;
		dev->disk_sectors = cfg->disk_size / VIDE_SECTOR;
		struct vide_disk disk = { .read = disk_read, .write = disk_write,
					  .sectors = dev->disk_sectors, .opaque = d };
		rc = vide_init(&dev->ide, t, VIDE_PRIMARY_BASE, VIDE_PRIMARY_CTL, &disk, irq14, d);
	}
	if (!rc)
		rc = write_tables(d);
	if (rc) {
		snprintf(err, errlen, "emulated devices could not be set up (%d)", rc);
		return rc;
	}
	/* What a PC's firmware leaves behind, since the hypervisor is this
	 * machine's firmware: the RTC's memory-size bytes, the local APIC in
	 * virtual-wire mode, COM1 at 9600 baud 8N1 (a boot sector writes to
	 * it without setting it up). */
	vrtc_set_memory(&dev->rtc, d->hw->ram_bytes);
	vlapic_virtual_wire(&dev->lapic);
	uint32_t v = 0x03;              /* LCR: 8 data bits, no parity, 1 stop bit */
	vdev_access(t, VDEV_PIO, VUART_COM1_BASE + 3, 1, true, &v);
	return 0;
}

int hw_pending_vector(struct domain *d, bool ack)
{
	struct hw_devices *dev = &d->hw->dev;
	int v = vlapic_pending(&dev->lapic);
	if (v >= 0) {
		if (ack)
			vlapic_ack(&dev->lapic, (uint8_t)v);
		return v;
	}
	if (!vlapic_extint(&dev->lapic) || !vpic_pending(&dev->pic))
		return -1;
	return ack ? vpic_ack(&dev->pic) : 0;
}

/* Typed input waiting for the guest goes into the UART's FIFO as room
 * allows; the rest waits in the domain's input ring. */
static void feed_uart(struct domain *d)
{
	char c;
	while (console_domain_read(d, &c, 1) == 1) {
		if (vuart_rx(&d->hw->dev.uart, c)) {
			console_domain_unread(d, &c, 1);
			break;
		}
	}
}

uint64_t hw_devices_update(struct domain *d, uint64_t now)
{
	struct hw_devices *dev = &d->hw->dev;
	vpit_update(&dev->pit, now);
	vrtc_set_time(&dev->rtc, now);
	vuart_set_time(&dev->uart, now);
	vlapic_update(&dev->lapic, now);
	feed_uart(d);
	if (dev->tx_len && cpu_time(d) - dev->tx_since >= TX_HOLD_NS)
		hw_devices_flush_console(d);
	uint64_t next = MIN(MIN(vpit_next_event_ns(&dev->pit), vrtc_next_event_ns(&dev->rtc)),
			    MIN(vuart_next_event_ns(&dev->uart), vlapic_next_event_ns(&dev->lapic)));
	/* A device the guest programmed faster than HW_MIN_EVENT_NS (a PIT
	 * at count 2: an edge every 838 ns) is looked at no more often than
	 * that; missed edges merge, as KVM floors its timers' periods. Its
	 * deadline is then never due already, which would spin the loop. */
	if (next != UINT64_MAX && next < now + HW_MIN_EVENT_NS)
		next = now + HW_MIN_EVENT_NS;
	if (next != d->vcpu.timer_deadline)
		vtimer_set(d, next == UINT64_MAX ? 0 : next);
	return next;
}

void hw_devices_console_input(struct domain *d)
{
	feed_uart(d);
	if (hw_pending_vector(d, false) >= 0 && d->state == DOM_BLOCKED && d->hw->halted)
		sched_wake(d);
}

const char *hw_device_exit_name(const struct domain *d, enum exit_kind kind, unsigned nr)
{
	if (kind == EXIT_IO && d->vdevs) {
		if (nr == EXIT_NR_IO - 1)
			return "port nobody claims";
		if (nr < d->vdevs->n[VDEV_PIO])
			return d->vdevs->r[VDEV_PIO][nr].name;
	}
	if (kind == EXIT_MMIO && d->vdevs) {
		if (nr == EXIT_NR_MMIO - 1)
			return "address nobody claims";
		if (nr < d->vdevs->n[VDEV_MMIO])
			return d->vdevs->r[VDEV_MMIO][nr].name;
	}
	return NULL;
}
