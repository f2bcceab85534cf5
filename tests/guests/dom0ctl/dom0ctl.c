/*
 * Domain 0's control hypercalls (public/domctl.h), from a privileged test
 * guest (privileged=1) beside a spinner and a bystander: list, pause and
 * unpause (the spinner's CPU time stands still while paused), weights,
 * memory quotas, reading and typing into a console, the exit table, create
 * (from tiny.elf, this domain's initrd) with every refusal, and destroy.
 * The bystander must finish its checksum meanwhile.
 */
#include "guest.h"
#include <public/start_info.h>

static struct rv_domctl_info info;
static char text[4096];
static char err[160];

static int32_t getinfo(uint32_t from)
{
	return hv_domctl(RV_DOMCTL_getinfo, from, (uint32_t)&info, sizeof(info));
}

/* The domain named name: its id (info filled), or 0. */
static uint32_t find(const char *name)
{
	for (int32_t id = getinfo(0); id > 0; id = getinfo((uint32_t)id + 1))
		if (!strcmp(info.name, name))
			return (uint32_t)id;
	return 0;
}

static uint64_t cpu_of(uint32_t id)
{
	return getinfo(id) == (int32_t)id ? info.cpu_ns : 0;
}

static int32_t create(const char *config, const void *kernel, uint32_t kernel_len, uint32_t flags)
{
	struct rv_domctl_create c = {
		flags, (uint32_t)config, strlen(config), (uint32_t)kernel, kernel_len, 0, 0,
		(uint32_t)err, sizeof(err), 0,
	};
	err[0] = '\0';
	return hv_domctl(RV_DOMCTL_create, (uint32_t)&c, sizeof(c), 0);
}

static void test_list(uint32_t me, uint32_t spinner, uint32_t bystander)
{
	test_check(start_info->flags & RV_SIF_PRIVILEGED, "start info says Domain 0 (flags %#x)",
		   start_info->flags);
	test_check(find("dom0ctl") == me && (info.flags & RV_DOMINFO_PRIVILEGED) &&
		   info.mode == RV_DOMMODE_pv && info.memory_kib == start_info->nr_pages * 4,
		   "getinfo lists this domain: privileged, pv, %u KiB", info.memory_kib);
	test_check(spinner && bystander, "getinfo lists the spinner (%u) and the bystander (%u)",
		   spinner, bystander);
	getinfo(spinner);
	test_check(info.state == RV_DOMSTATE_running && info.weight == 256 && !info.flags &&
		   info.memory_kib == 2048 && info.max_memory_kib == 2048 && info.cpu_ns > 0 &&
		   info.entries > 0, "spinner: running, weight %u, %u KiB, %llu ns of CPU, %llu entries",
		   info.weight, info.memory_kib, (unsigned long long)info.cpu_ns,
		   (unsigned long long)info.entries);
	test_check(getinfo(60000) == -RV_ESRCH, "getinfo past the last domain: -ESRCH");
	test_check(hv_domctl(RV_DOMCTL_getinfo, 0, (uint32_t)&info, sizeof(info) - 1) == -RV_EINVAL,
		   "getinfo with a wrong size: -EINVAL");
	test_check(hv_domctl(RV_DOMCTL_getinfo, 0, 0x1000, sizeof(info)) == -RV_EFAULT,
		   "getinfo into an unmapped buffer: -EFAULT");
	test_check(hv_domctl(RV_DOMCTL_count, me, 0, 0) == -RV_ENOSYS, "an unknown command: -ENOSYS");
}

static void test_pause(uint32_t me, uint32_t spinner)
{
	test_check(hv_domctl(RV_DOMCTL_pause, spinner, 0, 0) == 0, "pause the spinner");
	uint64_t before = cpu_of(spinner);
	test_check(info.state == RV_DOMSTATE_paused && info.pause_count == 1, "its state: paused");
	guest_let_run(60);
	uint64_t after = cpu_of(spinner);
	test_check(after == before, "paused: its CPU time stands still (%llu ns, then %llu ns)",
		   (unsigned long long)before, (unsigned long long)after);
	test_check(hv_domctl(RV_DOMCTL_pause, spinner, 0, 0) == 0 &&
		   hv_domctl(RV_DOMCTL_unpause, spinner, 0, 0) == 0, "pauses nest");
	guest_let_run(30);
	test_check(cpu_of(spinner) == before, "one unpause of two: still paused");
	test_check(hv_domctl(RV_DOMCTL_unpause, spinner, 0, 0) == 0, "unpause");
	guest_let_run(60);
	test_check(cpu_of(spinner) > before && info.state == RV_DOMSTATE_running,
		   "unpaused: it runs again (%llu ns)", (unsigned long long)info.cpu_ns);
	test_check(hv_domctl(RV_DOMCTL_unpause, spinner, 0, 0) == -RV_EALREADY,
		   "unpause with no pause left: -EALREADY");
	test_check(hv_domctl(RV_DOMCTL_pause, me, 0, 0) == -RV_EINVAL &&
		   hv_domctl(RV_DOMCTL_destroy, me, 0, 0) == -RV_EINVAL,
		   "Domain 0 may not pause or destroy itself: -EINVAL");
	test_check(hv_domctl(RV_DOMCTL_pause, 0, 0, 0) == -RV_ESRCH &&
		   hv_domctl(RV_DOMCTL_pause, 9999, 0, 0) == -RV_ESRCH &&
		   hv_domctl(RV_DOMCTL_destroy, 70000, 0, 0) == -RV_ESRCH,
		   "no such domain (0, 9999, 70000): -ESRCH");
}

static void test_limits(uint32_t spinner)
{
	test_check(hv_domctl(RV_DOMCTL_set_weight, spinner, 0, 0) == -RV_ERANGE &&
		   hv_domctl(RV_DOMCTL_set_weight, spinner, 65536, 0) == -RV_ERANGE,
		   "weight 0 or 65536: -ERANGE");
	test_check(hv_domctl(RV_DOMCTL_set_weight, spinner, 512, 0) == 0 && getinfo(spinner) &&
		   info.weight == 512, "weight 512 set (%u)", info.weight);
	test_check(hv_domctl(RV_DOMCTL_set_memory, spinner, 4096, 0) == -RV_ERANGE,
		   "quota above its built size: -ERANGE");
	test_check(hv_domctl(RV_DOMCTL_set_memory, spinner, 1024, 0) == -RV_EBUSY,
		   "quota below what it holds: -EBUSY");
	test_check(hv_domctl(RV_DOMCTL_set_memory, spinner, 2047, 0) == -RV_EINVAL &&
		   hv_domctl(RV_DOMCTL_set_memory, spinner, 0, 0) == -RV_EINVAL,
		   "quota not whole pages, or 0: -EINVAL");
	test_check(hv_domctl(RV_DOMCTL_set_memory, spinner, 2048, 0) == 0, "quota of its size: set");
}

static void test_console(uint32_t spinner)
{
	struct rv_domctl_console c = { 0, (uint32_t)text, sizeof(text), 0, 0, 0, 0 };
	int32_t got = hv_domctl(RV_DOMCTL_console_read, spinner, (uint32_t)&c, sizeof(c));
	test_check(got > 0 && (uint32_t)got == c.got && c.next == (uint64_t)got && !c.lost &&
		   guest_contains(text, (size_t)got, "spinning with events masked"),
		   "console_read: the spinner's output (%d bytes)", got);
	c.pos = c.next;
	test_check(hv_domctl(RV_DOMCTL_console_read, spinner, (uint32_t)&c, sizeof(c)) == 0 &&
		   c.next == c.pos, "console_read from the end: nothing new");
	c.buf = 0x1000;
	c.pos = 0;
	test_check(hv_domctl(RV_DOMCTL_console_read, spinner, (uint32_t)&c, sizeof(c)) == -RV_EFAULT,
		   "console_read into an unmapped buffer: -EFAULT");
	test_check(hv_domctl(RV_DOMCTL_console_write, spinner, (uint32_t)"ls\n", 3) == 3,
		   "console_write: 3 bytes typed");
	test_check(hv_domctl(RV_DOMCTL_console_write, spinner, (uint32_t)text, 257) == -RV_E2BIG,
		   "console_write of 257 bytes: -E2BIG");
	/* The spinner never reads: its 256-byte input ring fills up. */
	int32_t a = hv_domctl(RV_DOMCTL_console_write, spinner, (uint32_t)text, 256);
	int32_t b = hv_domctl(RV_DOMCTL_console_write, spinner, (uint32_t)text, 10);
	test_check(a == 253 && b == 0, "a full input ring takes what fits (%d, then %d)", a, b);
}

static void test_exits(uint32_t spinner)
{
	static struct rv_domctl_exits x;
	int32_t n = hv_domctl(RV_DOMCTL_exits, spinner, (uint32_t)&x, sizeof(x));
	bool sorted = true, named = true;
	uint64_t sum = 0;
	for (int32_t i = 0; i < n; i++) {
		sum += x.e[i].count;
		named &= x.e[i].name[0] != 0 && x.e[i].count > 0;
		if (i && x.e[i].count > x.e[i - 1].count)
			sorted = false;
	}
	test_check(n > 0 && (uint32_t)n == x.count && sorted && named && sum <= x.total,
		   "exits: %d causes, most frequent first ('%s', %llu), %llu entries in all", n,
		   x.e[0].name, (unsigned long long)x.e[0].count, (unsigned long long)x.total);
	test_check(hv_domctl(RV_DOMCTL_exits, spinner, (uint32_t)&x, 12) == -RV_EINVAL,
		   "exits with a wrong size: -EINVAL");
}

static void test_create(void)
{
	const void *k = (const void *)start_info->initrd;
	uint32_t klen = start_info->initrd_len;
	struct rv_domctl_create c;

	test_check(k && klen > 4, "tiny.elf is this domain's initrd (%u bytes)", klen);
	int32_t id = create("name = \"child\"\nkernel = \"tiny.elf\"\nmemory = 4\n", k, klen, 0);
	test_check(id > 0 && getinfo((uint32_t)id) == id && !strcmp(info.name, "child") &&
		   info.state == RV_DOMSTATE_paused && info.memory_kib == 4096,
		   "create: domain %d 'child', paused, %u KiB ('%s')", id, info.memory_kib, err);
	guest_let_run(30);
	test_check(getinfo((uint32_t)id) == id && info.cpu_ns == 0, "a created domain waits paused");
	test_check(hv_domctl(RV_DOMCTL_unpause, (uint32_t)id, 0, 0) == 0, "unpause it");
	guest_let_run(200);
	test_check(getinfo((uint32_t)id) != id, "it ran and powered off (gone from the list)");

	id = create("name = \"child2\"\nkernel = \"tiny.elf\"\nmemory = 4M\n", k, klen,
		    RV_CREATE_START);
	test_check(id > 0 && getinfo((uint32_t)id) == id && info.state != RV_DOMSTATE_paused,
		   "create with RV_CREATE_START: domain %d runs at once", id);
	test_check(hv_domctl(RV_DOMCTL_destroy, (uint32_t)id, 0, 0) == 0 &&
		   getinfo((uint32_t)id) != id, "destroy it: gone");

	id = create("name = \"spinner\"\nkernel = \"tiny.elf\"\n", k, klen, 0);
	test_check(id == -RV_EEXIST && guest_contains(err, sizeof(err), "taken"),
		   "a name in use: -EEXIST ('%s')", err);
	id = create("name = \"c3\"\nkernel = \"tiny.elf\"\nmemory = lots\n", k, klen, 0);
	test_check(id == -RV_EINVAL && guest_contains(err, sizeof(err), "line 3"),
		   "a config that does not parse: -EINVAL ('%s')", err);
	id = create("name = \"c3\"\nkernel = \"tiny.elf\"\nprivileged = 1\n", k, klen, 0);
	test_check(id == -RV_EPERM, "a second Domain 0: -EPERM ('%s')", err);
	id = create("name = \"c3\"\nkernel = \"tiny.elf\"\nmode = hw\ndisk = \"d.img\"\n", k, klen, 0);
	test_check(id == -RV_EOPNOTSUPP, "a hw domain with a disk: -EOPNOTSUPP ('%s')", err);
	id = create("name = \"c3\"\nkernel = \"tiny.elf\"\nmode = hw\nfs = \"/e\"\n", k, klen, 0);
	test_check(id == -RV_EOPNOTSUPP && guest_contains(err, sizeof(err), "fs"),
		   "a hw domain with a forwarded file tree: -EOPNOTSUPP ('%s')", err);
	id = create("name = \"c3\"\nkernel = \"tiny.elf\"\n", text, sizeof(text), 0);
	test_check(id == -RV_ENOEXEC, "a kernel that is not one: -ENOEXEC ('%s')", err);
	id = create("name = \"c3\"\nkernel = \"tiny.elf\"\nmemory = 512M\n", k, klen, 0);
	test_check(id == -RV_ENOMEM, "512 MiB on a 256 MiB machine: -ENOMEM ('%s')", err);
	id = create("name = \"c3\"\nkernel = \"tiny.elf\"\n", k, RV_CREATE_IMAGE_MAX + 1, 0);
	test_check(id == -RV_E2BIG, "a kernel over the limit: -E2BIG ('%s')", err);
	id = create("name = \"c3\"\nkernel = \"tiny.elf\"\n", (const void *)0x1000, klen, 0);
	test_check(id == -RV_EFAULT, "a kernel at an unmapped address: -EFAULT ('%s')", err);
	id = create("name = \"c3\"\nkernel = \"tiny.elf\"\n", k, klen, 0x80);
	test_check(id == -RV_EINVAL, "unknown flags: -EINVAL ('%s')", err);
	id = create("", k, klen, 0);
	test_check(id == -RV_EINVAL, "an empty config: -EINVAL ('%s')", err);
	memset(&c, 0, sizeof(c));
	test_check(hv_domctl(RV_DOMCTL_create, (uint32_t)&c, sizeof(c) + 4, 0) == -RV_EINVAL &&
		   hv_domctl(RV_DOMCTL_create, 0x1000, sizeof(c), 0) == -RV_EFAULT,
		   "create with a wrong size or an unmapped request: -EINVAL, -EFAULT");
	test_check(find("c3") == 0, "no refused create left a domain behind");
}

/* set_device: the toolstack's split-device entries, each wrong way refused
 * with its own error, and only before the domain first runs. */
static void test_devices(uint32_t me, uint32_t spinner)
{
	const void *k = (const void *)start_info->initrd;
	uint32_t klen = start_info->initrd_len;
	struct rv_device dev = { .type = RV_DEV_vbd, .backend = (uint16_t)me, .port = 9,
				 .ring_ref = 8, .name = "xvda" };
	int32_t id = create("name = \"dev\"\nkernel = \"tiny.elf\"\nmemory = 4\n"
			    "disk = \"/disk/d.img,xvda\"\n", k, klen, 0);
	test_check(id > 0, "a pv domain with disk = is created (the disk is the toolstack's): "
		   "domain %d ('%s')", id, err);
	uint32_t d = (uint32_t)id;
	struct rv_device bad;
#define REFUSED(change, want, what)                                                     \
	do {                                                                            \
		bad = dev;                                                              \
		change;                                                                 \
		int32_t r_ = hv_domctl(RV_DOMCTL_set_device, d, 0, (uint32_t)&bad);     \
		test_check(r_ == (want), "set_device, " what ": %d", r_);               \
	} while (0)
	REFUSED(bad.type = 3, -RV_EINVAL, "an unknown type: -EINVAL");
	REFUSED(bad.flags = 2, -RV_EINVAL, "an unknown flag: -EINVAL");
	REFUSED(memset(bad.name, 'x', sizeof(bad.name)), -RV_EINVAL, "a name without its NUL: -EINVAL");
	REFUSED(bad.name[0] = 0, -RV_EINVAL, "an empty name: -EINVAL");
	REFUSED(bad.ring_ref = 7, -RV_EINVAL, "ring_ref 7: -EINVAL");
	REFUSED(bad.ring_ref = 16, -RV_EINVAL, "ring_ref 16: -EINVAL");
	REFUSED(bad.backend = 60, -RV_ESRCH, "a backend that does not exist: -ESRCH");
	REFUSED(bad.backend = (uint16_t)d, -RV_ESRCH, "the domain as its own backend: -ESRCH");
	test_check(hv_domctl(RV_DOMCTL_set_device, d, RV_DEVICES_MAX, (uint32_t)&dev) == -RV_ERANGE,
		   "slot %u: -ERANGE", RV_DEVICES_MAX);
	test_check(hv_domctl(RV_DOMCTL_set_device, d, 0, 0x1000) == -RV_EFAULT,
		   "an unmapped entry: -EFAULT");
	test_check(hv_domctl(RV_DOMCTL_set_device, 60, 0, (uint32_t)&dev) == -RV_ESRCH,
		   "a domain that does not exist: -ESRCH");
	test_check(hv_domctl(RV_DOMCTL_set_device, spinner, 0, (uint32_t)&dev) == -RV_EBUSY,
		   "a domain that has run already: -EBUSY");
	test_check(hv_domctl(RV_DOMCTL_set_device, d, 1, (uint32_t)&dev) == 0,
		   "a good entry in slot 1 of the paused domain: 0");
	test_check(hv_domctl(RV_DOMCTL_suspend, d, 0, 0) == -RV_ENODEV,
		   "a domain with a split device cannot be suspended: -ENODEV");
	bad = dev;
	bad.type = RV_DEV_none;
	test_check(hv_domctl(RV_DOMCTL_set_device, d, 1, (uint32_t)&bad) == 0,
		   "the slot cleared again: 0");
#undef REFUSED
	test_check(hv_domctl(RV_DOMCTL_destroy, d, 0, 0) == 0 && find("dev") == 0,
		   "destroy it: gone");
}

void guest_main(void)
{
	uint32_t me = start_info->domid;
	/* Found before they run: the bystander's whole checksum takes about
	 * 35 ms of CPU, and may be over by the time the spinner has some. */
	uint32_t spinner = find("spinner"), bystander = find("bystander");
	guest_let_run(50);            /* the others have run a little */

	test_list(me, spinner, bystander);
	test_pause(me, spinner);
	test_limits(spinner);
	test_console(spinner);
	test_exits(spinner);
	test_create();
	test_devices(me, spinner);
	test_check(hv_domctl(RV_DOMCTL_destroy, spinner, 0, 0) == 0 && find("spinner") == 0,
		   "destroy the spinner: gone from the list");
	test_check(hv_domctl(RV_DOMCTL_destroy, spinner, 0, 0) == -RV_ESRCH,
		   "destroy it again: -ESRCH");
	/* The bystander finishes on its own and reports. */
}
