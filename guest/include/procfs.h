/*
 * ringos: /proc (kernel/procfs.c), as much of Linux's as ps, top, free,
 * uptime, mount and df read. Its directories and files are nodes of a
 * ramfs of its own, mounted on /proc, that the kernel keeps in step with
 * the process table: /proc/PID appears at fork
 * and goes when the process is reaped. A file's text is made when it is
 * opened (a snapshot the open file keeps), so stat reports size 0, as on
 * Linux. Programs cannot create, change or remove anything under /proc.
 */
#ifndef RINGOS_PROCFS_H
#define RINGOS_PROCFS_H

#include "types.h"

struct proc;
struct ramfs_node;
struct vnode;

/* /proc and its fixed files, mounted on the root's /proc (fs_init). */
int procfs_init(void);
/* p's directory appears / goes; its exe link follows execve. */
void procfs_add(struct proc *p);
void procfs_remove(int pid);
void procfs_exec(struct proc *p);
/* The ramfs hook for links whose target is computed: /proc/self is the
 * pid of whoever follows it (0 for any other link: its stored target). */
size_t procfs_link_target(const struct ramfs_node *link, char *buf, size_t size);

/* The text of a /proc file now: a kmalloc'd buffer (*len bytes) the caller
 * frees; NULL for any other file (*err 0), or with *err -ENOMEM, or -ESRCH
 * when its process has gone. */
char *procfs_text(const struct vnode *v, uint32_t *len, int *err);

#endif
