/*
 * Where a test program (files.c, fd_calls.c) makes its files: under the
 * root, or, when $TEST_DIR names a directory, under that one instead, so
 * that the same checks run on another filesystem with the same output
 * (tests/scripts/ext2_native.sh runs them on an ext2 mount this way).
 * Files the program only reads (/etc/motd, /bin/...) stay where they are.
 */
#ifndef RINGOS_USER_TEST_DIR_H
#define RINGOS_USER_TEST_DIR_H

#include <stdio.h>
#include <stdlib.h>

/* path (absolute) moved under $TEST_DIR; one of four static buffers. */
static const char *T(const char *path)
{
	static char bufs[4][256];
	static int next;
	const char *dir = getenv("TEST_DIR");
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s%s", dir ? dir : "", path);
	return b;
}

#endif
