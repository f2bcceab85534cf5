/*
 * ringos: the kernel's entry. The port brings the machine up; the kernel
 * then starts /init. For now /init is the first boot module, an ELF
 * executable (the initramfs and the rest of the process model come next:
 * docs/ringos.md).
 */
#include "proc.h"
#include "kernel.h"

void kmain(uint32_t magic, uint32_t info);
void kmain(uint32_t magic, uint32_t info)
{
	struct arch_boot_info bi;
	struct trap_frame f;
	char err[160];

	memset(&bi, 0, sizeof(bi));
	arch_init(magic, info, &bi);
	kprintf("ringos 0.1 (pc): cmdline '%s', %u module(s)\n", bi.cmdline, bi.nmodules);
	if (!bi.nmodules)
		panic("no init program: pass one as a module");

	const void *image = phys_to_virt(bi.modules[0].start);
	size_t size = (size_t)(bi.modules[0].end - bi.modules[0].start);
	static const char *const argv[] = { "/init", NULL };
	static const char *const envp[] = { "HOME=/", "TERM=linux", "PATH=/bin", NULL };

	struct proc *init = proc_alloc();
	if (!init)
		panic("no memory for init");
	curproc = init;
	if (proc_exec(init, image, size, argv, envp, &f, err, sizeof(err)))
		panic("cannot run /init: %s", err);
	kprintf("ringos: starting /init\n");
	proc_start_first(init, &f);
}
