/*
 * ringos: reaching user memory from the kernel. Every page of the range is
 * checked in the current process's page tables first (present, user, and
 * writable for a write), so a bad pointer from a program is -EFAULT, never a
 * kernel fault.
 */
#include "proc.h"
#include "uapi/errno.h"
#include "kernel.h"

static int check(uint32_t va, uint32_t len, bool write)
{
	if (!curproc || (uint64_t)va + len > USER_END)
		return -EFAULT;
	for (uint32_t p = va & PAGE_MASK; len && p < va + len; p += PAGE_SIZE) {
		struct pt_walk w;
		if (pt_walk(&arch_pt_env, &curproc->as, p, &w) &&
		    (!user_demand_fault(curproc, p) || pt_walk(&arch_pt_env, &curproc->as, p, &w)))
			return -EFAULT;
		if (write && !w.writable && w.user && user_cow_fault(curproc, p) &&
		    pt_walk(&arch_pt_env, &curproc->as, p, &w))
			return -EFAULT;
		if (!w.user || (write && !w.writable))
			return -EFAULT;
		if (p + PAGE_SIZE < p)
			break;
	}
	return 0;
}

int user_range_ready(uint32_t va, uint32_t len, bool write)
{
	return check(va, len, write);
}

/* The current address space maps the process, so after the check the copy
 * goes straight through its virtual addresses. */
int copy_from_user(void *dst, uint32_t src, uint32_t len)
{
	if (check(src, len, false))
		return -EFAULT;
	memcpy(dst, (const void *)(uintptr_t)src, len);
	return 0;
}

int copy_to_user(uint32_t dst, const void *src, uint32_t len)
{
	if (check(dst, len, true))
		return -EFAULT;
	memcpy((void *)(uintptr_t)dst, src, len);
	return 0;
}

/* A NUL-terminated string: each page checked once, then read up to its
 * NUL. The length without the NUL; -EFAULT; or -ENAMETOOLONG (36) when no
 * NUL comes within size bytes. */
long strncpy_from_user(char *dst, uint32_t src, size_t size)
{
	size_t n = 0;
	while (n < size) {
		uint32_t va = src + (uint32_t)n;
		if (va < src || check(va, 1, false))
			return -EFAULT;
		size_t in_page = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		const char *s = (const char *)(uintptr_t)va;
		for (size_t i = 0; i < in_page && n < size; i++, n++)
			if (!(dst[n] = s[i]))
				return (long)n;
	}
	return -36;
}

/* struct timespec: two 32-bit fields (a signed tv_sec), or with time64 two
 * 64-bit ones (the *_time64 calls). */
int get_timespec(uint32_t uts, bool time64, uint64_t *ns)
{
	int64_t sec, nsec;
	if (time64) {
		int64_t ts[2];
		if (copy_from_user(ts, uts, sizeof(ts)))
			return -EFAULT;
		sec = ts[0];
		nsec = ts[1];
	} else {
		int32_t ts[2];
		if (copy_from_user(ts, uts, sizeof(ts)))
			return -EFAULT;
		sec = ts[0];
		nsec = ts[1];
	}
	if (sec < 0 || nsec < 0 || nsec >= 1000000000 || sec > (int64_t)(UINT64_MAX / 2000000000u))
		return -EINVAL;
	*ns = (uint64_t)sec * 1000000000u + (uint64_t)nsec;
	return 0;
}

int put_timespec(uint32_t uts, bool time64, uint64_t ns)
{
	if (time64) {
		int64_t ts[2] = { (int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u) };
		return copy_to_user(uts, ts, sizeof(ts));
	}
	uint32_t ts[2] = { (uint32_t)(ns / 1000000000u), (uint32_t)(ns % 1000000000u) };
	return copy_to_user(uts, ts, sizeof(ts));
}
