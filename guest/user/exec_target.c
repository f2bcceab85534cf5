/* A program for other tests to execve. Its exit code tells what it got:
 *   exec_target ARGS...      argc * 10 + strlen(argv[1]) + (100 if RINGOS_TEST is set)
 *   exec_target --fd N       7 if descriptor N is open, 8 if not (close-on-exec)
 *   exec_target --signals    bit 0: SIGUSR1's handler was reset to SIG_DFL,
 *                            bit 1: SIGUSR2 stayed SIG_IGN, bit 2: SIGHUP still blocked */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--fd"))
		return fcntl(atoi(argv[2]), F_GETFD) != -1 ? 7 : 8;
	if (argc == 2 && !strcmp(argv[1], "--signals")) {
		struct sigaction a1, a2;
		sigset_t mask;
		sigaction(SIGUSR1, NULL, &a1);
		sigaction(SIGUSR2, NULL, &a2);
		sigprocmask(SIG_BLOCK, NULL, &mask);
		return (a1.sa_handler == SIG_DFL) | (a2.sa_handler == SIG_IGN) << 1 |
		       sigismember(&mask, SIGHUP) << 2;
	}
	int code = argc * 10 + (argc > 1 ? (int)strlen(argv[1]) : 0);
	if (getenv("RINGOS_TEST"))
		code += 100;
	return code;
}
