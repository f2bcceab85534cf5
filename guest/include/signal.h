/*
 * ringos signals: the Linux i386 model. Each process has a pending and a
 * blocked set (signals 1..64, bit sig-1) and a table of actions; a signal is
 * acted on when the process next returns to user mode: a handler gets a
 * Linux-layout frame on the user stack (sigframe or rt_sigframe) and comes
 * back through sigreturn / rt_sigreturn; the default action ends the process
 * (wait status = the signal) or ignores the signal.
 */
#ifndef RINGOS_SIGNAL_H
#define RINGOS_SIGNAL_H

#include "types.h"
#include "trap.h"
#include "uapi/errno.h"

#define NSIG            64

#define SIGHUP          1
#define SIGINT          2
#define SIGQUIT         3
#define SIGILL          4
#define SIGTRAP         5
#define SIGABRT         6
#define SIGBUS          7
#define SIGFPE          8
#define SIGKILL         9
#define SIGUSR1         10
#define SIGSEGV         11
#define SIGUSR2         12
#define SIGPIPE         13
#define SIGALRM         14
#define SIGTERM         15
#define SIGCHLD         17
#define SIGCONT         18
#define SIGSTOP         19
#define SIGTSTP         20
#define SIGTTIN         21
#define SIGTTOU         22
#define SIGURG          23
#define SIGWINCH        28

#define SIG_DFL         0u
#define SIG_IGN         1u

#define SA_NOCLDSTOP    0x00000001u
#define SA_NOCLDWAIT    0x00000002u
#define SA_SIGINFO      0x00000004u
#define SA_ONSTACK      0x08000000u
#define SA_RESTORER     0x04000000u
#define SA_RESTART      0x10000000u
#define SA_NODEFER      0x40000000u
#define SA_RESETHAND    0x80000000u


#define SIG_BIT(sig)    (1ull << ((sig) - 1))

/* The kernel's struct sigaction on i386 (rt_sigaction's layout). */
struct k_sigaction {
	uint32_t handler;
	uint32_t flags;
	uint32_t restorer;
	uint64_t mask;
} __attribute__((packed));

struct proc;

/* Post sig to p (wakes it from an interruptible sleep). Ignored signals are
 * dropped at once unless blocked. info_code/addr fill the siginfo. */
void signal_send(struct proc *p, int sig, int code, uint32_t addr);
/* SIGCHLD to parent about child: code CLD_*, status the exit code or the
 * signal (siginfo's si_pid and si_status), as Linux fills them. */
void signal_child(struct proc *parent, int code, int child_pid, int status);
/* Post sig to every process of group pgid (SI_KERNEL). */
void signal_group(int pgid, int sig);
/* A fault in user mode: the handler if one is installed and the signal is
 * not blocked, else the end of the process. */
void signal_force(struct proc *p, int sig, int code, uint32_t addr);
/* Whether p has a pending signal it does not block (sleeps end early). */
bool signal_pending(const struct proc *p);
/* On every return to user mode: act on pending signals. ret is the system
 * call's result when f is a system call's frame (nr its number), else 0. */
void signal_return_to_user(struct trap_frame *f, bool syscall, uint32_t nr, long ret);
/* fork: the child gets the actions and blocked set, nothing pending. */
void signal_fork(struct proc *child, const struct proc *parent);
/* execve: handled signals go back to their default action. */
void signal_exec(struct proc *p);

long sys_rt_sigaction(struct trap_frame *f);
long sys_rt_sigprocmask(struct trap_frame *f);
long sys_rt_sigreturn(struct trap_frame *f);
long sys_sigreturn(struct trap_frame *f);
long sys_rt_sigpending(struct trap_frame *f);
long sys_kill(struct trap_frame *f);
long sys_tgkill(struct trap_frame *f);
long sys_pause(struct trap_frame *f);
long sys_rt_sigtimedwait(struct trap_frame *f);
long sys_rt_sigsuspend(struct trap_frame *f);
long sys_sigaltstack(struct trap_frame *f);

#endif
