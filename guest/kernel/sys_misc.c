/*
 * ringos: uname, and time: the clocks and sleeping, from the port's tick
 * (TICK_HZ a second). Memory calls are in vm.c.
 */
#include "uapi/errno.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"
#include "file.h"

static char hostname[65] = "ringos", domainname[65] = "(none)";

long sys_uname(struct trap_frame *f)
{
	const char *const fields[6] = { "ringos", hostname, "0.1", "#1", "i686", domainname };
	char u[6 * 65];
	memset(u, 0, sizeof(u));
	for (int i = 0; i < 6; i++)
		memcpy(u + i * 65, fields[i], strlen(fields[i]));
	return copy_to_user(f->ebx, u, sizeof(u)) ? -EFAULT : 0;
}

/* sethostname(name, len), setdomainname(name, len): at most 64 bytes. */
long sys_sethostname(struct trap_frame *f)
{
	char *dst = f->eax == 121 ? domainname : hostname;
	char tmp[65];
	if (f->ecx > 64)
		return -EINVAL;
	if (copy_from_user(tmp, f->ebx, f->ecx))
		return -EFAULT;
	tmp[f->ecx] = '\0';
	memcpy(dst, tmp, f->ecx + 1);
	return 0;
}

/*
 * reboot(magic1, magic2, cmd, arg): power off, halt and restart all end
 * the machine (pc: QEMU's exit device; pv: the domain shuts down); Ctrl-Alt-
 * Del on or off is accepted and changes nothing.
 */
long sys_reboot(struct trap_frame *f)
{
	if (f->ebx != 0xfee1deadu ||
	    (f->ecx != 672274793u && f->ecx != 85072278u && f->ecx != 369367448u && f->ecx != 537993216u))
		return -EINVAL;
	switch (f->edx) {
	case 0x4321fedcu:               /* LINUX_REBOOT_CMD_POWER_OFF */
	case 0xcdef0123u:               /* LINUX_REBOOT_CMD_HALT */
	case 0x01234567u:               /* LINUX_REBOOT_CMD_RESTART */
		kprintf("ringos: %s\n", f->edx == 0x01234567u ? "restart: powering off (no reset here)" :
			"power off");
		fs_shutdown();
		arch_poweroff(0);
	case 0x89abcdefu: case 0:       /* Ctrl-Alt-Del on / off */
		return 0;
	default:
		return -EINVAL;
	}
}

/* sysinfo(2): struct sysinfo for i386 (64 bytes), memory in pages. */
long sys_sysinfo(struct trap_frame *f)
{
	uint32_t si[16], total, free, nprocs = 0;
	memset(si, 0, sizeof(si));
	mem_stats(&total, &free);
	for (int i = 0; i < NPROC; i++)
		if (proc_slot(i)->state != P_FREE)
			nprocs++;
	si[0] = (uint32_t)(arch_time_ns() / 1000000000ull);     /* uptime */
	si[4] = total;                  /* totalram */
	si[5] = free;                   /* freeram */
	si[10] = nprocs;                /* procs (a 16-bit field; the pad is 0) */
	si[13] = PAGE_SIZE;             /* mem_unit */
	return copy_to_user(f->ebx, si, sizeof(si)) ? -EFAULT : 0;
}

/* times(2): struct tms in ticks; returns the ticks since boot. */
long sys_times(struct trap_frame *f)
{
	struct proc *p = curproc;
	uint32_t t[4] = { p->utime, p->stime, p->cutime, p->cstime };
	if (f->ebx && copy_to_user(f->ebx, t, sizeof(t)))
		return -EFAULT;
	return (long)(uint32_t)(arch_time_ns() / (1000000000ull / TICK_HZ));
}

long sys_getrusage(struct trap_frame *f)
{
	return proc_getrusage((int)f->ebx, f->ecx);
}

long sys_umask(struct trap_frame *f)
{
	uint32_t old = curproc->umask;
	curproc->umask = f->ebx & 0777;
	return (long)old;
}

static uint64_t now_ns(void)
{
	return arch_time_ns();
}

/* The wall clock: the port's (RTC or the hypervisor's) at boot, plus the
 * monotonic clock. */
static uint64_t realtime_ns(void)
{
	return arch_boot_wallclock() * 1000000000ull + now_ns();
}

/* Linux's clock ids: REALTIME (0, 5 coarse, 8 alarm, 11 TAI), the
 * process's and thread's CPU time (2, 3), and the monotonic ones (1, 4, 6,
 * 7 boottime, 9 alarm). -1 for an unknown id. */
static int64_t clock_ns(uint32_t id)
{
	switch (id) {
	case 0: case 5: case 8: case 11:
		return (int64_t)realtime_ns();
	case 2: case 3:
		return (int64_t)(curproc->utime + curproc->stime) * (1000000000 / TICK_HZ);
	case 1: case 4: case 6: case 7: case 9:
		return (int64_t)now_ns();
	default:
		return -1;
	}
}

/* clock_gettime (265) and clock_gettime64 (403). */
long sys_clock_gettime(struct trap_frame *f)
{
	int64_t ns = clock_ns(f->ebx);
	if (ns < 0)
		return -EINVAL;
	return put_timespec(f->ecx, f->eax == 403, (uint64_t)ns) ? -EFAULT : 0;
}

/* clock_getres (266) and its time64 form (406): the tick for CPU time,
 * a nanosecond otherwise. */
long sys_clock_getres(struct trap_frame *f)
{
	if (clock_ns(f->ebx) < 0)
		return -EINVAL;
	uint32_t res = f->ebx == 2 || f->ebx == 3 ? 1000000000 / TICK_HZ : 1;
	if (!f->ecx)
		return 0;
	return put_timespec(f->ecx, f->eax == 406, res) ? -EFAULT : 0;
}

long sys_gettimeofday(struct trap_frame *f)
{
	uint64_t ns = realtime_ns();
	uint32_t tv[2] = { (uint32_t)(ns / 1000000000u), (uint32_t)(ns / 1000 % 1000000u) };
	if (f->ebx && copy_to_user(f->ebx, tv, sizeof(tv)))
		return -EFAULT;
	return 0;
}

long sys_time(struct trap_frame *f)
{
	uint32_t t = (uint32_t)(realtime_ns() / 1000000000u);
	if (f->ebx && copy_to_user(f->ebx, &t, sizeof(t)))
		return -EFAULT;
	return (long)t;
}

/*
 * The nanosleeps. A signal ends the sleep: with a handler to run, the call
 * fails with EINTR (and the time left in *rem), as on Linux, which never
 * restarts a sleep after a handler; without one (a stop and a continue),
 * the call is restarted transparently and sleeps only what was left
 * (sleep_resume_at, Linux's restart block).
 */
static long sleep_until_deadline(uint64_t until, uint32_t urem, bool time64)
{
	while (now_ns() < until)
		if (sleep_until(until)) {
			uint64_t now = now_ns();
			curproc->sleep_resume_at = until;
			if (urem && put_timespec(urem, time64, until > now ? until - now : 0))
				return -EFAULT;
			return -ERESTARTNOHAND;
		}
	return 0;
}

/* A timespec's sleep: relative, or until an absolute time of clock. */
static long sleep_timespec(uint32_t clock, uint32_t uts, bool time64, bool absolute, uint32_t urem)
{
	uint64_t until, ns;
	int rc = get_timespec(uts, time64, &ns);
	if (rc)
		return rc;
	if (curproc->sleep_resume_at && !absolute) {
		until = curproc->sleep_resume_at;      /* restarted after a stop */
	} else if (absolute) {
		int64_t now = clock_ns(clock);
		until = now_ns() + (ns > (uint64_t)now ? ns - (uint64_t)now : 0);
	} else {
		until = now_ns() + ns;
	}
	curproc->sleep_resume_at = 0;
	return sleep_until_deadline(until, absolute ? 0 : urem, time64);
}

long sys_nanosleep(struct trap_frame *f)
{
	return sleep_timespec(1, f->ebx, false, false, f->ecx);
}

/* clock_nanosleep(clock, flags, request, remaining): 267, and 407 with
 * 64-bit timespecs. Not on a CPU-time clock. */
long sys_clock_nanosleep(struct trap_frame *f)
{
	if (clock_ns(f->ebx) < 0 || f->ebx == 2 || f->ebx == 3)
		return -EINVAL;
	return sleep_timespec(f->ebx, f->edx, f->eax == 407, f->ecx & 1 /* TIMER_ABSTIME */, f->esi);
}
