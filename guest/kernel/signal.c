/*
 * ringos signals (include/signal.h): posting, delivery on the way back to
 * user mode, the Linux i386 signal frames, and the system calls.
 *
 * Delivery happens in one place, signal_return_to_user(), which trap
 * dispatch calls last for every trap that came from ring 3 (ring 1 kernels
 * on pv return to ring 3 the same way). A sleeping process is woken by a
 * signal; its sleep returns -ERESTARTSYS, the system call unwinds with it,
 * and here it becomes either a restart (no handler ran, or SA_RESTART) or
 * -EINTR, as on Linux.
 *
 * The frames are Linux's, so glibc's restorers (__restore: sigreturn,
 * __restore_rt: rt_sigreturn) and handlers reading their siginfo/ucontext
 * work unchanged, with the interrupted code's x87/SSE registers in the frame.
 *
 * Job control: a stop signal's default action stops the process where it
 * would have entered its handler (proc_stop, until SIGCONT or SIGKILL);
 * SIGCONT continues it whatever its action, and each cancels the other's
 * pending signals, as on Linux. A handler may run on an alternate stack
 * (sigaltstack, SA_ONSTACK).
 */
#include "proc.h"
#include "uapi/errno.h"
#include "kernel.h"
#include "signal.h"


#define FLAGS_USER      0x00254dd5u     /* CF PF AF ZF SF TF DF OF RF AC: what sigreturn may restore */
#define FLAGS_TF_DF     0x00000500u

struct sigcontext32 {
	uint32_t gs, fs, es, ds, edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t trapno, err, eip, cs, flags, sp_at_signal, ss, fpstate, oldmask, cr2;
};

struct siginfo32 {
	int32_t signo, err, code;
	union {
		struct { int32_t pid; uint32_t uid; int32_t status; } kill;  /* and SIGCHLD */
		uint32_t addr;                                          /* faults */
		uint8_t pad[116];
	};
};

struct ucontext32 {
	uint32_t flags, link;
	uint32_t ss_sp, ss_flags, ss_size;
	struct sigcontext32 mc;
	uint64_t sigmask;
};

struct sigframe32 {                     /* a handler without SA_SIGINFO */
	uint32_t pretcode;
	int32_t sig;
	struct sigcontext32 sc;
	uint32_t extramask;             /* the high half of the blocked set */
	uint8_t retcode[8];
};

struct rt_sigframe32 {                  /* SA_SIGINFO */
	uint32_t pretcode;
	int32_t sig;
	uint32_t pinfo, puc;
	struct siginfo32 info;
	struct ucontext32 uc;
	uint8_t retcode[8];
};

_Static_assert(sizeof(struct sigcontext32) == 88, "Linux i386 sigcontext");
_Static_assert(sizeof(struct siginfo32) == 128, "Linux siginfo");

/* What the kernel itself never lets a process block or catch. */
#define UNBLOCKABLE     (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))

enum dfl { DFL_TERM, DFL_IGN, DFL_STOP };

static enum dfl default_action(int sig)
{
	switch (sig) {
	case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
		return DFL_IGN;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return DFL_STOP;
	default:
		return DFL_TERM;
	}
}

static bool valid_sig(int sig)
{
	return sig >= 1 && sig <= NSIG;
}

static bool ignored(const struct proc *p, int sig)
{
	uint32_t h = p->sigact[sig - 1].handler;
	return h == SIG_IGN || (h == SIG_DFL && default_action(sig) == DFL_IGN);
}

#define STOP_SIGS (SIG_BIT(SIGSTOP) | SIG_BIT(SIGTSTP) | SIG_BIT(SIGTTIN) | SIG_BIT(SIGTTOU))

bool signal_pending(const struct proc *p)
{
	return (p->sig_pending & ~p->sig_blocked) != 0;
}

void signal_send(struct proc *p, int sig, int code, uint32_t addr)
{
	if (!valid_sig(sig) || p->state == P_FREE || p->state == P_ZOMBIE)
		return;
	if (sig == SIGCONT) {
		p->sig_pending &= ~STOP_SIGS;
		proc_continue(p);       /* whatever SIGCONT's action is */
	} else if (STOP_SIGS & SIG_BIT(sig)) {
		p->sig_pending &= ~SIG_BIT(SIGCONT);
	}
	bool blocked = p->sig_blocked & SIG_BIT(sig);
	bool awaited = p->waiting_for & SIG_BIT(sig);  /* rt_sigtimedwait takes it as it is */
	if (!blocked && !awaited && ignored(p, sig))
		return;                 /* nothing would ever happen */
	/* init dies only by its own faults, not by another's default action
	 * (a signal it blocks or waits for is its to take, as on Linux). */
	if (p->pid == 1 && p->sigact[sig - 1].handler == SIG_DFL && !blocked && !awaited)
		return;
	p->sig_pending |= SIG_BIT(sig);
	p->siginfo[sig - 1].code = code;
	p->siginfo[sig - 1].addr = addr;
	p->siginfo[sig - 1].pid = curproc ? curproc->pid : 0;
	p->siginfo[sig - 1].status = 0;
	if (!blocked || awaited || sig == SIGKILL)
		proc_interrupt(p);
}

void signal_child(struct proc *parent, int code, int child_pid, int status)
{
	bool was = parent->sig_pending & SIG_BIT(SIGCHLD);
	signal_send(parent, SIGCHLD, code, 0);
	if ((parent->sig_pending & SIG_BIT(SIGCHLD)) && !was) {
		parent->siginfo[SIGCHLD - 1].pid = child_pid;
		parent->siginfo[SIGCHLD - 1].status = status;
	}
}

void signal_force(struct proc *p, int sig, int code, uint32_t addr)
{
	struct k_sigaction *a = &p->sigact[sig - 1];
	if ((p->sig_blocked & SIG_BIT(sig)) || a->handler == SIG_IGN) {
		p->sig_blocked &= ~SIG_BIT(sig);
		a->handler = SIG_DFL;   /* a fault cannot be ignored: Linux's rule */
	}
	p->sig_pending |= SIG_BIT(sig);
	p->siginfo[sig - 1].code = code;
	p->siginfo[sig - 1].addr = addr;
	p->siginfo[sig - 1].pid = 0;
	p->siginfo[sig - 1].status = 0;
}

void signal_fork(struct proc *child, const struct proc *parent)
{
	memcpy(child->sigact, parent->sigact, sizeof(child->sigact));
	child->sig_blocked = parent->sig_blocked;
	child->sig_pending = 0;
}

void signal_exec(struct proc *p)
{
	for (int i = 0; i < NSIG; i++)
		if (p->sigact[i].handler != SIG_IGN)
			p->sigact[i] = (struct k_sigaction){ 0 };
	p->altstack_sp = p->altstack_size = 0;
}

static void fill_context(struct sigcontext32 *sc, const struct trap_frame *f, uint64_t oldmask,
			 uint32_t cr2)
{
	*sc = (struct sigcontext32){
		.gs = f->gs, .fs = f->fs, .es = f->es, .ds = f->ds, .edi = f->edi, .esi = f->esi,
		.ebp = f->ebp, .esp = f->esp, .ebx = f->ebx, .edx = f->edx, .ecx = f->ecx,
		.eax = f->eax, .trapno = f->vector, .err = f->error_code, .eip = f->eip,
		.cs = f->cs, .flags = f->eflags, .sp_at_signal = f->esp, .ss = f->ss,
		.oldmask = (uint32_t)oldmask, .cr2 = cr2,
	};
}

/* A data segment selector a program may load: null, its data segment or
 * one of its TLS slots, always at RPL 3. */
static bool user_data_sel(uint32_t sel)
{
	unsigned first = arch_tls_first_entry();
	if ((sel & 0xffff) != sel)
		return false;
	if (sel == 0 || sel == arch_user_ds())
		return true;
	return (sel & 7) == 3 && (sel >> 3) >= first && (sel >> 3) < first + ARCH_TLS_SLOTS;
}

/* Back from a handler: the registers the frame holds, checked so that a
 * program cannot hand itself kernel segments or IOPL. Returns the restored
 * eax (the system call's "result"), or ends the process on a bad frame. */
static int restore_fpu(uint32_t fp);

static long restore_context(struct trap_frame *f, const struct sigcontext32 *sc, uint64_t mask)
{
	if (sc->cs != arch_user_cs() || sc->ss != arch_user_ds() || sc->ds != arch_user_ds() ||
	    sc->es != arch_user_ds() || !user_data_sel(sc->fs) || !user_data_sel(sc->gs)) {
		kprintf("ringos: %s: sigreturn with bad segments: killed (SIGSEGV)\n", curproc->exe);
		proc_exit(curproc, SIGSEGV);
	}
	if (restore_fpu(sc->fpstate)) {
		kprintf("ringos: %s: sigreturn with a bad FPU state: killed (SIGSEGV)\n", curproc->exe);
		proc_exit(curproc, SIGSEGV);
	}
	f->gs = sc->gs; f->fs = sc->fs; f->es = sc->es; f->ds = sc->ds;
	f->edi = sc->edi; f->esi = sc->esi; f->ebp = sc->ebp; f->esp = sc->esp;
	f->ebx = sc->ebx; f->edx = sc->edx; f->ecx = sc->ecx; f->eax = sc->eax;
	f->eip = sc->eip; f->cs = sc->cs; f->ss = sc->ss;
	f->eflags = (f->eflags & ~FLAGS_USER) | (sc->flags & FLAGS_USER);
	curproc->sig_blocked = mask & ~UNBLOCKABLE;
	return (long)sc->eax;
}

long sys_sigreturn(struct trap_frame *f)
{
	struct sigframe32 fr;                   /* __restore popped sig: esp = frame + 8 */
	if (copy_from_user(&fr, f->esp - 8, sizeof(fr))) {
		kprintf("ringos: %s: sigreturn with a bad frame: killed (SIGSEGV)\n", curproc->exe);
		proc_exit(curproc, SIGSEGV);
	}
	return restore_context(f, &fr.sc, fr.sc.oldmask | ((uint64_t)fr.extramask << 32));
}

long sys_rt_sigreturn(struct trap_frame *f)
{
	struct rt_sigframe32 fr;                /* the handler's ret popped pretcode: esp = frame + 4 */
	if (copy_from_user(&fr, f->esp - 4, sizeof(fr))) {
		kprintf("ringos: %s: rt_sigreturn with a bad frame: killed (SIGSEGV)\n", curproc->exe);
		proc_exit(curproc, SIGSEGV);
	}
	return restore_context(f, &fr.uc.mc, fr.uc.sigmask);
}

/*
 * The interrupted code's FPU/SSE registers travel in the frame, as Linux's
 * struct _fpstate_32: a 112-byte legacy header (left zero; its magic 0
 * says "fxsave format follows") and the fxsave image at +112, 16-aligned.
 */
#define FP_LEGACY       112
#define FP_SIZE         (FP_LEGACY + 512)

static uint8_t fpu_buf[512] __attribute__((aligned(16)));

/* Save the live registers below top: the fpstate's address, or 0. */
static uint32_t save_fpu(uint32_t top)
{
	static uint8_t legacy[FP_LEGACY];
	uint32_t fx = (top - 512) & ~63u, fp = fx - FP_LEGACY;
	fpu_save(fpu_buf);
	if (copy_to_user(fp, legacy, FP_LEGACY) || copy_to_user(fx, fpu_buf, 512))
		return 0;
	return fp;
}

/* Back from a handler: the registers from the frame's fpstate (checked:
 * MXCSR's reserved bits would make fxrstor fault in the kernel). */
static int restore_fpu(uint32_t fp)
{
	if (!fp) {
		fpu_reset(fpu_buf);
	} else {
		if (copy_from_user(fpu_buf, fp + FP_LEGACY, 512))
			return -EFAULT;
		uint32_t mxcsr;
		memcpy(&mxcsr, fpu_buf + 24, 4);
		mxcsr &= 0xffbfu;       /* the bits every SSE CPU implements */
		memcpy(fpu_buf + 24, &mxcsr, 4);
	}
	fpu_restore(fpu_buf);
	return 0;
}

#define SS_ONSTACK      1
#define SS_DISABLE      2
#define MINSIGSTKSZ     2048

static bool on_altstack(const struct proc *p, uint32_t sp)
{
	return p->altstack_size && sp - p->altstack_sp < p->altstack_size;
}

/* sigaltstack(new, old): struct { void *sp; int flags; size_t size; }. */
long sys_sigaltstack(struct trap_frame *f)
{
	struct proc *p = curproc;
	uint32_t cur[3] = { p->altstack_sp, 0, p->altstack_size };
	uint32_t esp = f->esp;
	cur[1] = !p->altstack_size ? SS_DISABLE : on_altstack(p, esp) ? SS_ONSTACK : 0;
	if (f->ebx) {
		uint32_t ss[3];
		if (copy_from_user(ss, f->ebx, sizeof(ss)))
			return -EFAULT;
		if (on_altstack(p, esp))
			return -EPERM;         /* not while running on it */
		if (ss[1] == SS_DISABLE) {
			p->altstack_sp = p->altstack_size = 0;
		} else if (ss[1] == 0 || ss[1] == SS_ONSTACK) {
			if (ss[2] < MINSIGSTKSZ)
				return -ENOMEM;
			if (ss[0] + ss[2] < ss[0] || ss[0] + ss[2] > USER_END)
				return -EFAULT;
			p->altstack_sp = ss[0];
			p->altstack_size = ss[2];
		} else {
			return -EINVAL;
		}
	}
	if (f->ecx && copy_to_user(f->ecx, cur, sizeof(cur)))
		return -EFAULT;
	return 0;
}

static const uint8_t retcode_sigreturn[8] = { 0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80 };
static const uint8_t retcode_rt_sigreturn[8] = { 0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0 };

/* Build the frame for sig on the user stack and enter its handler. */
static void setup_frame(struct trap_frame *f, int sig, const struct k_sigaction *a)
{
	struct proc *p = curproc;
	uint64_t old = p->restore_blocked ? p->saved_blocked : p->sig_blocked;
	uint32_t cr2 = p->siginfo[sig - 1].addr;
	uint32_t top = f->esp - 128;    /* below the red zone */
	bool alt = p->altstack_size && !on_altstack(p, f->esp);
	if ((a->flags & SA_ONSTACK) && alt)
		top = p->altstack_sp + p->altstack_size;
	uint32_t sp, fp = save_fpu(top);
	p->restore_blocked = false;
	if (!fp)
		goto bad;

	if (a->flags & SA_SIGINFO) {
		static struct rt_sigframe32 fr;         /* one process in the kernel at a time */
		/* Linux's alignment: (esp + 4) is 16-byte aligned at the handler's entry. */
		sp = ((fp - sizeof(fr) + 4) & ~15u) - 4;
		memset(&fr, 0, sizeof(fr));
		fr.sig = sig;
		fr.pinfo = sp + offsetof(struct rt_sigframe32, info);
		fr.puc = sp + offsetof(struct rt_sigframe32, uc);
		fr.info.signo = sig;
		fr.info.code = p->siginfo[sig - 1].code;
		if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE)
			fr.info.addr = p->siginfo[sig - 1].addr;
		else {
			fr.info.kill.pid = p->siginfo[sig - 1].pid;
			fr.info.kill.status = p->siginfo[sig - 1].status;
		}
		fr.uc.ss_sp = p->altstack_sp;
		fr.uc.ss_size = p->altstack_size;
		fr.uc.ss_flags = !p->altstack_size ? SS_DISABLE :
				 on_altstack(p, f->esp) ? SS_ONSTACK : 0;
		fill_context(&fr.uc.mc, f, old, cr2);
		fr.uc.mc.fpstate = fp;
		fr.uc.sigmask = old;
		memcpy(fr.retcode, retcode_rt_sigreturn, sizeof(fr.retcode));
		fr.pretcode = (a->flags & SA_RESTORER) ? a->restorer :
			      sp + offsetof(struct rt_sigframe32, retcode);
		if (copy_to_user(sp, &fr, sizeof(fr)))
			goto bad;
		f->edx = fr.pinfo;                      /* regparm(3) handlers, as Linux */
		f->ecx = fr.puc;
	} else {
		struct sigframe32 fr;
		sp = ((fp - sizeof(fr) + 4) & ~15u) - 4;
		memset(&fr, 0, sizeof(fr));
		fr.sig = sig;
		fill_context(&fr.sc, f, old, cr2);
		fr.sc.fpstate = fp;
		fr.extramask = (uint32_t)(old >> 32);
		memcpy(fr.retcode, retcode_sigreturn, sizeof(fr.retcode));
		fr.pretcode = (a->flags & SA_RESTORER) ? a->restorer :
			      sp + offsetof(struct sigframe32, retcode);
		if (copy_to_user(sp, &fr, sizeof(fr)))
			goto bad;
		f->edx = f->ecx = 0;
	}
	fpu_reset(fpu_buf);                     /* the handler starts clean, as on Linux */
	fpu_restore(fpu_buf);
	f->esp = sp;
	f->eip = a->handler;
	f->eax = (uint32_t)sig;
	f->eflags &= ~FLAGS_TF_DF;
	f->cs = arch_user_cs();
	f->ss = f->ds = f->es = arch_user_ds();
	p->sig_blocked |= a->mask | ((a->flags & SA_NODEFER) ? 0 : SIG_BIT(sig));
	p->sig_blocked &= ~UNBLOCKABLE;
	if (a->flags & SA_RESETHAND)
		p->sigact[sig - 1].handler = SIG_DFL;
	return;
bad:
	kprintf("ringos: %s: no room for a signal frame at esp %#x: killed (SIGSEGV)\n", p->exe,
		f->esp);
	proc_exit(p, SIGSEGV);
}

void signal_return_to_user(struct trap_frame *f, bool syscall, uint32_t nr, long ret)
{
	struct proc *p = curproc;
	bool restart = syscall && (ret == -ERESTARTSYS || ret == -ERESTARTNOHAND);

	while (p->sig_pending & ~p->sig_blocked) {
		int sig = __builtin_ctzll(p->sig_pending & ~p->sig_blocked) + 1;
		p->sig_pending &= ~SIG_BIT(sig);
		struct k_sigaction a = p->sigact[sig - 1];
		if (a.handler == SIG_IGN)
			continue;
		if (a.handler == SIG_DFL) {
			if (default_action(sig) == DFL_IGN)
				continue;
			if (default_action(sig) == DFL_STOP) {
				proc_stop(p, sig);      /* back here at SIGCONT */
				continue;
			}
			proc_exit(p, sig);      /* wait status: the signal */
		}
		if (restart) {
			restart = false;
			p->sleep_resume_at = 0;
			if ((a.flags & SA_RESTART) && ret == -ERESTARTSYS) {
				f->eax = nr;    /* the handler returns into the call again */
				f->eip -= 2;
			} else {
				f->eax = (uint32_t)-EINTR;
			}
		}
		setup_frame(f, sig, &a);
		return;                 /* one frame; the rest after its sigreturn */
	}
	if (restart) {                  /* woken, but nothing to run: go again */
		f->eax = nr;
		f->eip -= 2;
	}
	if (p->restore_blocked) {       /* rt_sigsuspend ended without a handler */
		p->sig_blocked = p->saved_blocked;
		p->restore_blocked = false;
	}
}

long sys_rt_sigaction(struct trap_frame *f)
{
	int sig = (int)f->ebx;
	struct k_sigaction act;

	if (f->esi != 8 || !valid_sig(sig))
		return -EINVAL;
	struct k_sigaction old = curproc->sigact[sig - 1];
	if (f->ecx) {
		if (copy_from_user(&act, f->ecx, sizeof(act)))
			return -EFAULT;
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		act.mask &= ~UNBLOCKABLE;
		curproc->sigact[sig - 1] = act;
		if (ignored(curproc, sig))      /* POSIX: setting SIG_IGN discards a pending one */
			curproc->sig_pending &= ~SIG_BIT(sig);
	}
	if (f->edx && copy_to_user(f->edx, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(struct trap_frame *f)
{
	uint64_t set, old = curproc->sig_blocked;

	if (f->esi != 8)
		return -EINVAL;
	if (f->ecx) {
		if (copy_from_user(&set, f->ecx, sizeof(set)))
			return -EFAULT;
		switch (f->ebx) {
		case 0: curproc->sig_blocked |= set; break;          /* SIG_BLOCK */
		case 1: curproc->sig_blocked &= ~set; break;         /* SIG_UNBLOCK */
		case 2: curproc->sig_blocked = set; break;           /* SIG_SETMASK */
		default: return -EINVAL;
		}
		curproc->sig_blocked &= ~UNBLOCKABLE;
	}
	if (f->edx && copy_to_user(f->edx, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigpending(struct trap_frame *f)
{
	uint64_t set = curproc->sig_pending & curproc->sig_blocked;
	if (f->ecx != 8)
		return -EINVAL;
	return copy_to_user(f->ebx, &set, sizeof(set)) ? -EFAULT : 0;
}

/* kill(pid, sig): pid > 0 one process, 0 the caller's group, -1 every
 * process but init and the caller, < -1 the group -pid. sig 0 only checks. */
static long do_kill(int pid, int sig)
{
	int found = 0;

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = proc_slot(i);
		if (p->state == P_FREE)
			continue;
		/* A zombie's pid exists until it is reaped: it counts as found
		 * (a signal to it is dropped), as on Linux. */
		bool match = pid > 0 ? p->pid == pid :
			     pid == 0 ? p->pgid == curproc->pgid :
			     pid == -1 ? p->pid != 1 && p != curproc : p->pgid == -pid;
		if (!match)
			continue;
		found++;
		if (sig)
			signal_send(p, sig, 0 /* SI_USER */, 0);
	}
	return found ? 0 : -ESRCH;
}

void signal_group(int pgid, int sig)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = proc_slot(i);
		if (p->state != P_FREE && p->state != P_ZOMBIE && p->pgid == pgid)
			signal_send(p, sig, 0x80 /* SI_KERNEL */, 0);
	}
}

long sys_kill(struct trap_frame *f)
{
	return do_kill((int)f->ebx, (int)f->ecx);
}

/* tgkill(tgid, tid, sig): processes are single-threaded, so tid is the pid
 * (glibc's raise() and abort() use this). */
long sys_tgkill(struct trap_frame *f)
{
	int tgid = (int)f->ebx, tid = (int)f->ecx;
	if (tid <= 0)
		return -EINVAL;
	if (tgid != tid)
		return -ESRCH;
	return do_kill(tid, (int)f->edx);
}

long sys_pause(struct trap_frame *f)
{
	(void)f;
	while (!sleep_on(&curproc->sig_pending))
		;
	return -EINTR;          /* pause returns only after a handler */
}

/*
 * rt_sigtimedwait(set, info, timeout, sigsetsize): take a pending signal of
 * set (normally blocked) without running a handler. While it waits, a
 * signal of set wakes it even though blocked (waiting_for). -EAGAIN when the
 * timeout passes; -EINTR when another signal comes first.
 */
static long sigtimedwait(struct trap_frame *f, bool time64)
{
	uint64_t set, deadline = 0;
	struct proc *p = curproc;

	if (f->esi != 8)
		return -EINVAL;
	if (copy_from_user(&set, f->ebx, sizeof(set)))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	if (f->edx) {
		uint64_t ns;
		int rc = get_timespec(f->edx, time64, &ns);
		if (rc)
			return rc;
		deadline = arch_time_ns() + ns;
	}
	for (;;) {
		uint64_t ready = p->sig_pending & set;
		if (ready) {
			int sig = __builtin_ctzll(ready) + 1;
			p->sig_pending &= ~SIG_BIT(sig);
			if (f->ecx) {
				struct siginfo32 info;
				memset(&info, 0, sizeof(info));
				info.signo = sig;
				info.code = p->siginfo[sig - 1].code;
				info.kill.pid = p->siginfo[sig - 1].pid;
				info.kill.status = p->siginfo[sig - 1].status;
				if (copy_to_user(f->ecx, &info, sizeof(info)))
					return -EFAULT;
			}
			return sig;
		}
		if (signal_pending(p))
			return -EINTR;
		if (f->edx && arch_time_ns() >= deadline)
			return -EAGAIN;
		p->waiting_for = set;
		if (f->edx)
			sleep_on_timeout(&p->sig_pending, deadline);
		else
			sleep_on(&p->sig_pending);
		p->waiting_for = 0;
	}
}

long sys_rt_sigtimedwait(struct trap_frame *f)
{
	return sigtimedwait(f, f->eax == 421);
}

/*
 * rt_sigsuspend(mask, size): wait with mask as the blocked set until a
 * signal runs a handler (or ends the process); the old mask comes back
 * when the handler returns, as the frame saves it.
 */
long sys_rt_sigsuspend(struct trap_frame *f)
{
	uint64_t mask;
	struct proc *p = curproc;
	if (f->ecx != 8)
		return -EINVAL;
	if (copy_from_user(&mask, f->ebx, sizeof(mask)))
		return -EFAULT;
	p->saved_blocked = p->sig_blocked;
	p->restore_blocked = true;
	p->sig_blocked = mask & ~UNBLOCKABLE;
	while (!sleep_on(&p->sig_pending))
		;
	return -EINTR;
}
