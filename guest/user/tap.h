/*
 * TAP for ringos's test programs (guest/user/): `check` prints one
 * "ok N - what" or "not ok N - what" line (flushed, so that a fork or a
 * crash loses none), `tap_finish` the plan and the TEST RESULT line the
 * harness reads, and gives the exit status; `catch` installs a handler.
 * Static functions in a header: each program is one file, built alone with
 * gcc -m32 -static.
 */
#ifndef RINGOS_USER_TAP_H
#define RINGOS_USER_TAP_H

#include <signal.h>
#include <stdio.h>
#include <string.h>

static int checks, failures;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", checks, what);
	fflush(stdout);
}

static int tap_finish(void)
{
	printf("1..%d\n", checks);
	printf("TEST RESULT: %s (%d of %d checks failed)\n", failures ? "FAILURE" : "SUCCESS",
	       failures, checks);
	return failures ? 1 : 0;
}

/* sig's handler becomes fn, with sa_flags flags and an empty mask. */
static inline void catch(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

#endif
