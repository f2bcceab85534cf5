/* ringos processes (one for now: /init; fork arrives with the scheduler). */
#ifndef RINGOS_PROC_H
#define RINGOS_PROC_H

#include "types.h"
#include "arch.h"
#include "trap.h"

#define USER_STACK_TOP  0xBFFFF000u     /* one unmapped page below the kernel */
#define USER_STACK_SIZE (256 * 1024)

struct proc {
	int pid;
	struct pae_space as;
	uint32_t brk_start, brk;        /* the heap: [brk_start, brk) mapped */
	uint32_t mmap_next;             /* where the next anonymous mmap goes */
	uint64_t tls[ARCH_TLS_SLOTS];   /* set_thread_area descriptors */
	char exe[64];
};

extern struct proc *curproc;

/* Replace p's image with the ELF executable: 0, or -ENOEXEC / -ENOMEM with
 * the reason in err. f gets the registers to enter it with. */
int proc_exec(struct proc *p, const void *elf, size_t size, const char *const argv[],
	      const char *const envp[], struct trap_frame *f, char *err, size_t errsize);
void proc_exit(struct proc *p, int status) __noreturn;

/* User memory, checked against p's page tables: 0 or -EFAULT. */
int copy_from_user(void *dst, uint32_t src, uint32_t len);
int copy_to_user(uint32_t dst, const void *src, uint32_t len);
/* Map zeroed pages for [start, end) in p: 0 or -ENOMEM. */
int user_map_zero(struct proc *p, uint32_t start, uint32_t end, bool writable);

long syscall_dispatch(struct trap_frame *f);

#endif
