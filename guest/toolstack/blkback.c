/* The split block backend (backend.h): being built (docs/io.md, "Not yet"). */
#include <errno.h>
#include <stdio.h>
#include "backend.h"

int blkback_prepare(struct backend *b, char *why, size_t n)
{
	(void)b;
	snprintf(why, n, "the split block backend is not built yet");
	return -ENOSYS;
}

int blkback_serve(struct backend *b)
{
	(void)b;
	return 1;
}
