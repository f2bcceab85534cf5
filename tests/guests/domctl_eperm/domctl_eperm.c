/*
 * An ordinary domain tries every control command (public/domctl.h) on a
 * neighbour, itself and nobody, with good and bad arguments alike: each is
 * refused with -EPERM before any argument is looked at, and the neighbour
 * (a bystander) finishes its checksum. The hypervisor counts the refusals
 * in this domain's report (the test's expect lines).
 */
#include "guest.h"

static struct rv_domctl_info info;
static char cfg[] = "name = \"x\"\nkernel = \"k\"\n";

void guest_main(void)
{
	struct rv_domctl_create c = { 0, (uint32_t)cfg, sizeof(cfg) - 1, (uint32_t)cfg, 16, 0, 0,
				      0, 0, 0 };
	struct rv_domctl_console con = { 0, (uint32_t)cfg, sizeof(cfg), 0, 0, 0, 0 };
	struct rv_domctl_xfer x = { 0, (uint32_t)cfg, sizeof(cfg) };
	struct rv_domctl_restore rb = { (uint32_t)cfg, sizeof(cfg), 0, 0, 0, 0 };
	struct rv_domctl_physinfo pi;
	uint64_t sum = 0;
	uint32_t me = start_info->domid, calls = 0;

	test_check(!(start_info->flags & RV_SIF_PRIVILEGED), "not Domain 0 (start info flags %#x)",
		   start_info->flags);
	/* Each command against each target: the neighbour (the domain built
	 * just before this one... or after), itself, an id nobody has. */
	const uint32_t targets[] = { me - 1, me + 1, me, 0, 9999 };
	for (unsigned t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		uint32_t id = targets[t];
		int32_t r[RV_DOMCTL_count + 1];
		r[RV_DOMCTL_getinfo] = hv_domctl(RV_DOMCTL_getinfo, id, (uint32_t)&info, sizeof(info));
		r[RV_DOMCTL_pause] = hv_domctl(RV_DOMCTL_pause, id, 0, 0);
		r[RV_DOMCTL_unpause] = hv_domctl(RV_DOMCTL_unpause, id, 0, 0);
		r[RV_DOMCTL_destroy] = hv_domctl(RV_DOMCTL_destroy, id, 0, 0);
		r[RV_DOMCTL_set_weight] = hv_domctl(RV_DOMCTL_set_weight, id, 65535, 0);
		r[RV_DOMCTL_set_memory] = hv_domctl(RV_DOMCTL_set_memory, id, 4096, 0);
		r[RV_DOMCTL_create] = hv_domctl(RV_DOMCTL_create, (uint32_t)&c, sizeof(c), 0);
		r[RV_DOMCTL_console_read] = hv_domctl(RV_DOMCTL_console_read, id, (uint32_t)&con,
						      sizeof(con));
		r[RV_DOMCTL_console_write] = hv_domctl(RV_DOMCTL_console_write, id, (uint32_t)cfg, 4);
		r[RV_DOMCTL_exits] = hv_domctl(RV_DOMCTL_exits, id, 0, 0);
		r[RV_DOMCTL_suspend] = hv_domctl(RV_DOMCTL_suspend, id, 0, 0);
		r[RV_DOMCTL_save] = hv_domctl(RV_DOMCTL_save, id, (uint32_t)&x, sizeof(x));
		r[RV_DOMCTL_memsum] = hv_domctl(RV_DOMCTL_memsum, id, (uint32_t)&sum, 0);
		r[RV_DOMCTL_restore_begin] = hv_domctl(RV_DOMCTL_restore_begin, (uint32_t)&rb,
						       sizeof(rb), 0);
		r[RV_DOMCTL_restore_data] = hv_domctl(RV_DOMCTL_restore_data, id, (uint32_t)&x,
						      sizeof(x));
		r[RV_DOMCTL_restore_finish] = hv_domctl(RV_DOMCTL_restore_finish, id, (uint32_t)cfg,
							sizeof(cfg));
		r[RV_DOMCTL_physinfo] = hv_domctl(RV_DOMCTL_physinfo, (uint32_t)&pi, sizeof(pi), 0);
		r[RV_DOMCTL_set_device] = hv_domctl(RV_DOMCTL_set_device, id, 0, (uint32_t)&info);
		r[RV_DOMCTL_count] = hv_domctl(RV_DOMCTL_count + 7, id, 0, 0);   /* unknown: still EPERM */
		calls += RV_DOMCTL_count + 1;
		for (unsigned cmd = 0; cmd <= RV_DOMCTL_count; cmd++)
			test_check(r[cmd] == -RV_EPERM, "domctl %u on domain %u: %d (expected -EPERM)", cmd,
				   id, r[cmd]);
	}
	test_check(info.domid == 0 && info.name[0] == 0, "nothing was written to the info buffer");
	gprintf("%u control calls refused\n", calls);
}
