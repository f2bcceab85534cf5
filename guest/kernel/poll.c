/*
 * ringos: poll(2) and select(2) (include/poll.h). One scan of the
 * descriptors asks each file what it is ready for; with nothing ready the
 * caller sleeps on the poll channel until a wake-up, a signal or its
 * deadline, then scans again. The timeouts are Linux's: poll in
 * milliseconds (negative: forever), ppoll and pselect6 a timespec (32- or
 * 64-bit time), select a timeval it updates with the time left.
 */
#include "poll.h"
#include "uapi/errno.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"

#define NO_DEADLINE     UINT64_MAX
#define POLL_MAX_FDS    1024
#define FD_SETSIZE      1024

static char poll_chan;

void poll_wake(void)
{
	wake_up(&poll_chan);
}

/* Sleep until something may have changed, or the deadline: 0, or
 * -ERESTARTSYS/-EINTR for a signal. Input from the console may arrive
 * between the scan and the sleep, so sleeps are bounded to 50 ms. */
static int poll_sleep(uint64_t deadline)
{
	uint64_t wake = arch_time_ns() + 50000000ull;
	if (signal_pending(curproc))
		return -ERESTARTSYS;
	return sleep_on_timeout(&poll_chan, deadline < wake ? deadline : wake);
}

/* ---- poll ---- */

struct pollfd32 {
	int32_t fd;
	int16_t events, revents;
};

static long do_poll(uint32_t ufds, uint32_t nfds, uint64_t deadline)
{
	struct pollfd32 *pf;
	long ready;

	if (nfds > POLL_MAX_FDS)
		return -EINVAL;
	pf = kmalloc(nfds ? nfds * sizeof(*pf) : 1);
	if (!pf)
		return -ENOMEM;
	if (copy_from_user(pf, ufds, nfds * sizeof(*pf))) {
		kfree(pf);
		return -EFAULT;
	}
	for (;;) {
		ready = 0;
		for (uint32_t i = 0; i < nfds; i++) {
			unsigned want = (uint16_t)pf[i].events | POLLERR | POLLHUP, got;
			if (pf[i].fd < 0) {
				pf[i].revents = 0;
				continue;
			}
			struct file *file = fd_get(curproc, (uint32_t)pf[i].fd);
			got = file ? file_poll(file) & want : POLLNVAL;
			pf[i].revents = (int16_t)got;
			if (got)
				ready++;
		}
		if (ready || arch_time_ns() >= deadline)
			break;
		int rc = poll_sleep(deadline);
		if (rc) {
			kfree(pf);
			return -EINTR;          /* Linux restarts poll only without a handler: keep it simple */
		}
	}
	for (uint32_t i = 0; i < nfds; i++)
		if (copy_to_user(ufds + i * sizeof(*pf) + offsetof(struct pollfd32, revents),
				 &pf[i].revents, sizeof(pf[i].revents))) {
			ready = -EFAULT;
			break;
		}
	kfree(pf);
	return ready;
}

static uint64_t deadline_ms(int32_t ms)
{
	return ms < 0 ? NO_DEADLINE : arch_time_ns() + (uint64_t)ms * 1000000ull;
}

/* A user timespec as a deadline (none for NULL); 0 or -errno. */
static int deadline_ts(uint32_t uts, bool time64, uint64_t *deadline)
{
	uint64_t ns;
	int rc;
	if (!uts) {
		*deadline = NO_DEADLINE;
		return 0;
	}
	if ((rc = get_timespec(uts, time64, &ns)))
		return rc;
	*deadline = arch_time_ns() + ns;
	return 0;
}

/* ppoll/pselect6's signal mask, in force while waiting. */
static int mask_swap(uint32_t umask, uint32_t size, uint64_t *saved)
{
	uint64_t m;
	*saved = curproc->sig_blocked;
	if (!umask)
		return 0;
	if (size != 8)
		return -EINVAL;
	if (copy_from_user(&m, umask, sizeof(m)))
		return -EFAULT;
	curproc->sig_blocked = m & ~(SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP));
	return 0;
}

/* After the wait: a handler for a signal the temporary mask let in must
 * run with the caller's mask restored afterwards (as rt_sigsuspend). */
static void mask_restore(uint64_t saved, long rc)
{
	if (rc == -EINTR && signal_pending(curproc)) {
		curproc->saved_blocked = saved;
		curproc->restore_blocked = true;
	} else {
		curproc->sig_blocked = saved;
	}
}

long sys_poll(struct trap_frame *f)
{
	return do_poll(f->ebx, f->ecx, deadline_ms((int32_t)f->edx));
}

/* ppoll(fds, nfds, timeout, sigmask, sigsetsize); 414 is the time64 one. */
long sys_ppoll(struct trap_frame *f)
{
	uint64_t deadline, saved;
	int rc = deadline_ts(f->edx, f->eax == 414, &deadline);
	if (rc || (rc = mask_swap(f->esi, f->edi, &saved)))
		return rc;
	long r = do_poll(f->ebx, f->ecx, deadline);
	mask_restore(saved, r);
	return r;
}

/* ---- select ---- */

static long do_select(int nfds, uint32_t uin, uint32_t uout, uint32_t uex, uint64_t deadline)
{
	uint32_t in[FD_SETSIZE / 32], out[FD_SETSIZE / 32], ex[FD_SETSIZE / 32];
	uint32_t rin[FD_SETSIZE / 32], rout[FD_SETSIZE / 32];
	uint32_t words;
	long ready;

	if (nfds < 0 || nfds > FD_SETSIZE)
		return -EINVAL;
	words = ((uint32_t)nfds + 31) / 32;
	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	memset(ex, 0, sizeof(ex));
	if ((uin && copy_from_user(in, uin, words * 4)) ||
	    (uout && copy_from_user(out, uout, words * 4)) ||
	    (uex && copy_from_user(ex, uex, words * 4)))
		return -EFAULT;
	for (int fd = 0; fd < nfds; fd++)
		if (((in[fd / 32] | out[fd / 32] | ex[fd / 32]) >> (fd % 32) & 1) &&
		    !fd_get(curproc, (uint32_t)fd))
			return -EBADF;
	for (;;) {
		ready = 0;
		memset(rin, 0, sizeof(rin));
		memset(rout, 0, sizeof(rout));
		for (int fd = 0; fd < nfds; fd++) {
			uint32_t bit = 1u << (fd % 32);
			if (!((in[fd / 32] | out[fd / 32]) & bit))
				continue;
			unsigned m = file_poll(fd_get(curproc, (uint32_t)fd));
			if ((in[fd / 32] & bit) && (m & (POLLIN | POLLHUP | POLLERR))) {
				rin[fd / 32] |= bit;
				ready++;
			}
			if ((out[fd / 32] & bit) && (m & (POLLOUT | POLLERR))) {
				rout[fd / 32] |= bit;
				ready++;
			}
		}
		if (ready || arch_time_ns() >= deadline)
			break;
		if (poll_sleep(deadline))
			return -EINTR;
	}
	memset(ex, 0, sizeof(ex));      /* no exceptional conditions exist here */
	if ((uin && copy_to_user(uin, rin, words * 4)) ||
	    (uout && copy_to_user(uout, rout, words * 4)) ||
	    (uex && copy_to_user(uex, ex, words * 4)))
		return -EFAULT;
	return ready;
}

/* _newselect(nfds, in, out, ex, struct timeval *): the time left goes back. */
long sys_select(struct trap_frame *f)
{
	uint64_t deadline = NO_DEADLINE;
	uint32_t tv[2];
	if (f->edi) {
		if (copy_from_user(tv, f->edi, sizeof(tv)))
			return -EFAULT;
		if ((int32_t)tv[0] < 0 || tv[1] >= 1000000u)
			return -EINVAL;
		deadline = arch_time_ns() + tv[0] * 1000000000ull + tv[1] * 1000ull;
	}
	long r = do_select((int)f->ebx, f->ecx, f->edx, f->esi, deadline);
	if (f->edi && r >= 0) {
		uint64_t now = arch_time_ns(), left = deadline > now ? deadline - now : 0;
		tv[0] = (uint32_t)(left / 1000000000ull);
		tv[1] = (uint32_t)(left % 1000000000ull / 1000);
		if (copy_to_user(f->edi, tv, sizeof(tv)))
			return -EFAULT;
	}
	return r;
}

/* pselect6(nfds, in, out, ex, timespec, {sigmask *, size}); 413: time64. */
long sys_pselect6(struct trap_frame *f)
{
	uint64_t deadline, saved;
	uint32_t sm[2] = { 0, 0 };
	int rc = deadline_ts(f->edi, f->eax == 413, &deadline);
	if (rc)
		return rc;
	if (f->ebp && copy_from_user(sm, f->ebp, sizeof(sm)))
		return -EFAULT;
	if ((rc = mask_swap(sm[0], sm[1], &saved)))
		return rc;
	long r = do_select((int)f->ebx, f->ecx, f->edx, f->esi, deadline);
	mask_restore(saved, r);
	return r;
}
