/*
 * Console input on ringos: lines through the tty's canonical mode (CR to
 * NL, erase), Ctrl-C as SIGINT to the foreground group, Ctrl-D as end of
 * file, then raw (non-canonical) bytes. The harness types
 * "hello\r" "helx<DEL>lo\r" "^C" "^D" "ab" once this says it is ready.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tap.h"

static volatile sig_atomic_t interrupted;


static void on_int(int sig)
{
	(void)sig;
	interrupted++;
}

/* read, again after a signal's EINTR */
static long get(char *buf, size_t n)
{
	long r;
	do
		r = read(0, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

int main(void)
{
	struct termios t;
	char buf[64];
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_int;
	sigaction(SIGINT, &sa, NULL);
	/* No echo (it would mix with this output) and no flush on Ctrl-C (the
	 * test types everything at once). */
	tcgetattr(0, &t);
	t.c_lflag &= ~(tcflag_t)ECHO;
	t.c_lflag |= NOFLSH;
	check(tcsetattr(0, TCSANOW, &t) == 0, "tcsetattr: no echo, no flush on interrupt");
	printf("TEST READY FOR INPUT\n");
	fflush(stdout);

	memset(buf, 0, sizeof(buf));
	check(get(buf, sizeof(buf)) == 6 && !strcmp(buf, "hello\n"), "a line, CR turned into NL");
	memset(buf, 0, sizeof(buf));
	check(get(buf, sizeof(buf)) == 6 && !strcmp(buf, "hello\n"), "erase takes back a character");
	check(get(buf, sizeof(buf)) == 0, "Ctrl-D on an empty line is end of file");
	check(interrupted == 1, "Ctrl-C sent SIGINT to us, the foreground group");

	t.c_lflag &= ~(tcflag_t)ICANON;
	tcsetattr(0, TCSANOW, &t);
	memset(buf, 0, sizeof(buf));
	long got = 0;
	while (got < 2) {
		long r = get(buf + got, 2 - (size_t)got);
		if (r <= 0)
			break;
		got += r;
	}
	check(got == 2 && !memcmp(buf, "ab", 2), "non-canonical mode: bytes without a newline");
	t.c_lflag |= ICANON | ECHO;
	tcsetattr(0, TCSANOW, &t);

	return tap_finish();
}
