/*
 * ringos: loading a static ELF executable into a process, and the initial
 * user stack the i386 SysV ABI (and glibc) expect:
 *   esp -> argc, argv[], NULL, envp[], NULL, auxv pairs ..., AT_NULL, strings
 */
#include "proc.h"
#include "elf32.h"
#include "uapi/errno.h"
#include "kernel.h"

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31


/* Push n bytes onto the new stack (through the kernel's view of it). */
static uint32_t push(struct proc *p, uint32_t *sp, const void *data, uint32_t n)
{
	*sp -= n;
	copy_to_user(*sp, data, n);
	return *sp;
}

/* A program lies in user space: below the kernel. */
static const struct elf_limits user_image = {
	.virt_end = USER_END, .virt_end_is = "ringos's kernel starts", .flags = ELF_ALLOW_DYN,
};

int proc_exec(struct proc *p, const void *elf, size_t size, const char *const argv[],
	      const char *const envp[], struct trap_frame *f, char *err, size_t errsize)
{
	struct elf_image img;
	int rc = elf_parse_limits(elf, size, &user_image, &img, err, errsize);
	if (rc)
		return rc;
	/* A static-pie (ET_DYN, no interpreter) goes at PIE_BASE; glibc's start
	 * code applies its own relocations from there. */
	if (img.dyn && elf_relocate(&img, PIE_BASE, &user_image)) {
		snprintf(err, errsize, "a position-independent image too big for user space");
		return -ENOEXEC;
	}
	if (img.virt_base != 0) {
		snprintf(err, errsize, "segments are not loaded at their addresses");
		return -ENOEXEC;
	}
	for (unsigned i = 0; i < img.nseg; i++)
		if ((uint64_t)img.seg[i].vaddr + img.seg[i].memsz > USER_STACK_TOP - USER_STACK_SIZE) {
			snprintf(err, errsize, "segment %u reaches the stack or the kernel", i);
			return -ENOEXEC;
		}
	/* The image is built into tables that are ordinary memory (on pv, no
	 * trap per entry), made live in one go, and only then switched to. */
	if (arch_build_address_space(&p->as)) {
		snprintf(err, errsize, "out of memory for page tables");
		return -ENOMEM;
	}
	rc = 0;
	if (elf_load(&img, elf, size, user_page, p)) {
		snprintf(err, errsize, "out of memory loading the image");
		rc = -ENOMEM;
	}
	uint32_t top = 0;
	for (unsigned i = 0; i < img.nseg && !rc; i++) {
		const struct elf_segment *s = &img.seg[i];
		top = MAX(top, s->vaddr + s->memsz);
		if (!(s->flags & ELF_PF_W) && /* read-only once loaded */
		    user_map_zero(p, s->vaddr, s->vaddr + s->memsz, false))
			rc = -ENOMEM;
	}
	/* The stack's top page now (the arguments go there); the rest of its
	 * USER_STACK_SIZE on demand (user_demand_fault). */
	if (!rc && user_map_zero(p, USER_STACK_TOP - PAGE_SIZE, USER_STACK_TOP, true)) {
		snprintf(err, errsize, "out of memory for the stack");
		rc = -ENOMEM;
	}
	arch_finish_address_space(&p->as);      /* the caller frees a failed one */
	if (rc)
		return rc;
	arch_switch_address_space(&p->as);
	fpu_reset(p->fpu);              /* a new program starts with clean registers */
	if (p == curproc)
		fpu_restore(p->fpu);
	p->brk_start = p->brk = ALIGN_UP(top, PAGE_SIZE);
	p->mmap_next = MMAP_BASE;
	snprintf(p->exe, sizeof(p->exe), "%s", argv[0]);

	/* The program headers, for AT_PHDR: inside the first segment. */
	const struct elf32_ehdr *eh = elf;
	uint32_t phdr = 0;
	for (unsigned i = 0; i < img.nseg; i++)
		if (eh->e_phoff >= img.seg[i].offset &&
		    eh->e_phoff < img.seg[i].offset + img.seg[i].filesz)
			phdr = img.seg[i].vaddr + (eh->e_phoff - img.seg[i].offset);

	uint32_t sp = USER_STACK_TOP, argc = 0, envc = 0, rnd[4];
	while (envp[envc])
		envc++;
	while (argv[argc])
		argc++;
	/* The strings, then the vectors pointing at them: each string's
	 * address is known from the lengths alone. */
	for (uint32_t i = envc; i--;)
		push(p, &sp, envp[i], (uint32_t)strlen(envp[i]) + 1);
	for (uint32_t i = argc; i--;)
		push(p, &sp, argv[i], (uint32_t)strlen(argv[i]) + 1);
	uint32_t strings = sp;
	uint32_t platform = push(p, &sp, "i686", 5);
	for (int i = 0; i < 4; i++)
		rnd[i] = (uint32_t)(arch_cycles() * 2654435761u >> (i * 3));
	uint32_t random = push(p, &sp, rnd, sizeof(rnd));
	sp &= ~15u;
	uint32_t aux[] = {
		AT_PHDR, phdr, AT_PHENT, 32, AT_PHNUM, eh->e_phnum, AT_PAGESZ, PAGE_SIZE,
		AT_ENTRY, img.entry, AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0,
		AT_SECURE, 0, AT_RANDOM, random, AT_HWCAP, arch_hwcap(), AT_CLKTCK, 100,
		AT_PLATFORM, platform, AT_EXECFN, strings, AT_NULL, 0,
	};
	/* Keep the final esp 16-byte aligned, as the ABI wants. */
	uint32_t words = 1 + argc + 1 + envc + 1 + ARRAY_SIZE(aux);
	sp -= (sp - words * 4) & 15;
	push(p, &sp, aux, sizeof(aux));
	sp -= (argc + 1 + envc + 1) * 4;
	uint32_t vec = sp, at = strings, zero = 0;
	for (uint32_t i = 0; i < argc; i++, vec += 4) {
		copy_to_user(vec, &at, 4);
		at += (uint32_t)strlen(argv[i]) + 1;
	}
	copy_to_user(vec, &zero, 4);
	vec += 4;
	for (uint32_t i = 0; i < envc; i++, vec += 4) {
		copy_to_user(vec, &at, 4);
		at += (uint32_t)strlen(envp[i]) + 1;
	}
	copy_to_user(vec, &zero, 4);
	push(p, &sp, &argc, 4);

	/* argv as /proc/PID/cmdline shows it (at most a page, as Linux's ps reads). */
	uint32_t len = 0;
	for (uint32_t i = 0; i < argc && len < PAGE_SIZE; i++)
		len += (uint32_t)strlen(argv[i]) + 1;
	len = MIN(len, (uint32_t)PAGE_SIZE);
	kfree(p->cmdline);
	p->cmdline_len = 0;
	if ((p->cmdline = kmalloc(len ? len : 1))) {
		for (uint32_t i = 0, o = 0; i < argc && o < len; i++) {
			uint32_t n = MIN((uint32_t)strlen(argv[i]) + 1, len - o);
			memcpy(p->cmdline + o, argv[i], n);
			o += n;
		}
		p->cmdline_len = len;
	}

	memset(f, 0, sizeof(*f));
	f->eip = img.entry;
	f->cs = arch_user_cs();
	f->ss = f->ds = f->es = arch_user_ds();
	f->esp = sp;
	f->eflags = 0x202;
	return 0;
}
