/* The file-tree forwarding backend (backend.h): being built (docs/io.md, "Not yet"). */
#include <errno.h>
#include <stdio.h>
#include "backend.h"

int fsback_prepare(struct backend *b, char *why, size_t n)
{
	(void)b;
	snprintf(why, n, "the file-tree forwarding backend is not built yet");
	return -ENOSYS;
}

int fsback_serve(struct backend *b)
{
	(void)b;
	return 1;
}
