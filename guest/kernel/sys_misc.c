/*
 * ringos: uname, and time: the clocks and sleeping, from the port's tick
 * (TICK_HZ a second). Memory calls are in vm.c.
 */
#include "errno.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"

long sys_uname(struct trap_frame *f)
{
	static const char *const fields[6] = { "ringos", "ringos", "0.1", "#1", "i686", "(none)" };
	char u[6 * 65];
	memset(u, 0, sizeof(u));
	for (int i = 0; i < 6; i++)
		memcpy(u + i * 65, fields[i], strlen(fields[i]));
	return copy_to_user(f->ebx, u, sizeof(u)) ? -EFAULT : 0;
}

static uint64_t now_ns(void)
{
	return arch_time_ns();
}

long sys_clock_gettime(struct trap_frame *f)
{
	uint64_t ns = now_ns();
	uint32_t ts[2] = { (uint32_t)(ns / 1000000000u), (uint32_t)(ns % 1000000000u) };
	if (f->ebx > 7)
		return -EINVAL;
	return copy_to_user(f->ecx, ts, sizeof(ts)) ? -EFAULT : 0;
}

long sys_clock_gettime64(struct trap_frame *f)
{
	uint64_t ns = now_ns();
	int64_t ts[2] = { (int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u) };
	if (f->ebx > 7)
		return -EINVAL;
	return copy_to_user(f->ecx, ts, sizeof(ts)) ? -EFAULT : 0;
}

long sys_gettimeofday(struct trap_frame *f)
{
	uint64_t ns = now_ns();
	uint32_t tv[2] = { (uint32_t)(ns / 1000000000u), (uint32_t)(ns / 1000 % 1000000u) };
	if (f->ebx && copy_to_user(f->ebx, tv, sizeof(tv)))
		return -EFAULT;
	return 0;
}

long sys_time(struct trap_frame *f)
{
	uint32_t t = (uint32_t)(now_ns() / 1000000000u);
	if (f->ebx && copy_to_user(f->ebx, &t, sizeof(t)))
		return -EFAULT;
	return (long)t;
}

static long sleep_ns(uint64_t ns)
{
	uint64_t until = now_ns() + ns;
	while (now_ns() < until)
		if (sleep_until(until))
			return -EINTR;  /* Linux does not restart nanosleep after a handler */
	return 0;
}

/* A timespec's sleep: relative, or until an absolute clock time. */
static long sleep_timespec(int64_t sec, int64_t nsec, bool absolute)
{
	if (sec < 0 || nsec < 0 || nsec >= 1000000000)
		return -EINVAL;
	uint64_t ns = (uint64_t)sec * 1000000000u + (uint64_t)nsec;
	if (absolute) {
		uint64_t now = now_ns();
		ns = ns > now ? ns - now : 0;
	}
	return sleep_ns(ns);
}

long sys_nanosleep(struct trap_frame *f)
{
	int32_t ts[2];
	if (copy_from_user(ts, f->ebx, sizeof(ts)))
		return -EFAULT;
	return sleep_timespec(ts[0], ts[1], false);
}

/* clock_nanosleep(clock, flags, request, remaining), 32- and 64-bit timespecs. */
long sys_clock_nanosleep(struct trap_frame *f)
{
	int32_t ts[2];
	if (copy_from_user(ts, f->edx, sizeof(ts)))
		return -EFAULT;
	return sleep_timespec(ts[0], ts[1], f->ecx & 1);        /* TIMER_ABSTIME */
}

long sys_clock_nanosleep64(struct trap_frame *f)
{
	int64_t ts[2];
	if (copy_from_user(ts, f->edx, sizeof(ts)))
		return -EFAULT;
	return sleep_timespec(ts[0], ts[1], f->ecx & 1);
}
