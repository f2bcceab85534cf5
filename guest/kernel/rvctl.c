/*
 * /dev/rvctl (uapi/rvctl.h): Domain 0's programs reach the control
 * hypercall (public/domctl.h) through one ioctl, like Xen's privcmd. The
 * node exists only when the hypervisor built this kernel as Domain 0.
 *
 * The hypervisor reads and writes the buffers a command names through the
 * current address space with the kernel's rights, so ringos must not hand
 * it a pointer a program chose without checking it first: a program could
 * otherwise make the hypervisor read or write the kernel for it. Each
 * command's pointers are checked to lie in the program's memory and are
 * faulted in (user_range_ready); structures that hold pointers are copied
 * into the kernel first and passed from there, so the program cannot
 * change them between the check and the call. ringos does not preempt
 * its kernel, so nothing unmaps a checked page before the hypervisor is
 * done with it. A command ringos does not know is refused (-EINVAL):
 * its pointers could not be checked.
 */
#include "kernel.h"
#include "arch.h"
#include "proc.h"
#include "rvctl.h"
#include "rvback.h"
#include "file.h"
#include "uapi/errno.h"
#include "uapi/rvctl.h"
#include <public/domctl.h>
#include <public/start_info.h>

static long create(uint32_t ureq, uint32_t size)
{
	struct rv_domctl_create c;

	if (size != sizeof(c))
		return -EINVAL;
	if (copy_from_user(&c, ureq, sizeof(c)))
		return -EFAULT;
	/* The hypervisor's limits first: nothing is faulted in for a request
	 * it would refuse anyway. */
	if (c.config_len > RV_CREATE_CONFIG_MAX || c.kernel_len > RV_CREATE_IMAGE_MAX ||
	    c.initrd_len > RV_CREATE_IMAGE_MAX)
		return -E2BIG;
	if (user_range_ready(c.config, c.config_len, false) ||
	    user_range_ready(c.kernel, c.kernel_len, false) ||
	    user_range_ready(c.initrd, c.initrd_len, false) ||
	    (c.err && user_range_ready(c.err, c.err_len, true)))
		return -EFAULT;
	return arch_domctl(RV_DOMCTL_create, (uint32_t)(uintptr_t)&c, sizeof(c), 0);
}

static long console_read(uint32_t domid, uint32_t ureq, uint32_t size)
{
	struct rv_domctl_console c;

	if (size != sizeof(c))
		return -EINVAL;
	if (copy_from_user(&c, ureq, sizeof(c)) || user_range_ready(c.buf, c.len, true))
		return -EFAULT;
	long r = arch_domctl(RV_DOMCTL_console_read, domid, (uint32_t)(uintptr_t)&c, sizeof(c));
	if (r >= 0 && copy_to_user(ureq, &c, sizeof(c)))
		return -EFAULT;
	return r;
}

/* (domid, struct rv_domctl_xfer *, size): the hypervisor writes (save) or
 * reads (restore_data) len bytes at buf. */
static long xfer(uint32_t cmd, uint32_t domid, uint32_t ureq, uint32_t size)
{
	struct rv_domctl_xfer x;

	if (size != sizeof(x))
		return -EINVAL;
	if (copy_from_user(&x, ureq, sizeof(x)))
		return -EFAULT;
	if (x.len > RV_XFER_MAX)
		return -EINVAL;
	if (user_range_ready(x.buf, x.len, cmd == RV_DOMCTL_save))
		return -EFAULT;
	return arch_domctl(cmd, domid, (uint32_t)(uintptr_t)&x, sizeof(x));
}

static long restore_begin(uint32_t ureq, uint32_t size)
{
	struct rv_domctl_restore r;
	char name[RV_DOMNAME_MAX];

	if (size != sizeof(r))
		return -EINVAL;
	if (copy_from_user(&r, ureq, sizeof(r)))
		return -EFAULT;
	if (user_range_ready(r.meta, r.meta_len, false) ||
	    (r.err && user_range_ready(r.err, r.err_len, true)))
		return -EFAULT;
	if (r.name) {
		long n = strncpy_from_user(name, r.name, sizeof(name));
		if (n < 0)
			return n == -ENAMETOOLONG ? -EINVAL : n;
		r.name = (uint32_t)(uintptr_t)name;
	}
	return arch_domctl(RV_DOMCTL_restore_begin, (uint32_t)(uintptr_t)&r, sizeof(r), 0);
}

long rvctl_ioctl(struct file *f, uint32_t req, uint32_t uarg)
{
	struct rvctl_domctl d;

	if (req != RVCTL_DOMCTL)
		return rvback_ioctl(&f->rvb, req, uarg);        /* channels, grant copy */
	if (copy_from_user(&d, uarg, sizeof(d)))
		return -EFAULT;
	switch (d.cmd) {
	case RV_DOMCTL_suspend:
	case RV_DOMCTL_pause:
	case RV_DOMCTL_unpause:
	case RV_DOMCTL_destroy:
	case RV_DOMCTL_set_weight:
	case RV_DOMCTL_set_memory:
		return arch_domctl(d.cmd, d.arg[0], d.arg[1], 0);
	case RV_DOMCTL_getinfo:
	case RV_DOMCTL_exits:
		/* (domid, buffer, size): the hypervisor writes the buffer. */
		if (user_range_ready(d.arg[1], d.arg[2], true))
			return -EFAULT;
		return arch_domctl(d.cmd, d.arg[0], d.arg[1], d.arg[2]);
	case RV_DOMCTL_console_write:
		if (user_range_ready(d.arg[1], d.arg[2], false))
			return -EFAULT;
		return arch_domctl(d.cmd, d.arg[0], d.arg[1], d.arg[2]);
	case RV_DOMCTL_create:
		return create(d.arg[0], d.arg[1]);
	case RV_DOMCTL_console_read:
		return console_read(d.arg[0], d.arg[1], d.arg[2]);
	case RV_DOMCTL_save:
	case RV_DOMCTL_restore_data:
		return xfer(d.cmd, d.arg[0], d.arg[1], d.arg[2]);
	case RV_DOMCTL_memsum:
		if (user_range_ready(d.arg[1], 8, true))
			return -EFAULT;
		return arch_domctl(d.cmd, d.arg[0], d.arg[1], 0);
	case RV_DOMCTL_restore_begin:
		return restore_begin(d.arg[0], d.arg[1]);
	case RV_DOMCTL_physinfo:
		/* (buffer, size): the hypervisor writes size bytes. */
		if (user_range_ready(d.arg[0], d.arg[1], true))
			return -EFAULT;
		return arch_domctl(d.cmd, d.arg[0], d.arg[1], 0);
	case RV_DOMCTL_set_device: {
		/* (domid, slot, entry): the entry copied in first. */
		struct rv_device dev;
		if (copy_from_user(&dev, d.arg[2], sizeof(dev)))
			return -EFAULT;
		return arch_domctl(d.cmd, d.arg[0], d.arg[1], (uint32_t)(uintptr_t)&dev);
	}
	case RV_DOMCTL_restore_finish:
		if (d.arg[1] && user_range_ready(d.arg[1], d.arg[2], true))
			return -EFAULT;
		return arch_domctl(d.cmd, d.arg[0], d.arg[1], d.arg[2]);
	default:
		return -EINVAL;
	}
}
