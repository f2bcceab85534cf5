/*
 * Path components, for the code that takes a path apart one name at a
 * time: ramfs's lookup and initramfs unpacker, the VFS's lookup. Pure,
 * header-only.
 */
#ifndef RINGOS_COMPONENT_H
#define RINGOS_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>

struct component {
	const char *name;               /* in the path: not NUL-terminated */
	size_t len;
	bool slash;                     /* a '/' follows it */
	bool last;                      /* nothing but slashes follows it */
};

/* The next component of path[*at..len), repeated slashes skipped before
 * and after it; false at the end of the path. */
static inline bool component_next(const char *path, size_t len, size_t *at, struct component *c)
{
	size_t i = *at;

	while (i < len && path[i] == '/')
		i++;
	if (i == len) {
		*at = i;
		return false;
	}
	c->name = path + i;
	while (i < len && path[i] != '/')
		i++;
	c->len = (size_t)(path + i - c->name);
	c->slash = i < len;
	while (i < len && path[i] == '/')
		i++;
	c->last = i == len;
	*at = i;
	return true;
}

/* Whether the component is what (".", ".."). */
static inline bool component_is(const struct component *c, const char *what)
{
	size_t i;

	for (i = 0; i < c->len; i++)
		if (what[i] != c->name[i])
			return false;
	return what[i] == '\0';
}

#endif
