/*
 * ramfs's own header, shared by its files and by nothing else: the name
 * helpers and the node operations that the tree (ramfs.c), path lookup
 * (ramfs_lookup.c), contents (ramfs_contents.c) and the initramfs
 * unpacker (ramfs_cpio.c) all use. The interface is ramfs.h.
 */
#ifndef RINGOS_RAMFS_NODE_H
#define RINGOS_RAMFS_NODE_H

#include "ramfs.h"

/* The kernel provides these (and gcc needs them in freestanding code anyway). */
extern void *memcpy(void *dst, const void *src, size_t n);
extern void *memset(void *s, int c, size_t n);

/* Bytes before the first NUL of s, or max if there is none among the first max. */
static inline size_t bounded_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}


static inline bool name_is(const char *name, size_t len, const char *what)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (what[i] == '\0' || what[i] != name[i])
			return false;
	return what[i] == '\0';
}

/* Tree (ramfs.c). */
struct ramfs_node *ramfs_find_child(const struct ramfs_node *dir, const char *name, size_t len);
/* A new node name[0..len) of type in dir (*out, if out). */
int ramfs_new_child(struct ramfs_node *dir, const char *name, size_t len, enum ramfs_type type,
		    struct ramfs_node **out);
/* Out of the tree: gone now, or when its last reference is dropped. */
void ramfs_remove_node(struct ramfs_node *n);
/* A link name[0..len) in dir to target[0..tlen) (checked: 1 to RAMFS_PATH_MAX - 1 bytes). */
int ramfs_add_symlink(struct ramfs_node *dir, const char *name, size_t len, const char *target,
		      size_t tlen, struct ramfs_node **out);

/* Contents (ramfs_contents.c). */
/* Room for need bytes of data: doubling, so that appends are cheap, but a
 * first write gets exactly its size (the initramfs files). */
int ramfs_reserve(struct ramfs_node *n, size_t need);
/* The node's data is exactly data[0..len). */
int ramfs_set_data(struct ramfs_node *n, const void *data, size_t len);

#endif
