/*
 * ringos: /proc (include/procfs.h), a ramfs of its own mounted on /proc
 * as one of the kernel's (VFS_MNT_KERNEL: programs change nothing there).
 * Each node of /proc carries a tag in its ramfs priv field: a marker bit, what it is (kind) and, below /proc/PID,
 * the pid. The tag is a number, not a pointer, so nothing has to be freed
 * when an open file outlives its process: the text of a vanished process's
 * file is simply -ESRCH.
 */
#include "procfs.h"
#include "uapi/errno.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "tty.h"
#include "path.h"

#define TAG_BIT         0x80000000u
#define TAG(kind, pid)  ((void *)(uintptr_t)(TAG_BIT | ((uint32_t)(kind) << 24) | (uint32_t)(pid)))
#define TAG_KIND(t)     (((uint32_t)(uintptr_t)(t) >> 24) & 0x7f)
#define TAG_PID(t)      ((int)((uint32_t)(uintptr_t)(t) & 0xffffff))
#define TEXT_MAX        8192

enum kind {
	K_DIR = 1,              /* /proc, /proc/PID: no changes */
	K_LINK,                 /* PID/exe */
	K_SELF,                 /* self: the pid of whoever follows it */
	K_MEMINFO, K_UPTIME, K_VERSION, K_CPUINFO, K_LOADAVG, K_MOUNTS, K_FILESYSTEMS, K_STAT,
	K_HYPERVISOR,
	K_PID_STAT, K_PID_STATM, K_PID_STATUS, K_PID_CMDLINE, K_PID_COMM,
};

static struct ramfs proc_fs;
static struct ramfs_node *proc_root;
static struct mount *proc_mount;

static const struct { const char *name; enum kind kind; } root_files[] = {
	{ "meminfo", K_MEMINFO }, { "uptime", K_UPTIME }, { "version", K_VERSION },
	{ "cpuinfo", K_CPUINFO }, { "loadavg", K_LOADAVG }, { "mounts", K_MOUNTS },
	{ "filesystems", K_FILESYSTEMS }, { "stat", K_STAT }, { "hypervisor", K_HYPERVISOR },
};

static const struct { const char *name; enum kind kind; } pid_files[] = {
	{ "stat", K_PID_STAT }, { "statm", K_PID_STATM }, { "status", K_PID_STATUS },
	{ "cmdline", K_PID_CMDLINE }, { "comm", K_PID_COMM },
};

static bool procfs_node(const struct ramfs_node *n)
{
	return n->fs == &proc_fs && ((uint32_t)(uintptr_t)n->priv & TAG_BIT) != 0;
}

static int add_file(struct ramfs_node *dir, const char *name, enum kind kind, int pid)
{
	struct ramfs_node *n;
	int rc = ramfs_create(dir, name, RAMFS_FILE, &n);
	if (rc)
		return rc;
	n->mode = 0444;
	n->priv = TAG(kind, pid);
	return 0;
}

static int add_link(struct ramfs_node *dir, const char *name, const char *target,
		    struct ramfs_node **out)
{
	struct ramfs_node *n;
	int rc = ramfs_symlink(dir, name, target, &n);
	if (rc)
		return rc;
	n->priv = TAG(K_LINK, 0);
	if (out)
		*out = n;
	return 0;
}

static void *heap_alloc(size_t n)
{
	return kmalloc(n);
}

static const struct ramfs_ops proc_ops = { heap_alloc, kfree, procfs_link_target };

/* The directory /proc is mounted on: the root's, made if the initramfs
 * has none. */
static int mount_point(struct vnode *dir)
{
	struct vnode root;
	int rc;

	vfs_root(&root);
	if ((rc = vfs_lookup(&root, "/proc", 0, dir)) != -ENOENT)
		return rc;
	if ((rc = vfs_mkdir(&root, "proc", 0555)))
		return rc;
	return vfs_lookup(&root, "/proc", 0, dir);
}

int procfs_init(void)
{
	struct vnode dir;
	int rc;
	if ((rc = ramfs_init(&proc_fs, &proc_ops)))
		return rc;
	proc_root = proc_fs.root;
	proc_root->mode = 0555;
	proc_root->priv = TAG(K_DIR, 0);
	char probe[8];
	for (unsigned i = 0; i < ARRAY_SIZE(root_files); i++) {
		/* /proc/hypervisor only where there is one */
		if (root_files[i].kind == K_HYPERVISOR && arch_hypervisor_info(probe, sizeof(probe)) < 0)
			continue;
		if ((rc = add_file(proc_root, root_files[i].name, root_files[i].kind, 0)))
			return rc;
	}
	struct ramfs_node *self;
	if ((rc = add_link(proc_root, "self", "self", &self)))
		return rc;
	self->priv = TAG(K_SELF, 0);    /* its target is computed (procfs_link_target) */
	if (!(proc_mount = vfs_ramfs_mount(&proc_fs, false)))
		return -ENOMEM;
	proc_mount->type = "proc";
	proc_mount->dev = DEV_PROCFS;
	proc_mount->flags = VFS_MNT_KERNEL;
	snprintf(proc_mount->source, sizeof(proc_mount->source), "proc");
	if ((rc = mount_point(&dir)))
		return rc;
	rc = vfs_mount_at(proc_mount, &dir);
	vfs_put(&dir);
	return rc;
}

size_t procfs_link_target(const struct ramfs_node *link, char *buf, size_t size)
{
	if (!procfs_node(link) || TAG_KIND(link->priv) != K_SELF || !curproc)
		return 0;
	int n = snprintf(buf, size, "%d", curproc->pid);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

void procfs_add(struct proc *p)
{
	char name[12];
	struct ramfs_node *dir;
	if (!proc_root)
		return;
	snprintf(name, sizeof(name), "%d", p->pid);
	if (ramfs_mkdir(proc_root, name, &dir))
		return;                 /* out of memory: the process runs without it */
	dir->mode = 0555;
	dir->priv = TAG(K_DIR, p->pid);
	for (unsigned i = 0; i < ARRAY_SIZE(pid_files); i++)
		add_file(dir, pid_files[i].name, pid_files[i].kind, p->pid);
	add_link(dir, "exe", p->exe_path[0] ? p->exe_path : "/", NULL);
}

/* /proc/PID, or NULL; name gets "PID". */
static struct ramfs_node *pid_dir(int pid, char name[12])
{
	struct ramfs_node *dir;
	snprintf(name, 12, "%d", pid);
	if (!proc_root || ramfs_lookup(proc_root, name, &dir) || dir->type != RAMFS_DIR)
		return NULL;
	return dir;
}

void procfs_exec(struct proc *p)
{
	char name[12];
	struct ramfs_node *dir = pid_dir(p->pid, name);
	if (!dir)
		return;
	ramfs_unlink(dir, "exe");
	add_link(dir, "exe", p->exe_path[0] ? p->exe_path : "/", NULL);
}

void procfs_remove(int pid)
{
	char name[12];
	struct ramfs_node *dir = pid_dir(pid, name);
	if (!dir)
		return;
	while (dir->children) {
		struct ramfs_node *c = dir->children;
		char cname[RAMFS_NAME_MAX + 1];
		memcpy(cname, c->name, c->name_len + 1);
		ramfs_unlink(dir, cname);
	}
	ramfs_rmdir(proc_root, name);
}

/* ---- the texts ---- */

struct text {
	char *buf;
	uint32_t len, cap;
};

static void __printf(2, 3) put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	if (t->len >= t->cap)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len = MIN(t->cap, t->len + (uint32_t)n);
}

static void counts(uint32_t *nprocs, uint32_t *running, int *last_pid)
{
	*nprocs = *running = 0;
	*last_pid = 0;
	for (int i = 0; i < NPROC; i++) {
		struct proc *q = proc_slot(i);
		if (q->state == P_FREE)
			continue;
		(*nprocs)++;
		if (q->state == P_RUNNABLE)
			(*running)++;
		*last_pid = MAX(*last_pid, q->pid);
	}
}

/* Pages of user memory present in p's address space. */
static uint32_t resident_pages(const struct proc *p)
{
	uint32_t n = 0;
	if (!p->as.pdpt)
		return 0;
	const pte_t *l3 = phys_to_virt(p->as.pdpt);
	for (int i = 0; i < 3; i++) {
		if (!(l3[i] & PTE_P))
			continue;
		const pte_t *l2 = phys_to_virt(arch_pte_addr(l3[i]));
		for (int j = 0; j < 512; j++) {
			if (!(l2[j] & PTE_P))
				continue;
			const pte_t *l1 = phys_to_virt(arch_pte_addr(l2[j]));
			for (int k = 0; k < 512; k++)
				n += (l1[k] & PTE_P) != 0;
		}
	}
	return n;
}

static char state_letter(const struct proc *p)
{
	if (p->state == P_ZOMBIE)
		return 'Z';
	if (p->stopped)
		return 'T';
	return p->state == P_RUNNABLE ? 'R' : 'S';
}

static const char *state_name(char c)
{
	switch (c) {
	case 'R': return "running";
	case 'Z': return "zombie";
	case 'T': return "stopped";
	default: return "sleeping";
	}
}

/* Linux's comm: the program's file name, at most 15 bytes. */
static void comm_of(const struct proc *p, char out[16])
{
	const char *b = p->exe;
	for (const char *s = p->exe; *s; s++)
		if (*s == '/' && s[1])
			b = s + 1;
	size_t n = MIN(strlen(b), (size_t)15);
	memcpy(out, b, n);
	out[n] = '\0';
}

static struct proc *live(int pid)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *q = proc_slot(i);
		if (q->state != P_FREE && q->pid == pid)
			return q;
	}
	return NULL;
}

static void pid_text(struct text *t, enum kind kind, struct proc *p)
{
	char comm[16], st = state_letter(p);
	uint32_t rss = resident_pages(p);
	uint64_t start = p->start_ns / (1000000000ull / TICK_HZ);
	int tty_pgrp = 0, tty_sid = tty_session(&tty_pgrp);
	bool ctty = tty_sid && tty_sid == p->sid;

	comm_of(p, comm);
	switch (kind) {
	case K_PID_STAT:
		put(t, "%d (%s) %c %d %d %d %d %d %u %u %u %u %u %u %u %d %d %d %d %d %d %llu %u %u "
		    "%u %u %u %u %u %u %u %u %u %u %u %u %u %d %d %u %u %u %u %d %u %u %u %u %u %u %u %d\n",
		    p->pid, comm, st, p->ppid, p->pgid, p->sid, ctty ? 0x501 : 0,
		    ctty ? tty_pgrp : -1, 0x400000u /* PF_RANDOMIZE-free, as a user task */,
		    0u, 0u, 0u, 0u, p->utime, p->stime, (int)p->cutime, (int)p->cstime, 20, 0, 1, 0,
		    (unsigned long long)start, rss * PAGE_SIZE, rss, 0xffffffffu, 0u, 0u,
		    0u, 0u, 0u, (uint32_t)p->sig_pending, (uint32_t)p->sig_blocked, 0u, 0u, 0u, 0u, 0u,
		    SIGCHLD, 0, 0u, 0u, 0u, 0u, 0, p->brk_start, p->brk, p->brk_start, 0u, 0u, 0u, 0u,
		    p->state == P_ZOMBIE ? p->status : 0);
		break;
	case K_PID_STATM:
		put(t, "%u %u 0 0 0 0 0\n", rss, rss);
		break;
	case K_PID_STATUS:
		put(t, "Name:\t%s\nUmask:\t%04o\nState:\t%c (%s)\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n"
		    "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmSize:\t%u kB\nVmRSS:\t%u kB\nThreads:\t1\n"
		    "SigPnd:\t%016llx\nSigBlk:\t%016llx\n",
		    comm, p->umask, st, state_name(st), p->pid, p->pid, p->ppid, rss * 4, rss * 4,
		    (unsigned long long)p->sig_pending, (unsigned long long)p->sig_blocked);
		break;
	case K_PID_CMDLINE:
		if (p->cmdline && p->cmdline_len <= t->cap) {
			memcpy(t->buf, p->cmdline, p->cmdline_len);
			t->len = p->cmdline_len;
		}
		break;
	case K_PID_COMM:
		put(t, "%s\n", comm);
		break;
	default:
		break;
	}
}

/* A line of /proc/mounts: device, mount point, type, options. */
static int mount_line(struct mount *m, void *text)
{
	char *at = path_get();
	struct vnode root = m->root;
	if (!at)
		return -ENOMEM;
	if (vfs_path_of(&root, at, PATH_MAX_) < 0)
		snprintf(at, PATH_MAX_, "?");
	put(text, "%s %s %s %s%s 0 0\n", m->source, at, m->type,
	    (m->flags & VFS_MNT_RDONLY) ? "ro" : "rw",
	    (m->flags & VFS_MNT_KERNEL) ? ",nosuid,nodev,noexec" : "");
	path_put(at);
	return 0;
}

static void root_text(struct text *t, enum kind kind)
{
	uint32_t total, free, nprocs, running;
	int last;
	uint64_t now = arch_time_ns(), idle = proc_idle_ticks();
	mem_stats(&total, &free);
	counts(&nprocs, &running, &last);
	uint64_t busy_u = 0, busy_s = 0;
	for (int i = 0; i < NPROC; i++) {
		struct proc *q = proc_slot(i);
		if (q->state != P_FREE) {
			busy_u += q->utime;
			busy_s += q->stime;
		}
	}

	switch (kind) {
	case K_MEMINFO:
		put(t, "MemTotal:       %8u kB\nMemFree:        %8u kB\nMemAvailable:   %8u kB\n"
		    "Buffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\n"
		    "Shmem:                 0 kB\nSReclaimable:          0 kB\n"
		    "SwapTotal:             0 kB\nSwapFree:              0 kB\n",
		    total * 4, free * 4, free * 4);
		break;
	case K_UPTIME:
		put(t, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(now / 1000000000ull),
		    (unsigned long long)(now / 10000000ull % 100), (unsigned long long)(idle / TICK_HZ),
		    (unsigned long long)(idle % TICK_HZ * (100 / TICK_HZ)));
		break;
	case K_VERSION:
		put(t, "ringos version 0.1 (%s) #1\n", arch_name());
		break;
	case K_CPUINFO:
		put(t, "processor\t: 0\nvendor_id\t: %s\nmodel name\t: %s\ncpu MHz\t\t: 0\n"
		    "flags\t\t: fpu tsc pae cx8 sep cmov fxsr sse sse2\n\n",
		    "ringos", !strcmp(arch_name(), "pv") ? "virtual CPU (ringvisor pv)" : "x86 (bare PC)");
		break;
	case K_LOADAVG:
		put(t, "0.00 0.00 0.00 %u/%u %d\n", running, nprocs, last);
		break;
	case K_MOUNTS:
		vfs_each_mount(mount_line, t);
		break;
	case K_FILESYSTEMS:
		put(t, "nodev\tramfs\nnodev\tproc\nnodev\ttmpfs\n\text2\n");
		break;
	case K_STAT:
		put(t, "cpu  %llu 0 %llu %llu 0 0 0 0 0 0\ncpu0 %llu 0 %llu %llu 0 0 0 0 0 0\n"
		    "btime %llu\nprocesses %d\nprocs_running %u\nprocs_blocked 0\n",
		    (unsigned long long)busy_u, (unsigned long long)busy_s, (unsigned long long)idle,
		    (unsigned long long)busy_u, (unsigned long long)busy_s, (unsigned long long)idle,
		    (unsigned long long)arch_boot_wallclock(), last, running);
		break;
	case K_HYPERVISOR: {
		long n = arch_hypervisor_info(t->buf, t->cap);
		t->len = n > 0 ? (uint32_t)n : 0;
		break;
	}
	default:
		break;
	}
}

char *procfs_text(const struct vnode *v, uint32_t *len, int *err)
{
	const struct ramfs_node *n = vfs_ramfs_node(v);
	*err = 0;
	if (!n || !procfs_node(n) || n->type != RAMFS_FILE)
		return NULL;            /* not a file whose text /proc makes */
	struct text t = { kmalloc(TEXT_MAX), 0, TEXT_MAX };
	enum kind kind = TAG_KIND(n->priv);
	if (!t.buf) {
		*err = -ENOMEM;
		return NULL;
	}
	if (kind >= K_PID_STAT) {
		struct proc *p = live(TAG_PID(n->priv));
		if (!p) {
			kfree(t.buf);
			*err = -ESRCH;
			return NULL;
		}
		pid_text(&t, kind, p);
	} else {
		root_text(&t, kind);
	}
	*len = t.len;
	return t.buf;
}
