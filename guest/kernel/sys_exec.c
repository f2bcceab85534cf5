/*
 * ringos: execve. The arguments and environment are copied into the kernel
 * before the old image goes, `#!` scripts name their interpreter, and the
 * new image replaces the old only once it is fully loaded.
 */
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "file.h"
#include "fwd.h"
#include "path.h"
#include "kernel.h"
#include "proc.h"
#include "syscalls.h"
#include "procfs.h"

#include "path.h"

/* The program (or interpreter) path names, held: in a forwarding mount,
 * one request opens it and the image is read through that handle. */
static int exec_lookup(const struct vnode *base, const char *path, struct vnode *v)
{
	struct vfs_fwd fwd = { .rest = path_get() };
	if (!fwd.rest)
		return -ENOMEM;
	int rc = vfs_lookup_fwd(base, path, 0, v, &fwd);
	if (rc == VFS_FORWARDED) {
		rc = fwd_open(&fwd, O_RDONLY, 0, v);
		vfs_put(&fwd.dir);
	}
	path_put(fwd.rest);
	return rc;
}

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

/* One execve at a time (each holds the VFS lock throughout: the program's
 * file may be on a disk, whose reads sleep), so the space is static: no
 * 192 KiB to allocate and zero per call. */
static char exec_space[EXEC_STRSPACE];
static const char *exec_argv[EXEC_MAXVEC + 1], *exec_envp[EXEC_MAXVEC + 1];

/* A file's first line, for "#!": up to size - 1 bytes, NUL-terminated. */
static long read_head(const struct vnode *v, char *buf, size_t size)
{
	long n = vfs_read(v, 0, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/*
 * "#!interpreter [one argument]" on the first line (line, already read):
 * the interpreter runs with argv = interpreter, [argument,] the script's
 * path, the old argv[1..]. *v becomes the interpreter (held).
 */
static int exec_script(struct exec_args *x, struct vnode *v, char *line, const char *path)
{
	char *interp, *arg = NULL;
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
	const char **vec = x->argv;
	int rc;
	uint32_t n0 = 0;
	if ((rc = exec_add(x, &vec, &n0, interp)) || (arg && (rc = exec_add(x, &vec, &n0, arg))) ||
	    (rc = exec_add(x, &vec, &n0, path)))
		return rc;
	x->argc = n0 + keep;
	struct vnode base, in;
	file_cwd(curproc, &base);
	if ((rc = exec_lookup(&base, interp, &in)))
		return rc;
	vfs_put(v);
	*v = in;
	return v->type == VREG ? 0 : -EACCES;
}

/*
 * The program's absolute path, for /proc/PID/exe: where its filesystem
 * says the file is, or else (ext2 does not know a file's directory) the
 * path as execve was given it, from the working directory.
 */
static void exec_path(const struct vnode *v, const char *path, char *out, size_t size)
{
	struct vnode cwd;
	long n;
	if (vfs_path_of(v, out, size) >= 0)
		return;
	file_cwd(curproc, &cwd);
	n = path[0] == '/' ? 0 : vfs_path_of(&cwd, out, size);
	if (n < 0)
		n = 0;
	snprintf(out + n, size - (size_t)n, "%s%s", n > 1 ? "/" : "", path);
}

/* The program's bytes: in place (ramfs), or read whole into *copy (a
 * disk's file), which the caller frees. */
static const void *exec_image(const struct vnode *v, size_t *size, void **copy)
{
	struct kstat st;
	const void *in_place = vfs_contents(v, size);
	*copy = NULL;
	if (in_place || vfs_stat(v, &st) || st.size > 0x10000000u || !(*copy = kmalloc(st.size + 1)))
		return in_place;
	long n = vfs_read(v, 0, *copy, (size_t)st.size);
	*size = n > 0 ? (size_t)n : 0;
	return *copy;
}

/* execve, once its file is found (held): the arguments, scripts, the image. */
static long exec_file(struct trap_frame *f, struct vnode *v, const char *path)
{
	static char line[128];
	struct kstat st;
	int rc = vfs_stat(v, &st);
	if (rc)
		return rc;
	if (v->type != VREG || !(st.mode & 0111) || (v->mnt->flags & VFS_MNT_KERNEL))
		return -EACCES;

	struct exec_args x = { .space = exec_space, .argv = exec_argv, .envp = exec_envp };
	if ((rc = exec_copy_vec(&x, f->ecx, false)) || (rc = exec_copy_vec(&x, f->edx, true)))
		return rc;
	if (!x.argc && (rc = exec_add(&x, &x.argv, &x.argc, path)))
		return rc;
	/* An interpreter may be a script itself, a few levels deep. */
	for (int depth = 0; read_head(v, line, sizeof(line)) >= 2 && !memcmp(line, "#!", 2); depth++) {
		if (depth == EXEC_MAXLINKS)
			return -ELOOP;
		if ((rc = exec_script(&x, v, line, depth ? x.argv[0] : path)))
			return rc;
	}
	x.argv[x.argc] = NULL;
	x.envp[x.envc] = NULL;
	const char *const *argv = x.argv, *const *envp = x.envp;

	size_t size;
	void *copy;
	const void *image = exec_image(v, &size, &copy);
	if (!image)
		return -ENOMEM;
	struct proc *p = curproc;
	struct pae_space old = p->as;
	uint32_t old_brk_start = p->brk_start, old_brk = p->brk, old_mmap = p->mmap_next;
	char err[128];
	rc = proc_exec(p, image, size, argv, envp, f, err, sizeof(err));
	kfree(copy);
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
	exec_path(v, path, p->exe_path, sizeof(p->exe_path));
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

/* execve: the new image replaces the old only once it is fully loaded. */
long sys_execve(struct trap_frame *f)
{
	static char path[PATH_MAX_];
	struct vnode base, v;
	vfs_lock();
	file_cwd(curproc, &base);
	long rc = path_from_user(f->ebx, path, sizeof(path));
	if (!rc && !(rc = exec_lookup(&base, path, &v))) {
		rc = exec_file(f, &v, path);
		vfs_put(&v);
	}
	vfs_unlock();
	return rc;
}
