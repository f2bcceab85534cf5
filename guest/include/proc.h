/* ringos processes: a fixed table, preemptive round robin, fork/wait/exit. */
#ifndef RINGOS_PROC_H
#define RINGOS_PROC_H

#include "types.h"
#include "arch.h"
#include "trap.h"
#include "signal.h"
#include "vfs.h"

#define NPROC           64              /* the process cap (fork bombs stop here) */
#define USER_STACK_TOP  0xBFFFF000u     /* one unmapped page below the kernel */
#define USER_STACK_SIZE (256 * 1024)
#define PTE_COW         (1ull << 9)     /* an available bit: write-protected by fork, copy on write */
#define MMAP_BASE       0x40000000u     /* anonymous mmap from here up; the heap below */
#define PIE_BASE        0x10000000u     /* where a static-pie executable is loaded */
#define KSTACK_SIZE     8192
#define SLICE_TICKS     5               /* 50 ms at 100 Hz */

enum proc_state { P_FREE = 0, P_RUNNABLE, P_SLEEPING, P_ZOMBIE };
enum { WR_NONE = 0, WR_STOPPED, WR_CONTINUED };

struct proc {
	int pid, ppid;
	enum proc_state state;
	struct pae_space as;
	uint32_t brk_start, brk;        /* the heap: [brk_start, brk) mapped */
	uint32_t mmap_next;             /* where the next anonymous mmap goes */
	uint64_t tls[ARCH_TLS_SLOTS];   /* set_thread_area descriptors */
	char exe[64];                   /* the program as execve named it (messages, comm) */
	char exe_path[128];             /* the file it runs, absolute (/proc/PID/exe) */
	paddr_t kstack;                 /* KSTACK_SIZE bytes, the trap frame at the top */
	uint32_t ctx_esp;               /* saved kernel esp while switched out */
	const void *wait_on;            /* what it sleeps for */
	int status;                     /* wait status when a zombie */
	unsigned ticks;                 /* of its current slice */
	uint64_t wake_at;               /* sleep_until's deadline, 0 for none */
	uint64_t sleep_resume_at;       /* an interrupted nanosleep's deadline, for its restart */
	struct file *fds[64];           /* NFD open files */
	uint8_t fd_cloexec[64];         /* FD_CLOEXEC of each descriptor */
	struct vnode cwd;               /* working directory (held); .mnt NULL before init */
	int pgid;                       /* process group (kill(0), kill(-pgid)) */
	int sid;                        /* session (setsid); the console belongs to one */
	uint32_t umask;                 /* file creation mask (022 at boot) */
	bool stopped;                   /* by SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU, until SIGCONT */
	uint8_t wait_report;            /* WR_STOPPED or WR_CONTINUED, for the parent's wait */
	uint8_t stopsig;
	bool autoreap;                  /* a zombie nobody will wait for (SIGCHLD ignored) */
	uint64_t start_ns;              /* arch_time_ns() at fork */
	uint32_t utime, stime;          /* ticks spent in user mode, in the kernel */
	uint32_t cutime, cstime;        /* of the children it waited for, and theirs */
	char *cmdline;                  /* argv, NUL-separated (/proc/PID/cmdline), or NULL */
	uint32_t cmdline_len;
	bool subreaper;                 /* orphans below come here, not to init */
	uint64_t sig_pending, sig_blocked;
	uint64_t waiting_for;           /* rt_sigtimedwait's set, while it waits */
	uint64_t saved_blocked;         /* rt_sigsuspend's caller's mask ... */
	bool restore_blocked;           /* ... to come back after the handler */
	uint32_t altstack_sp, altstack_size;    /* sigaltstack; size 0: none */
	struct k_sigaction sigact[NSIG];        /* [sig - 1] */
	struct { int code, pid, status; uint32_t addr; } siginfo[NSIG];  /* of each pending signal */
	uint8_t fpu[512] __attribute__((aligned(16)));  /* x87/SSE registers (fxsave) while switched out */
};

/* FPU state: a process's registers are saved and restored on every switch
 * (eager; the lazy CR0.TS scheme is an optimisation to come). */
void fpu_save(uint8_t *area);
void fpu_restore(const uint8_t *area);
/* A new program's registers: as after fninit, MXCSR 0x1f80. */
void fpu_reset(uint8_t *area);

extern struct proc *curproc;

/* Replace p's image with the ELF executable: 0, or -ENOEXEC / -ENOMEM with
 * the reason in err. f gets the registers to enter it with. */
int proc_exec(struct proc *p, const void *elf, size_t size, const char *const argv[],
	      const char *const envp[], struct trap_frame *f, char *err, size_t errsize);
/* End p with a wait status (exit code << 8, or a signal number). */
void proc_exit(struct proc *p, int status) __noreturn;

struct proc *proc_alloc(void);
void proc_free_memory(struct proc *p);
void proc_start_first(struct proc *p, const struct trap_frame *f) __noreturn;
long proc_fork(struct trap_frame *f);
long proc_wait(int pid, uint32_t status_ptr, int options, uint32_t rusage_ptr);
/* Job control: stop p (it is curproc, on its way to user mode) until
 * SIGCONT or SIGKILL; continue a stopped p. Both tell the parent. */
void proc_stop(struct proc *p, int sig);
void proc_continue(struct proc *p);
/* getrusage(who): RUSAGE_SELF (0) or RUSAGE_CHILDREN (-1). */
long proc_getrusage(int who, uint32_t uptr);
/* The process with this pid (not free, not a zombie), or NULL. */
struct proc *proc_find(int pid);
/* Whether any live process is in process group pgid (of session sid, if not 0). */
bool proc_group_exists(int pgid, int sid);
/* Ticks the CPU spent with nothing to run. */
uint64_t proc_idle_ticks(void);

int proc_poke_user(int pid, uint32_t va, uint32_t value);
void proc_tick(struct trap_frame *f);
void sched_yield(void);
/* Sleep until woken on chan, or until a signal: 0, or -ERESTARTSYS when a
 * signal is pending (the caller returns that, undoing nothing it must keep). */
int sleep_on(const void *chan);
/* Sleep until the clock (arch_time_ns) reaches deadline: 0 or -ERESTARTSYS. */
int sleep_until(uint64_t deadline);
/* Sleep on chan, but no later than deadline: 0 or -ERESTARTSYS. */
int sleep_on_timeout(const void *chan, uint64_t deadline);
/* Sleep on chan until woken or deadline (0: none), signals or not: for a
 * wait that must not be cut short (a disk command under way). A signal's
 * arrival may still end it early, so the caller tests its condition
 * again. 0, or -EAGAIN before the first process runs (nobody to put to
 * sleep: the caller polls). */
int sleep_on_uninterruptible(const void *chan, uint64_t deadline);
/* Sleep on chan until woken (or deadline, 0: none) unless ready(arg) is
 * already true, without the race the calls above leave to a bounded
 * sleep: ready() is asked with events off after the process is marked
 * asleep, so an interrupt handler that changes the answer and calls
 * wake_up(chan) after the caller's own test is never missed. Returns on
 * any wake-up (the caller asks again): 0; -ERESTARTSYS when
 * interruptible and a signal is pending; -EAGAIN before the first process
 * runs (the caller waits with arch_idle instead). */
int sleep_on_cond(const void *chan, uint64_t deadline, bool (*ready)(const void *arg),
		  const void *arg, bool interruptible);
/* The process table, for kill: slot i (0..NPROC-1). */
struct proc *proc_slot(int i);
/* Make a sleeping p runnable (a signal arrived). */
void proc_interrupt(struct proc *p);
void wake_up(const void *chan);

/* User memory, checked against the current page tables: 0 or -EFAULT. */
int copy_from_user(void *dst, uint32_t src, uint32_t len);
/* The range is the current program's and mapped (faulted in: demand pages,
 * copy-on-write for a write): 0 or -EFAULT. For a buffer the hypervisor
 * will reach through the current address space (rvctl.c). */
int user_range_ready(uint32_t va, uint32_t len, bool write);
int copy_to_user(uint32_t dst, const void *src, uint32_t len);
/* A user string into dst (size bytes at most, NUL included): its length,
 * -EFAULT, or -ENAMETOOLONG when it does not fit. */
long strncpy_from_user(char *dst, uint32_t src, size_t size);
/* A struct timespec (32- or 64-bit fields, time64) in nanoseconds: 0,
 * -EFAULT, or -EINVAL (negative, nsec out of range); and back. */
int get_timespec(uint32_t uts, bool time64, uint64_t *ns);
int put_timespec(uint32_t uts, bool time64, uint64_t ns);
/* Map zeroed pages for [start, end) in p: 0 or -ENOMEM. */
int user_map_zero(struct proc *p, uint32_t start, uint32_t end, bool writable);
/* The page of p at virtual page vpn, mapped zeroed if absent (elf_load's callback). */
void *user_page(uint32_t vpn, void *ctx);
/* fork: child's address space sharing parent's frames, copy-on-write. */
int user_space_fork(struct proc *child, struct proc *parent);

/* Copy-on-write: if va is a page fork write-protected in p, give p a
 * writable page of its own (a copy while another process shares it). */
bool user_cow_fault(struct proc *p, uint32_t va);
/* Demand paging of stack and heap: true if va was mapped just now. */
bool user_demand_fault(struct proc *p, uint32_t va);

long syscall_dispatch(struct trap_frame *f);

/* x86 context switch (kernel/swtch.S): save callee-saved registers on this
 * stack, store esp in *old_esp, load new_esp, restore, return there. */
void swtch(uint32_t *old_esp, uint32_t new_esp);
void fork_return(void);

#endif
