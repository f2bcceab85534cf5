/*
 * A position-independent static executable (gcc -static-pie): an ET_DYN
 * image with no interpreter, which ringos loads at PIE_BASE and whose
 * relocations glibc applies itself at start-up. Checks that it runs where
 * it was put, that relocated data (pointers in initialised data, a table of
 * function pointers) point into the image, and that TLS, the heap, stdio and
 * fork work as in any static program.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

static int twice(int x) { return 2 * x; }
static int square(int x) { return x * x; }

/* Initialised with addresses: each needs a relocation at load time. */
static const char *const words[] = { "relocated", "strings" };
static int (*const ops[])(int) = { twice, square };
static __thread int tls_value = 17;

int main(void)
{
	uintptr_t here = (uintptr_t)&main, entry = getauxval(AT_ENTRY);
	uintptr_t phdr = getauxval(AT_PHDR);

	check(here >= 0x10000000u && here < 0x40000000u, "the code runs at the load address (0x10000000 up)");
	check(entry >= 0x10000000u && entry < here + 0x1000000u, "AT_ENTRY is inside the loaded image");
	check(phdr >= 0x10000000u && phdr < entry, "AT_PHDR points at the loaded program headers");
	check(!strcmp(words[0], "relocated") && !strcmp(words[1], "strings"),
	      "pointers in initialised data were relocated");
	check(ops[0](5) == 10 && ops[1](5) == 25, "a table of function pointers was relocated");
	check(tls_value == 17 && (tls_value = 18, tls_value == 18), "thread-local storage works");
	char *p = malloc(100000);
	check(p != NULL && (memset(p, 7, 100000), p[99999] == 7), "the heap works");
	free(p);
	pid_t c = fork();
	if (c == 0)
		_exit(ops[0](21));
	int status;
	check(c > 0 && waitpid(c, &status, 0) == c && WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "fork: the child runs the same relocated image");
	return tap_finish();
}
