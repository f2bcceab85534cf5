/*
 * ringos: the process table and the scheduler. Each process has its own
 * kernel stack, with its user trap frame at the top; switching processes
 * switches kernel stacks (swtch), address spaces and TLS descriptors. The
 * kernel is not preemptible: the timer takes the CPU only from user mode.
 */
#include "proc.h"
#include "uapi/errno.h"
#include "kernel.h"
#include "file.h"

#include "tty.h"
#include "procfs.h"

#define WNOHANG 1
#define WUNTRACED 2
#define WCONTINUED 8
#define WAIT_LINUX_FLAGS 0xe0000000u    /* __WNOTHREAD, __WALL, __WCLONE: one thread each */
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

static struct proc table[NPROC];
struct proc *curproc;
static int next_pid = 1;
static uint64_t idle_ticks;

uint64_t proc_idle_ticks(void)
{
	return idle_ticks;
}
static struct proc *to_free;            /* an auto-reaped zombie, freed once off its stack */

static struct trap_frame *frame_of(struct proc *p)
{
	return (struct trap_frame *)((uint8_t *)phys_to_virt(p->kstack) + KSTACK_SIZE -
				     sizeof(struct trap_frame));
}

struct proc *proc_alloc(void)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &table[i];
		if (p->state != P_FREE)
			continue;
		paddr_t ks = frames_get_contig(KSTACK_SIZE / PAGE_SIZE);
		if (!ks)
			return NULL;
		memset(p, 0, sizeof(*p));
		p->kstack = ks;
		p->pid = next_pid++;
		p->pgid = p->pid;
		p->sid = p->pid;
		p->start_ns = arch_time_ns();
		p->state = P_SLEEPING;          /* not runnable until set up */
		return p;
	}
	return NULL;
}

/* Give back every user frame and the page tables of p's address space
 * (the kernel's shared directory in slot 3 is not p's). */
void proc_free_memory(struct proc *p)
{
	if (!p->as.pdpt)
		return;
	static paddr_t tables[1 + 3 + 3 * 512];        /* every table of one space */
	unsigned n = 0;
	arch_release_address_space(&p->as);
	pte_t *l3 = phys_to_virt(p->as.pdpt);
	for (int i = 0; i < 3; i++) {
		if (!(l3[i] & PTE_P))
			continue;
		pte_t *l2 = phys_to_virt(arch_pte_addr(l3[i]));
		for (int j = 0; j < 512; j++) {
			if (!(l2[j] & PTE_P))
				continue;
			pte_t *l1 = phys_to_virt(arch_pte_addr(l2[j]));
			for (int k = 0; k < 512; k++)
				if (l1[k] & PTE_P)
					frame_release(arch_pte_addr(l1[k]));
			tables[n++] = arch_pte_addr(l2[j]);
		}
		tables[n++] = arch_pte_addr(l3[i]);
	}
	tables[n++] = p->as.pdpt;
	arch_tables_put(tables, n);     /* one go: pv makes them writable in a few multicalls */
	p->as.pdpt = 0;
}

void fpu_save(uint8_t *area)
{
	__asm__ volatile("fxsave (%0)" : : "r"(area) : "memory");
}

void fpu_restore(const uint8_t *area)
{
	__asm__ volatile("fxrstor (%0)" : : "r"(area) : "memory");
}

void fpu_reset(uint8_t *area)
{
	static uint8_t clean[512] __attribute__((aligned(16)));
	static uint8_t keep[512] __attribute__((aligned(16)));  /* fxsave wants 16 */
	static bool have;
	if (!have) {                    /* once: the state fninit leaves, SSE defaults */
		uint32_t mxcsr = 0x1f80;
		fpu_save(keep);
		__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
		fpu_save(clean);
		fpu_restore(keep);
		have = true;
	}
	memcpy(area, clean, sizeof(clean));
}

static struct proc *by_pid(int pid)
{
	for (int i = 0; i < NPROC; i++)
		if (table[i].state != P_FREE && table[i].pid == pid)
			return &table[i];
	return NULL;
}

struct proc *proc_find(int pid)
{
	struct proc *p = by_pid(pid);
	return p && p->state != P_ZOMBIE ? p : NULL;
}

bool proc_group_exists(int pgid, int sid)
{
	for (int i = 0; i < NPROC; i++)
		if (table[i].state != P_FREE && table[i].state != P_ZOMBIE && table[i].pgid == pgid &&
		    (!sid || table[i].sid == sid))
			return true;
	return false;
}

/* A zombie's last resources: its kernel stack and its slot. */
static void reap(struct proc *c)
{
	procfs_remove(c->pid);
	frames_put_contig(c->kstack, KSTACK_SIZE / PAGE_SIZE);
	kfree(c->cmdline);
	c->cmdline = NULL;
	c->state = P_FREE;
}

static void switch_to(struct proc *next)
{
	struct proc *prev = curproc;
	curproc = next;
	next->ticks = 0;
	arch_switch_context(&next->as, (uint32_t)(uintptr_t)phys_to_virt(next->kstack) + KSTACK_SIZE,
			    next->tls);
	if (prev != next) {
		if (prev)
			fpu_save(prev->fpu);
		fpu_restore(next->fpu);
		swtch(&prev->ctx_esp, next->ctx_esp);
		if (to_free && to_free != curproc) {    /* we are off its stack now */
			reap(to_free);
			to_free = NULL;
		}
	}
}

/* Run someone else (round robin); if nobody can run, wait for an interrupt. */
static void schedule(void)
{
	for (;;) {
		int start = curproc ? (int)(curproc - table) : 0;
		for (int n = 1; n <= NPROC; n++) {
			struct proc *p = &table[(start + n) % NPROC];
			if (p->state == P_RUNNABLE) {
				switch_to(p);
				return;
			}
		}
		arch_idle();            /* interrupts on, halt until one arrives */
	}
}

void sched_yield(void)
{
	schedule();
}

int sleep_on(const void *chan)
{
	if (signal_pending(curproc))
		return -ERESTARTSYS;
	curproc->wait_on = chan;
	curproc->state = P_SLEEPING;
	schedule();
	curproc->wait_on = NULL;
	return signal_pending(curproc) ? -ERESTARTSYS : 0;
}

void proc_interrupt(struct proc *p)
{
	if (p->state == P_SLEEPING && p->wait_on)
		p->state = P_RUNNABLE;
}

struct proc *proc_slot(int i)
{
	return &table[i];
}

void wake_up(const void *chan)
{
	for (int i = 0; i < NPROC; i++)
		if (table[i].state == P_SLEEPING && table[i].wait_on == chan)
			table[i].state = P_RUNNABLE;
}

static int timed_sleepers;

int sleep_on_timeout(const void *chan, uint64_t deadline)
{
	curproc->wake_at = deadline;
	timed_sleepers++;
	int r = sleep_on(chan);
	timed_sleepers--;
	curproc->wake_at = 0;
	return r;
}

int sleep_until(uint64_t deadline)
{
	return sleep_on_timeout(&curproc->wake_at, deadline);
}

static bool sched_running;              /* the first process has started */

int sleep_on_uninterruptible(const void *chan, uint64_t deadline)
{
	if (!sched_running)
		return -EAGAIN;
	curproc->wake_at = deadline;
	timed_sleepers += deadline != 0;
	curproc->wait_on = chan;
	curproc->state = P_SLEEPING;
	schedule();
	curproc->wait_on = NULL;
	timed_sleepers -= deadline != 0;
	curproc->wake_at = 0;
	return 0;
}

int sleep_on_cond(const void *chan, uint64_t deadline, bool (*ready)(const void *arg),
		  const void *arg, bool interruptible)
{
	if (!sched_running)
		return -EAGAIN;
	if (interruptible && signal_pending(curproc))
		return -ERESTARTSYS;
	/* Asleep first, then the question, events off between: an interrupt
	 * handler that makes ready() true after it was asked finds us asleep
	 * and its wake_up is not lost; schedule() runs us again at once. */
	uint32_t fl = arch_irq_save();
	curproc->wake_at = deadline;
	timed_sleepers += deadline != 0;
	curproc->wait_on = chan;
	curproc->state = P_SLEEPING;
	bool now = ready(arg);
	if (now)
		curproc->state = P_RUNNABLE;
	arch_irq_restore(fl);
	if (!now)
		schedule();
	curproc->wait_on = NULL;
	timed_sleepers -= deadline != 0;
	curproc->wake_at = 0;
	return interruptible && signal_pending(curproc) ? -ERESTARTSYS : 0;
}

void proc_tick(struct trap_frame *f)
{
	if (curproc && curproc->state == P_RUNNABLE) {
		if ((f->cs & 3) == 3)
			curproc->utime++;
		else
			curproc->stime++;
	} else {
		idle_ticks++;
	}
	if (timed_sleepers) {
		uint64_t now = arch_time_ns();
		for (int i = 0; i < NPROC; i++)
			if (table[i].state == P_SLEEPING && table[i].wake_at && table[i].wake_at <= now)
				table[i].state = P_RUNNABLE;
	}
	if (curproc && (f->cs & 3) == 3 && ++curproc->ticks >= SLICE_TICKS)
		schedule();
}

/* A new process's kernel stack: its trap frame at the top, and below it what
 * swtch pops to arrive in fork_return (and from there in user mode). */
static void prepare_stack(struct proc *p, const struct trap_frame *f)
{
	struct trap_frame *tf = frame_of(p);
	*tf = *f;
	uint32_t *sp = (uint32_t *)tf;
	*--sp = (uint32_t)(uintptr_t)fork_return;
	for (int i = 0; i < 4; i++)
		*--sp = 0;              /* ebp, ebx, esi, edi */
	p->ctx_esp = (uint32_t)(uintptr_t)sp;
}

void proc_start_first(struct proc *p, const struct trap_frame *f)
{
	static uint32_t boot_esp;
	prepare_stack(p, f);
	p->state = P_RUNNABLE;
	curproc = p;
	arch_switch_address_space(&p->as);
	arch_set_kernel_stack((uint32_t)(uintptr_t)phys_to_virt(p->kstack) + KSTACK_SIZE);
	fpu_restore(p->fpu);
	for (unsigned i = 0; i < ARCH_TLS_SLOTS; i++)
		arch_set_tls(i, p->tls[i]);
	sched_running = true;
	swtch(&boot_esp, p->ctx_esp);   /* the boot stack is left for good */
	panic("back on the boot stack");
}

long proc_fork(struct trap_frame *f)
{
	struct proc *parent = curproc, *child = proc_alloc();
	if (!child)
		return -EAGAIN;
	if (user_space_fork(child, parent)) {
		proc_free_memory(child);
		frames_put_contig(child->kstack, KSTACK_SIZE / PAGE_SIZE);
		child->state = P_FREE;
		return -ENOMEM;
	}
	child->ppid = parent->pid;
	fd_copy_all(child, parent);
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	child->mmap_next = parent->mmap_next;
	memcpy(child->tls, parent->tls, sizeof(child->tls));
	memcpy(child->exe, parent->exe, sizeof(child->exe));
	memcpy(child->exe_path, parent->exe_path, sizeof(child->exe_path));
	child->pgid = parent->pgid;
	child->sid = parent->sid;
	child->umask = parent->umask;
	if (parent->cmdline && (child->cmdline = kmalloc(parent->cmdline_len))) {
		memcpy(child->cmdline, parent->cmdline, parent->cmdline_len);
		child->cmdline_len = parent->cmdline_len;
	}
	signal_fork(child, parent);
	fpu_save(child->fpu);           /* the parent's registers, live now */
	struct trap_frame cf = *f;
	cf.eax = 0;                     /* fork returns 0 in the child */
	prepare_stack(child, &cf);
	procfs_add(child);
	child->state = P_RUNNABLE;
	return child->pid;
}

/* Write a word into another process's memory (CLONE_CHILD_SETTID). */
int proc_poke_user(int pid, uint32_t va, uint32_t value)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &table[i];
		struct pt_walk w;
		if (p->state == P_FREE || p->pid != pid)
			continue;
		if (va > USER_END - 4 || (va & 3) || pt_walk(&arch_pt_env, &p->as, va, &w) || !w.user)
			return -EFAULT;
		if (!w.writable && (!user_cow_fault(p, va) || pt_walk(&arch_pt_env, &p->as, va, &w)))
			return -EFAULT;
		*(uint32_t *)phys_to_virt(w.pa) = value;
		return 0;
	}
	return -ESRCH;
}

void proc_exit(struct proc *p, int status)
{
	if (p->pid == 1) {
		/* init is the machine's life: its end is the machine's end, with
		 * its exit code as status ((c << 1) | 1 through isa-debug-exit). */
		/* A shell's convention: a signal's death is 128 + the signal. */
		uint32_t code = (status & 0x7f) ? 128u + (uint32_t)(status & 0x7f) :
			       ((uint32_t)status >> 8) & 0xff;
		kprintf("ringos: %s exited with status %u\n", p->exe, code);
		fs_shutdown();
		arch_poweroff(code);
	}
	if (to_free && to_free != p) {
		reap(to_free);
		to_free = NULL;
	}
	/* Files first: closing one on a disk may sleep (the VFS lock, the
	 * disk), and a process that sleeps must still have its tables. */
	fd_close_all(p);
	arch_kernel_address_space();    /* not on the tables we free */
	proc_free_memory(p);
	/* Orphans go to the nearest living ancestor that asked for them
	 * (prctl PR_SET_CHILD_SUBREAPER), else to init. */
	struct proc *reaper = by_pid(1);
	for (struct proc *a = by_pid(p->ppid); a; a = by_pid(a->ppid))
		if (a->subreaper && a->state != P_ZOMBIE) {
			reaper = a;
			break;
		}
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &table[i];
		if (c->state == P_FREE || c->ppid != p->pid)
			continue;
		c->ppid = reaper->pid;
		wake_up(reaper);
		/* A stopped group losing its parent would stay stopped for
		 * good: POSIX's orphaned-group rule hangs it up and continues it. */
		if (c->stopped && c->pgid != p->pgid) {
			signal_group(c->pgid, SIGHUP);
			signal_group(c->pgid, SIGCONT);
		}
	}
	if (p->pid == p->sid)
		tty_session_leader_exit(p->sid);
	p->status = status;
	p->state = P_ZOMBIE;
	struct proc *parent = by_pid(p->ppid);
	if (parent) {
		const struct k_sigaction *a = &parent->sigact[SIGCHLD - 1];
		if (a->handler == SIG_IGN || (a->flags & SA_NOCLDWAIT)) {
			p->autoreap = true;     /* POSIX: nobody waits, no zombie stays */
			to_free = p;
		}
		wake_up(parent);
		if (status & 0x7f)
			signal_child(parent, CLD_KILLED, p->pid, status & 0x7f);
		else
			signal_child(parent, CLD_EXITED, p->pid, (status >> 8) & 0xff);
	}
	schedule();
	panic("a zombie ran");
}

/* The parent hears of a stop or a continue: wait wakes, SIGCHLD (not for
 * stops when it asked SA_NOCLDSTOP). */
static void notify_parent(struct proc *p, int code)
{
	struct proc *parent = by_pid(p->ppid);
	if (!parent)
		return;
	wake_up(parent);
	if (!(parent->sigact[SIGCHLD - 1].flags & SA_NOCLDSTOP))
		signal_child(parent, code, p->pid, code == CLD_STOPPED ? p->stopsig : SIGCONT);
}

void proc_stop(struct proc *p, int sig)
{
	p->stopped = true;
	p->stopsig = (uint8_t)sig;
	p->wait_report = WR_STOPPED;
	notify_parent(p, CLD_STOPPED);
	while (p->stopped && !(p->sig_pending & SIG_BIT(SIGKILL))) {
		p->wait_on = &p->stopped;
		p->state = P_SLEEPING;
		schedule();
		p->wait_on = NULL;
	}
}

void proc_continue(struct proc *p)
{
	if (!p->stopped)
		return;
	p->stopped = false;
	p->wait_report = WR_CONTINUED;
	if (p->state == P_SLEEPING && p->wait_on == &p->stopped)
		p->state = P_RUNNABLE;
	notify_parent(p, CLD_CONTINUED);
}

/* struct rusage (i386): user and system time, then 14 longs left zero. */
static int put_rusage(uint32_t uptr, uint32_t utime, uint32_t stime)
{
	uint32_t ru[18] = { 0 };
	ru[0] = utime / TICK_HZ;
	ru[1] = (utime % TICK_HZ) * (1000000 / TICK_HZ);
	ru[2] = stime / TICK_HZ;
	ru[3] = (stime % TICK_HZ) * (1000000 / TICK_HZ);
	return copy_to_user(uptr, ru, sizeof(ru));
}

long proc_getrusage(int who, uint32_t uptr)
{
	struct proc *p = curproc;
	if (who == 0)                   /* RUSAGE_SELF */
		return put_rusage(uptr, p->utime, p->stime) ? -EFAULT : 0;
	if (who == -1)                  /* RUSAGE_CHILDREN */
		return put_rusage(uptr, p->cutime, p->cstime) ? -EFAULT : 0;
	return -EINVAL;
}

/*
 * wait4(pid, status, options, rusage): pid > 0 that child, 0 a child in the
 * caller's group, -1 any child, < -1 a child in group -pid. Besides ended
 * children, WUNTRACED reports stopped ones ((sig << 8) | 0x7f) and
 * WCONTINUED continued ones (0xffff), each once.
 */
long proc_wait(int pid, uint32_t status_ptr, int options, uint32_t rusage_ptr)
{
	if ((uint32_t)options & ~(WNOHANG | WUNTRACED | WCONTINUED | WAIT_LINUX_FLAGS))
		return -EINVAL;
	for (;;) {
		bool have = false;
		for (int i = 0; i < NPROC; i++) {
			struct proc *c = &table[i];
			if (c->state == P_FREE || c->ppid != curproc->pid || c->autoreap)
				continue;
			if (pid > 0 ? c->pid != pid : pid == 0 ? c->pgid != curproc->pgid :
			    pid < -1 ? c->pgid != -pid : false)
				continue;
			have = true;
			int st;
			if (c->state == P_ZOMBIE)
				st = c->status;
			else if ((options & WUNTRACED) && c->wait_report == WR_STOPPED)
				st = (c->stopsig << 8) | 0x7f;
			else if ((options & WCONTINUED) && c->wait_report == WR_CONTINUED)
				st = 0xffff;
			else
				continue;
			if (status_ptr && copy_to_user(status_ptr, &st, 4))
				return -EFAULT;
			if (rusage_ptr && put_rusage(rusage_ptr, c->utime + c->cutime, c->stime + c->cstime))
				return -EFAULT;
			int cpid = c->pid;
			if (c->state == P_ZOMBIE) {
				curproc->cutime += c->utime + c->cutime;
				curproc->cstime += c->stime + c->cstime;
				reap(c);
			} else {
				c->wait_report = WR_NONE;
			}
			return cpid;
		}
		if (!have)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		if (signal_pending(curproc))
			return -ERESTARTSYS;    /* after the scan: a dead child wins over the signal */
		sleep_on(curproc);
	}
}
