/*
 * debugregs: DR0-DR3 are each guest's own. VMRUN switches only DR6 and
 * DR7 (they are in the VMCB); the hypervisor switches DR0-DR3 with the
 * domain (hv/hw/mode.c). Two of these run at once, in two hw domains, and
 * are preempted back and forth for a second and a half:
 *
 *   cmdline "mark=N": writes 0x<N>0000000 + i into DRi, and keeps finding
 *   its own values there (they survive every switch)
 *   and it never sees the other's (it would, were DR0-DR3 left as the
 *   previous guest set them)
 */
#include "hwg.h"
#include "string.h"
#include "x86.h"

void guest_main(void)
{
	uint32_t mark = 0;
	for (unsigned n = 1; n <= 9 && !mark; n++) {
		char word[8] = "mark=0";
		word[5] = (char)('0' + n);
		if (hwg_cmdline_has(word))
			mark = n << 28;
	}
	test_check(mark != 0, "the command line gives a mark (mark=1..9)");
	for (unsigned i = 0; i < 4; i++)
		write_dr(i, mark + i);
	uint64_t hz = hwg_tsc_hz(), t0 = rdtsc();
	uint32_t rounds = 0, wrong = 0, foreign = 0, seen = 0;
	while (hz && rdtsc() - t0 < hz * 3 / 2) {
		for (unsigned i = 0; i < 4; i++) {
			uint32_t v = read_dr(i);
			seen = v;
			if (v != mark + i) {
				wrong++;
				if ((v & 0x0fffffffu) == i && v != mark + i)
					foreign++;
			}
		}
		rounds++;
	}
	test_check(rounds > 1000, "read DR0-DR3 %u times over 1.5 s (preempted meanwhile)", rounds);
	test_check(!wrong, "its own DR0-DR3 every time (%u wrong, last %#x)", wrong, seen);
	test_check(!foreign, "never the other guest's (%u times)", foreign);
}
