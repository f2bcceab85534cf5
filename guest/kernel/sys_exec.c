/*
 * ringos: execve. The arguments and environment are copied into the kernel
 * before the old image goes, `#!` scripts name their interpreter, and the
 * new image replaces the old only once it is fully loaded.
 */
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"
#include "procfs.h"

#include "path.h"

/*
 * execve's arguments, copied into the kernel before the old image goes:
 * vec[] points into space. At most EXEC_STRSPACE bytes of strings in all
 * (E2BIG beyond), as Linux's limit of a quarter of the stack.
 */
enum { EXEC_STRSPACE = 128 * 1024, EXEC_MAXVEC = 8192, EXEC_MAXLINKS = 4 };

struct exec_args {
	char *space;
	uint32_t used;
	const char **argv, **envp;
	uint32_t argc, envc;
};

static int exec_add(struct exec_args *x, const char ***vec, uint32_t *n, const char *s)
{
	uint32_t len = (uint32_t)strlen(s) + 1;
	if (x->used + len > EXEC_STRSPACE || *n >= EXEC_MAXVEC)
		return -E2BIG;
	memcpy(x->space + x->used, s, len);
	(*vec)[(*n)++] = x->space + x->used;
	x->used += len;
	return 0;
}

static int exec_copy_vec(struct exec_args *x, uint32_t uvec, bool env)
{
	const char ***vec = env ? &x->envp : &x->argv;
	uint32_t *n = env ? &x->envc : &x->argc;
	for (uint32_t i = 0; uvec; i++) {
		uint32_t up;
		int rc;
		if (copy_from_user(&up, uvec + i * 4, 4))
			return -EFAULT;
		if (!up)
			break;
		if (x->used >= EXEC_STRSPACE || *n >= EXEC_MAXVEC)
			return -E2BIG;
		rc = path_from_user(up, x->space + x->used, EXEC_STRSPACE - x->used);
		if (rc == -ENAMETOOLONG)
			return -E2BIG;
		if (rc && rc != -ENOENT)        /* "" is a valid argument */
			return rc;
		(*vec)[(*n)++] = x->space + x->used;
		x->used += (uint32_t)strlen(x->space + x->used) + 1;
	}
	return 0;
}

/* One execve at a time copies its arguments (nothing in it sleeps), so
 * the space is static: no 192 KiB to allocate and zero per call. */
static char exec_space[EXEC_STRSPACE];
static const char *exec_argv[EXEC_MAXVEC + 1], *exec_envp[EXEC_MAXVEC + 1];

/*
 * "#!interpreter [one argument]" on the first line: the interpreter runs
 * with argv = interpreter, [argument,] the script's path, the old argv[1..].
 */
static int exec_script(struct exec_args *x, struct ramfs_node **n, const char *path)
{
	char line[128], *interp, *arg = NULL;
	uint32_t len = (uint32_t)MIN((*n)->size, sizeof(line) - 1);
	memcpy(line, (*n)->data, len);
	line[len] = '\0';
	char *nl = strchr(line, '\n');
	if (!nl)
		return -ENOEXEC;        /* a first line too long to be an interpreter's */
	*nl = '\0';
	for (interp = line + 2; *interp == ' ' || *interp == '\t'; interp++)
		;
	if (!*interp)
		return -ENOEXEC;
	char *e = interp;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (*e) {
		*e++ = '\0';
		while (*e == ' ' || *e == '\t')
			e++;
		if (*e) {
			arg = e;
			for (char *t = e + strlen(e); t > e && (t[-1] == ' ' || t[-1] == '\t');)
				*--t = '\0';
		}
	}
	/* The new argv: shift the old one right to make room. */
	uint32_t extra = arg ? 3 : 2;   /* replaces argv[0] */
	if (x->argc + extra > EXEC_MAXVEC)
		return -E2BIG;
	uint32_t keep = x->argc ? x->argc - 1 : 0;
	memmove(x->argv + extra, x->argv + 1, keep * sizeof(char *));
	x->argc = 0;
	const char **v = x->argv;
	int rc;
	uint32_t n0 = 0;
	if ((rc = exec_add(x, &v, &n0, interp)) || (arg && (rc = exec_add(x, &v, &n0, arg))) ||
	    (rc = exec_add(x, &v, &n0, path)))
		return rc;
	x->argc = n0 + keep;
	int r = ramfs_lookup(curproc->cwd ? curproc->cwd : rootfs.root, interp, n);
	if (r)
		return r;
	return (*n)->type == RAMFS_FILE ? 0 : -EACCES;
}

/* execve: the new image replaces the old only once it is fully loaded. */
long sys_execve(struct trap_frame *f)
{
	static char path[PATH_MAX_];    /* nothing below sleeps: one caller at a time */
	struct ramfs_node *n;
	int rc = path_from_user(f->ebx, path, sizeof(path));
	if (rc || (rc = ramfs_lookup(curproc->cwd ? curproc->cwd : rootfs.root, path, &n)))
		return rc;
	if (n->type != RAMFS_FILE || !(n->mode & 0111) || vfs_read_only_node(n))
		return -EACCES;

	struct exec_args x = { .space = exec_space, .argv = exec_argv, .envp = exec_envp };
	if ((rc = exec_copy_vec(&x, f->ecx, false)) || (rc = exec_copy_vec(&x, f->edx, true)))
		return rc;
	if (!x.argc && (rc = exec_add(&x, &x.argv, &x.argc, path)))
		return rc;
	/* An interpreter may be a script itself, a few levels deep. */
	for (int depth = 0; n->size >= 2 && !memcmp(n->data, "#!", 2); depth++) {
		if (depth == EXEC_MAXLINKS)
			return -RAMFS_ELOOP;
		if ((rc = exec_script(&x, &n, depth ? x.argv[0] : path)))
			return rc;
	}
	x.argv[x.argc] = NULL;
	x.envp[x.envc] = NULL;
	const char *const *argv = x.argv, *const *envp = x.envp;

	struct proc *p = curproc;
	struct pae_space old = p->as;
	uint32_t old_brk_start = p->brk_start, old_brk = p->brk, old_mmap = p->mmap_next;
	char err[128];
	rc = proc_exec(p, n->data, n->size, argv, envp, f, err, sizeof(err));
	if (rc) {
		/* Back to the old image, untouched: switch to it first, then free
		 * the half-built one (it must not be in use while it goes). */
		struct pae_space half = p->as;
		p->as = old;
		p->brk_start = old_brk_start;
		p->brk = old_brk;
		p->mmap_next = old_mmap;
		arch_switch_address_space(&p->as);
		if (half.pdpt && half.pdpt != old.pdpt) {
			p->as = half;
			proc_free_memory(p);
			p->as = old;
		}
		return rc;
	}
	struct pae_space gone = p->as;
	p->as = old;
	proc_free_memory(p);
	p->as = gone;
	memset(p->tls, 0, sizeof(p->tls));
	for (unsigned i = 0; i < ARCH_TLS_SLOTS; i++)
		arch_set_tls(i, 0);
	snprintf(p->exe, sizeof(p->exe), "%s", path);
	if (vfs_path_of(n, p->exe_path, sizeof(p->exe_path)) < 0)
		snprintf(p->exe_path, sizeof(p->exe_path), "%s", path);
	procfs_exec(p);
	signal_exec(p);
	for (int fd = 0; fd < NFD; fd++)
		if (p->fds[fd] && p->fd_cloexec[fd]) {
			file_put(p->fds[fd]);
			p->fds[fd] = NULL;
			p->fd_cloexec[fd] = 0;
		}
	return (long)f->eax;            /* the new image's eax (0) */
}
