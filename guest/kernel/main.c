/*
 * ringos: the kernel's entry. The port brings the machine up; the kernel
 * then starts /init. For now /init is the first boot module, an ELF
 * executable (the initramfs and the rest of the process model come next:
 * docs/ringos.md).
 */
#include "proc.h"
#include "kernel.h"
#include "rvio.h"
#include "file.h"
#include "fwd.h"
#include "procfs.h"
#include "ata.h"
#include "blkdev.h"
#include "uapi/errno.h"
#include <public/errno.h>

/* lib/ returns the hypervisor ABI's errors (RV_E*), which ringos hands on to
 * its programs: they must be Linux's numbers, as uapi/errno.h has them. */
_Static_assert(RV_EPERM == EPERM && RV_ENOENT == ENOENT && RV_EIO == EIO && RV_E2BIG == E2BIG &&
	       RV_ENOEXEC == ENOEXEC && RV_EBADF == EBADF && RV_EAGAIN == EAGAIN &&
	       RV_ENOMEM == ENOMEM && RV_EACCES == EACCES && RV_EFAULT == EFAULT &&
	       RV_EBUSY == EBUSY && RV_EEXIST == EEXIST && RV_EINVAL == EINVAL &&
	       RV_ENOSPC == ENOSPC && RV_ERANGE == ERANGE && RV_ENOSYS == ENOSYS &&
	       RV_EALREADY == EALREADY, "include/public/errno.h and uapi/errno.h disagree");

bool opt_strace;
const char *opt_init = "/init";

/* mount=DEVICE:DIR[:ro]: filesystems mounted before init runs. */
#define BOOT_MOUNTS 4
static const char *opt_mounts[BOOT_MOUNTS];
static unsigned nmounts;

/* What the command line hands to init, as Linux does: name=value words in
 * its environment, other words as its arguments. */
#define INIT_MAX_WORDS 16
static const char *init_argv[INIT_MAX_WORDS + 2];
static const char *init_envp[INIT_MAX_WORDS + 4] = { "HOME=/", "TERM=linux", "PATH=/bin:/sbin:/usr/bin:/usr/sbin" };
static unsigned init_argc = 1, init_envc = 3;

/*
 * The command line: words separated by spaces, the first (the image's own
 * name, as boot loaders pass it) skipped when it is not an option. Unknown
 * words are reported and ignored.
 */
static void parse_cmdline(char *s)
{
	static char init_path[128];

	for (char *w = s; *w;) {
		while (*w == ' ')
			w++;
		if (!*w)
			break;
		char *end = w;
		while (*end && *end != ' ')
			end++;
		bool more = *end != '\0';
		*end = '\0';                   /* the words stay in place for init */
		if (!strcmp(w, "strace")) {
			opt_strace = true;
		} else if (!strcmp(w, "rvio_selftest")) {
			rvio_selftest_on = true;
		} else if (!strncmp(w, "init=", 5) && w[5] == '/' && strlen(w + 5) < sizeof(init_path)) {
			memcpy(init_path, w + 5, strlen(w + 5) + 1);
			opt_init = init_path;
		} else if (!strncmp(w, "mount=", 6)) {
			if (nmounts < BOOT_MOUNTS)
				opt_mounts[nmounts++] = w + 6;
		} else if (strchr(w, '=')) {
			if (init_envc < INIT_MAX_WORDS + 3)
				init_envp[init_envc++] = w;
		} else if (w != s) {
			if (init_argc < INIT_MAX_WORDS + 1)
				init_argv[init_argc++] = w;
		}
		w = more ? end + 1 : end;
	}
}

/* The first split disk (pv: disk = in the domain's config; docs/io.md,
 * "Split block driver"), /dev/xvda, is mounted at /mnt, read-only if the
 * disk is, unless a mount= word names it. */
static void mount_xvda(void)
{
	struct blkdev *bd = blkdev_find(202u << 8);
	if (!bd)
		return;
	for (unsigned i = 0; i < nmounts; i++)
		if (!strncmp(opt_mounts[i], "/dev/xvda:", 10))
			return;
	fs_mount_boot(bd->readonly ? "/dev/xvda:/mnt:ro" : "/dev/xvda:/mnt");
}

void kmain(uint32_t magic, uint32_t info);
void kmain(uint32_t magic, uint32_t info)
{
	struct arch_boot_info bi;
	struct trap_frame f;
	char err[160];

	memset(&bi, 0, sizeof(bi));
	arch_init(magic, info, &bi);
	kprintf("ringos 0.1 (%s): cmdline '%s', %u module(s)\n", arch_name(), bi.cmdline, bi.nmodules);
	static char cmdline[256];
	if (bi.cmdline) {
		size_t n = strnlen(bi.cmdline, sizeof(cmdline) - 1);
		memcpy(cmdline, bi.cmdline, n);
	}
	parse_cmdline(cmdline);
	if (rvio_selftest_on)
		rvio_selftest_boot();   /* its process part comes with /init */
	if (!bi.nmodules)
		panic("no init program: pass one as a module");

	/* The first module is the initramfs (a newc cpio archive) holding
	 * /init, or directly an ELF program to run as /init. */
	const void *image = phys_to_virt(bi.modules[0].start);
	size_t size = (size_t)(bi.modules[0].end - bi.modules[0].start);
	bool cpio = size >= 6 && !memcmp(image, "070701", 6);
	ata_init();                     /* the disks first: /dev lists them */
	arch_disks_init();
	int rc = fs_init(cpio ? image : NULL, cpio ? size : 0);
	if (rc)
		panic("cannot build the root filesystem from the initramfs (%d)", rc);
	for (unsigned i = 0; i < nmounts; i++)
		fs_mount_boot(opt_mounts[i]);
	fwd_boot();                     /* the forwarded mounts the toolstack gave us (pv) */
	mount_xvda();
	if (cpio) {
		struct ramfs_node *n;
		if (ramfs_lookup(rootfs.root, opt_init, &n) || n->type != RAMFS_FILE)
			panic("the initramfs has no %s", opt_init);
		image = n->data;
		size = n->size;
	}
	init_argv[0] = opt_init;
	const char *const *argv = init_argv, *const *envp = init_envp;

	struct proc *init = proc_alloc();
	if (!init)
		panic("no memory for init");
	curproc = init;
	vfs_root(&init->cwd);
	vfs_hold(&init->cwd);
	init->umask = 022;
	for (int fd = 0; fd < 3; fd++)
		if (file_open_path(init, "/dev/console", O_RDWR, 0) != fd)
			panic("cannot open /dev/console");
	if (proc_exec(init, image, size, argv, envp, &f, err, sizeof(err)))
		panic("cannot run %s: %s", opt_init, err);
	snprintf(init->exe_path, sizeof(init->exe_path), "%s", opt_init);
	struct vnode in;
	if (cpio && !vfs_lookup(&init->cwd, opt_init, 0, &in)) {
		vfs_path_of(&in, init->exe_path, sizeof(init->exe_path));
		vfs_put(&in);
	}
	procfs_add(init);
	kprintf("ringos: starting %s\n", opt_init);
	proc_start_first(init, &f);
}
