/*
 * An ordinary static glibc program (gcc -m32 -static), run as /init by
 * ringos: glibc's start-up (TLS, brk, auxv), printf, malloc, errno in TLS,
 * argv and the environment. Prints TAP lines and one TEST RESULT line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "tap.h"

static __thread int tls_counter = 41;


int main(int argc, char **argv)
{
	check(argc == 1 && argv[0][0] == '/', "argv[0] is the program's path");
	check(getenv("HOME") && !strcmp(getenv("HOME"), "/"), "the environment reaches main");
	check(getauxval(AT_PAGESZ) == 4096, "auxv AT_PAGESZ");
	check(getauxval(AT_RANDOM) != 0, "auxv AT_RANDOM");
	check(++tls_counter == 42, "a __thread variable (TLS through %gs)");

	char *small = malloc(100), *big = malloc(200000);
	check(small && big, "malloc small and large blocks");
	memset(big, 0x5a, 200000);
	check(big[199999] == 0x5a, "large block usable to its end");
	free(big);
	free(small);

	void *top0 = sbrk(0);
	check(sbrk(65536) == top0 && (char *)sbrk(0) == (char *)top0 + 65536, "brk grows the heap");

	errno = 0;
	check(write(99, "x", 1) == -1 && errno == EBADF, "a bad fd gives EBADF in the TLS errno");
	check(write(1, (void *)0xC0000000, 4) == -1 && errno == EFAULT,
	      "a kernel address gives EFAULT");
	check(write(1, "", 0) == 0, "an empty write");

	char buf[64];
	snprintf(buf, sizeof(buf), "%d %s %5.2f", 42, "x", 3.14159);
	check(!strcmp(buf, "42 x  3.14"), "snprintf with floating point (SSE/x87)");

	return tap_finish();
}
