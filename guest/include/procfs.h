/*
 * ringos: /proc (kernel/procfs.c), as much of Linux's as ps, top, free,
 * uptime and friends read. Its directories and files are ramfs nodes the
 * kernel keeps in step with the process table: /proc/PID appears at fork
 * and goes when the process is reaped. A file's text is made when it is
 * opened (a snapshot the open file keeps), so stat reports size 0, as on
 * Linux. Programs cannot create, change or remove anything under /proc.
 */
#ifndef RINGOS_PROCFS_H
#define RINGOS_PROCFS_H

#include "types.h"

struct proc;
struct ramfs_node;

/* /proc and its fixed files, under the root (fs_init). 0 or -ENOMEM. */
int procfs_init(struct ramfs_node *root);
/* p's directory appears / goes; its exe link follows execve. */
void procfs_add(struct proc *p);
void procfs_remove(int pid);
void procfs_exec(struct proc *p);
/* The ramfs hook for links whose target is computed: /proc/self is the
 * pid of whoever follows it (0 for any other link: its stored target). */
size_t procfs_link_target(const struct ramfs_node *link, char *buf, size_t size);

/* Whether n is one of /proc's nodes, a file whose text procfs makes, or a
 * directory that takes no changes. */
bool procfs_node(const struct ramfs_node *n);
bool procfs_file(const struct ramfs_node *n);
/* The text of a /proc file now: a kmalloc'd buffer (*len bytes) the caller
 * frees, or NULL: -ENOMEM, or -ESRCH when its process has gone. */
char *procfs_generate(const struct ramfs_node *n, uint32_t *len, int *err);

#endif
