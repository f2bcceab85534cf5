/* A program for other tests to execve: its exit code tells what it got:
 * argc * 10 + strlen(argv[1]) + (100 if RINGOS_TEST is set). */
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	int code = argc * 10 + (argc > 1 ? (int)strlen(argv[1]) : 0);
	if (getenv("RINGOS_TEST"))
		code += 100;
	return code;
}
