/*
 * ringos: anonymous memory (mmap2/munmap), uname, and time: the clocks and
 * sleeping, from the port's tick (TICK_HZ a second).
 */
#include "errno.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"

#define MAP_FIXED       0x10
#define MAP_ANONYMOUS   0x20
#define PROT_WRITE      2
#define ENODEV_         19

long sys_mmap2(struct trap_frame *f)
{
	uint32_t addr = f->ebx, len = f->ecx, prot = f->edx, flags = f->esi;
	struct proc *p = curproc;

	if (!(flags & MAP_ANONYMOUS) || (int32_t)f->edi != -1)
		return -ENODEV_;        /* file mappings: later */
	if (!len || len > 0x40000000u)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (flags & MAP_FIXED) {
		if (addr & (PAGE_SIZE - 1) || (uint64_t)addr + len > USER_STACK_TOP - USER_STACK_SIZE)
			return -EINVAL;
	} else {
		addr = p->mmap_next;
		if ((uint64_t)addr + len > USER_STACK_TOP - USER_STACK_SIZE)
			return -ENOMEM;
		p->mmap_next += len;
	}
	if (user_map_zero(p, addr, addr + len, true))
		return -ENOMEM;
	if (!(prot & PROT_WRITE))
		user_map_zero(p, addr, addr + len, false);
	return (long)addr;
}

long sys_munmap(struct trap_frame *f)
{
	uint32_t addr = f->ebx, len = ALIGN_UP(f->ecx, PAGE_SIZE);
	if (addr & (PAGE_SIZE - 1) || (uint64_t)addr + len > USER_END || !len)
		return -EINVAL;
	for (uint32_t va = addr; va < addr + len; va += PAGE_SIZE) {
		struct pt_walk w;
		if (pt_walk(&arch_pt_env, &curproc->as, va, &w) == 0 && w.user &&
		    pt_unmap_page(&arch_pt_env, &curproc->as, va) == 0)
			frame_release(w.pa & ~(paddr_t)(PAGE_SIZE - 1));
	}
	arch_switch_address_space(&curproc->as);        /* flush */
	return 0;
}

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

long sys_nanosleep(struct trap_frame *f)
{
	uint32_t ts[2];
	if (copy_from_user(ts, f->ebx, sizeof(ts)))
		return -EFAULT;
	if (ts[1] >= 1000000000u)
		return -EINVAL;
	return sleep_ns((uint64_t)ts[0] * 1000000000u + ts[1]);
}

/* clock_nanosleep with a 32-bit timespec: clock, flags, request, remaining. */
long sys_clock_nanosleep(struct trap_frame *f)
{
	int32_t ts[2];
	if (copy_from_user(ts, f->edx, sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
		return -EINVAL;
	uint64_t ns = (uint64_t)ts[0] * 1000000000u + (uint64_t)ts[1];
	if (f->ecx & 1) {                       /* TIMER_ABSTIME */
		uint64_t now = now_ns();
		ns = ns > now ? ns - now : 0;
	}
	return sleep_ns(ns);
}

long sys_clock_nanosleep64(struct trap_frame *f)
{
	int64_t ts[2];
	if (copy_from_user(ts, f->edx, sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
		return -EINVAL;
	uint64_t ns = (uint64_t)ts[0] * 1000000000u + (uint64_t)ts[1];
	if (f->ecx & 1) {                       /* TIMER_ABSTIME */
		uint64_t now = now_ns();
		ns = ns > now ? ns - now : 0;
	}
	return sleep_ns(ns);
}
