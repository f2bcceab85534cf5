/*
 * ringos: the kernel's entry. The port brings the machine up; the kernel
 * then starts /init. For now /init is the first boot module, an ELF
 * executable (the initramfs and the rest of the process model come next:
 * docs/ringos.md).
 */
#include "proc.h"
#include "kernel.h"
#include "file.h"

void kmain(uint32_t magic, uint32_t info);
void kmain(uint32_t magic, uint32_t info)
{
	struct arch_boot_info bi;
	struct trap_frame f;
	char err[160];

	memset(&bi, 0, sizeof(bi));
	arch_init(magic, info, &bi);
	kprintf("ringos 0.1 (%s): cmdline '%s', %u module(s)\n", arch_name(), bi.cmdline, bi.nmodules);
	if (!bi.nmodules)
		panic("no init program: pass one as a module");

	/* The first module is the initramfs (a newc cpio archive) holding
	 * /init, or directly an ELF program to run as /init. */
	const void *image = phys_to_virt(bi.modules[0].start);
	size_t size = (size_t)(bi.modules[0].end - bi.modules[0].start);
	bool cpio = size >= 6 && !memcmp(image, "070701", 6);
	int rc = fs_init(cpio ? image : NULL, cpio ? size : 0);
	if (rc)
		panic("cannot build the root filesystem from the initramfs (%d)", rc);
	if (cpio) {
		struct ramfs_node *n;
		if (ramfs_lookup(rootfs.root, "/init", &n) || n->type != RAMFS_FILE)
			panic("the initramfs has no /init");
		image = n->data;
		size = n->size;
	}
	static const char *const argv[] = { "/init", NULL };
	static const char *const envp[] = { "HOME=/", "TERM=linux", "PATH=/bin", NULL };

	struct proc *init = proc_alloc();
	if (!init)
		panic("no memory for init");
	curproc = init;
	init->cwd = rootfs.root;
	ramfs_get(init->cwd);
	for (int fd = 0; fd < 3; fd++)
		if (file_open_path(init, "/dev/console", O_RDWR, 0) != fd)
			panic("cannot open /dev/console");
	if (proc_exec(init, image, size, argv, envp, &f, err, sizeof(err)))
		panic("cannot run /init: %s", err);
	kprintf("ringos: starting /init\n");
	proc_start_first(init, &f);
}
