/*
 * io: the port space of a hw guest (every port exits; hv/hw/exit.c,
 * do_ioio, and the devices of hv/hw/devices.c).
 *
 *   a port nobody claims reads all ones at every width, as the floating
 *   ISA bus does, and a write to it is dropped: the domain goes on
 *   port 0x80 (POST code) latches the last byte written
 *   PCI configuration mechanism #1 (0xcf8 address, 0xcfc data): the host
 *   bridge at 00.0 is an Intel 440FX (vendor 0x8086, device 0x1237,
 *   class 06/00); a function that is absent (00.1) reads 0xffffffff
 *   REP OUTSB / REP INSB (string I/O, through the instruction emulator)
 *   8042 keyboard controller: command 0xAA (self-test) answers 0x55 on
 *   port 0x60; its output port (0xD0) shows A20 open and the CPU out of
 *   reset; port 0x92 (fast A20) keeps its A20 bit
 */
#include "hwg.h"
#include "string.h"

#define UNCLAIMED       0x7e00          /* no PC device decodes here */
#define POST            0x80
#define PCI_ADDR        0xcf8
#define PCI_DATA        0xcfc
#define KBC_DATA        0x60
#define KBC_STATUS      0x64
#define KBC_OBF         0x01
#define PORT_92         0x92

static uint32_t pci_read(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	outl(PCI_ADDR, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc));
	return inl(PCI_DATA);
}

static void unclaimed(void)
{
	test_check(inb(UNCLAIMED) == 0xff, "inb from unclaimed port %#x reads 0xff", UNCLAIMED);
	test_check(inw(UNCLAIMED + 2) == 0xffff, "inw from unclaimed port %#x reads 0xffff",
		   UNCLAIMED + 2);
	test_check(inl(UNCLAIMED + 4) == 0xffffffffu, "inl from unclaimed port %#x reads 0xffffffff",
		   UNCLAIMED + 4);
	outb(UNCLAIMED, 0x12);
	outw(UNCLAIMED + 2, 0x3456);
	outl(UNCLAIMED + 4, 0x789abcde);
	test_check(inl(UNCLAIMED + 4) == 0xffffffffu,
		   "writes to unclaimed ports are dropped, and the domain runs on");
}

static void post(void)
{
	outb(POST, 0x5a);
	uint8_t a = inb(POST);
	outb(POST, 0xa5);
	uint8_t b = inb(POST);
	test_check(a == 0x5a && b == 0xa5, "port 0x80 latches the last byte written (%#x, %#x)",
		   a, b);
}

static void pci(void)
{
	outl(PCI_ADDR, 0x80000010u);
	test_check(inl(PCI_ADDR) == 0x80000010u, "0xcf8 reads back the address written (%#x)",
		   inl(PCI_ADDR));
	uint32_t id = pci_read(0, 0, 0, 0);
	test_check(id == 0x12378086u, "PCI 00.0 is the 440FX host bridge: id %#x (want 0x12378086)",
		   id);
	uint32_t class = pci_read(0, 0, 0, 8) >> 16;
	test_check(class == 0x0600, "PCI 00.0 class is 06/00, host bridge (%#x)", class);
	id = pci_read(0, 0, 1, 0);
	test_check(id == 0xffffffffu, "PCI 00.1, an absent function, reads 0xffffffff (%#x)", id);
	id = pci_read(0, 31, 0, 0);
	test_check(id == 0xffffffffu, "PCI 00:1f.0, an absent device, reads 0xffffffff (%#x)", id);
}

static void string_io(void)
{
	static const char out[] = "wxyz";
	char in[8];
	const char *esi = out;
	char *edi = in;
	uint32_t ecx = 4;
	memset(in, 0, sizeof(in));

	/* rep outsb: four bytes to port 0x80, the last one stays latched. */
	__asm__ volatile("cld; rep outsb" : "+S"(esi), "+c"(ecx) : "d"(POST) : "memory");
	test_check(ecx == 0 && esi == out + 4, "rep outsb ran to the end (ecx %u, esi +%d)", ecx,
		   (int)(esi - out));
	test_check(inb(POST) == 'z', "port 0x80 holds the last byte of rep outsb (%#x)", inb(POST));

	ecx = 3;
	__asm__ volatile("cld; rep insb" : "+D"(edi), "+c"(ecx) : "d"(POST) : "memory");
	test_check(ecx == 0 && edi == in + 3, "rep insb ran to the end (ecx %u, edi +%d)", ecx,
		   (int)(edi - in));
	test_check(!memcmp(in, "zzz\0", 4), "rep insb stored the latch three times and no more "
		   "(%02x %02x %02x %02x)", in[0], in[1], in[2], in[3]);

	/* A single outsb/insb (no rep), and one from an unclaimed port. */
	esi = out;
	__asm__ volatile("outsb" : "+S"(esi) : "d"(POST) : "memory");
	test_check(inb(POST) == 'w' && esi == out + 1, "outsb without rep sends one byte");
	edi = in;
	__asm__ volatile("insb" : "+D"(edi) : "d"(UNCLAIMED) : "memory");
	test_check((uint8_t)in[0] == 0xff && edi == in + 1,
		   "insb from an unclaimed port stores 0xff (%#x)", (uint8_t)in[0]);
}

static void kbc(void)
{
	outb(KBC_STATUS, 0xaa);
	unsigned i;
	for (i = 0; i < 100000 && !(inb(KBC_STATUS) & KBC_OBF); i++)
		cpu_relax();
	test_check(i < 100000, "8042: output buffer full after the self-test command");
	uint8_t r = inb(KBC_DATA);
	test_check(r == 0x55, "8042 self-test (0xAA) answers 0x55 (%#x)", r);
	test_check(!(inb(KBC_STATUS) & KBC_OBF), "8042: output buffer empty once read");

	/* 0xD0: the controller's output port; bit 0 is the CPU's reset line
	 * (high: running), bit 1 the A20 gate (open, as a multiboot loader
	 * leaves it). */
	outb(KBC_STATUS, 0xd0);
	for (i = 0; i < 100000 && !(inb(KBC_STATUS) & KBC_OBF); i++)
		cpu_relax();
	r = inb(KBC_DATA);
	test_check(i < 100000 && (r & 0x03) == 0x03,
		   "8042 output port (0xD0): not in reset, A20 open (%#x)", r);
	/* Port 0x92 (system control port A) keeps its A20 bit; bit 0 would
	 * reset the CPU, so it stays 0. */
	outb(PORT_92, 0x02);
	r = inb(PORT_92);
	test_check((r & 0x03) == 0x02, "port 0x92 reads back its A20 bit (%#x)", r);
}

void guest_main(void)
{
	unclaimed();
	post();
	pci();
	string_io();
	kbc();
}
