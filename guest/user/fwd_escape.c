/*
 * Confinement of a forwarded mount, from inside the guest (docs/io.md,
 * "System-call forwarding"; tests/scripts/fwdio_disk.sh). Run as
 * `fwd_escape DIR` with DIR the mount point of an export that Domain 0's
 * test made: DIR/hello.txt, DIR/outside/canary holding "DECOY" (where a
 * clamped path lands), DIR/links/ with rel_up -> ../../outside/canary,
 * abs -> /outside/canary, root -> /, dotdots -> ../../../../.., host ->
 * the real outside directory's path in Domain 0 (/disk/outside), and
 * DIR/race/d/canary holding "RACE-SAFE". Outside the export, Domain 0's
 * disk holds /outside/canary ("CANARY"): no read here may ever return it,
 * and nothing made here may land beside it (the host checks that).
 */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

static const char *dir;

static const char *P(const char *rel)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, rel);
	return b;
}

/* The first line of path, or "ERR <errno>". */
static const char *first_line(const char *path)
{
	static char buf[128];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(buf, sizeof(buf), "ERR %d", errno);
		return buf;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static void lands(const char *path, const char *want, const char *what)
{
	const char *got = first_line(path);
	char line[300];
	snprintf(line, sizeof(line), "%s: %s reads '%s'", what, path, got);
	check(!strcmp(got, want), line);
}

static int has_entry(const char *path, const char *name)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int found = 0;
	while (d && (e = readdir(d)))
		if (!strcmp(e->d_name, name))
			found = 1;
	if (d)
		closedir(d);
	return found;
}

static int make(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	int ok = write(fd, "MADE\n", 5) == 5;
	close(fd);
	return ok ? 0 : -EIO;
}

/* One process swaps race/d for a link out of the export and back, again
 * and again; another opens and creates through race/d meanwhile. */
static void race(void)
{
	static const char *targets[] = { "../../../../outside", "/outside", "/disk/outside", "/" };
	int rounds = 40, canary = 0, safe = 0, decoy = 0, failed = 0, made = 0, reads = 0, st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		/* Each state is held a moment: ringos's VFS lock stays with a
		 * process that unlocks and locks again, so the reader gets
		 * its turns while the swapper pauses. */
		for (int i = 0; i < rounds; i++) {
			rename(P("race/d"), P("race/real"));
			symlink(targets[i % 4], P("race/d"));
			usleep(4000);
			unlink(P("race/d"));
			rename(P("race/real"), P("race/d"));
			usleep(4000);
		}
		_exit(0);
	}
	/* Read and create through race/d until the swapper is done (at most
	 * 400 times: then it is waited for). Each pauses between calls so
	 * that the other takes the VFS lock in between. */
	bool done = false;
	while (reads < 20 || (!done && reads < 400)) {
		if (!done && waitpid(pid, &st, WNOHANG) == pid)
			done = true;
		usleep(1000);
		const char *got = first_line(P("race/d/canary"));
		reads++;
		if (!strcmp(got, "CANARY"))
			canary++;
		else if (!strcmp(got, "RACE-SAFE"))
			safe++;
		else if (!strcmp(got, "DECOY") || !got[0])
			decoy++;
		else
			failed++;
		char name[64];
		if (reads % 4)
			continue;
		snprintf(name, sizeof(name), "race/d/made-%d", reads % 8);
		if (make(P(name)) == 0)
			made++;
	}
	if (!done)
		waitpid(pid, &st, 0);
	printf("race: %d reads: %d of the real directory, %d of the export's decoy, %d refused, "
	       "%d of the canary; %d creates\n", reads, safe, decoy, failed, canary, made);
	check(canary == 0, "race: no read through the swapped directory reached the canary");
	check(safe > 0 && decoy + failed > 0, "race: reads met the directory and the link both");
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "race: the swapper finished");
	check(!strcmp(first_line(P("race/d/canary")), "RACE-SAFE"), "race: race/d is the directory again");
}

int main(int argc, char **argv)
{
	struct stat st;

	if (argc < 2) {
		fprintf(stderr, "usage: fwd_escape DIR\n");
		return 2;
	}
	dir = argv[1];
	lands(P("hello.txt"), "hello from dom0", "the export");
	lands(P("links/../../outside/canary"), "DECOY", "'..' past the top stops there");
	lands(P("links/../../../../../../outside/canary"), "DECOY", "many '..'");
	lands(P("links/rel_up"), "DECOY", "a relative link out");
	lands(P("links/abs"), "DECOY", "an absolute link");
	lands(P("links/root/outside/canary"), "DECOY", "a link to /");
	lands(P("links/dotdots/outside/canary"), "DECOY", "a link of '..'s");
	lands(P("links/host/canary"), "ERR 2", "a link to Domain 0's own path of the outside");
	lands(P("links/dotdots/../../outside/../outside/canary"), "DECOY", "'..' after a link");
	check(stat(P("links/root/hello.txt"), &st) == 0, "the top through a link to /");
	check(has_entry(P("links/root"), "hello.txt") && !has_entry(P("links/root"), "export1") &&
	      !has_entry(P("links/root"), "vm"), "listing a link to /: the export's top, not the disk's");
	check(has_entry(P("links/dotdots/.."), "links"), "listing '..' above the top: the top");

	/* Links made here that point out, and names made through them. */
	check(symlink("/outside", P("mine-abs")) == 0, "symlink to /outside made");
	check(symlink("../../../../outside", P("mine-rel")) == 0, "symlink ../../../../outside made");
	check(symlink("/disk/outside", P("mine-host")) == 0, "symlink to Domain 0's path made");
	check(make(P("mine-abs/new-abs")) == 0 && lstat(P("outside/new-abs"), &st) == 0,
	      "a file made through an absolute link lands in the export's outside/");
	check(make(P("mine-rel/new-rel")) == 0 && lstat(P("outside/new-rel"), &st) == 0,
	      "a file made through a relative link out lands in the export's outside/");
	check(make(P("mine-host/new-host")) == -ENOENT, "a file through Domain 0's own path: ENOENT");
	check(mkdir(P("links/root/../../made-dir"), 0755) == 0 && stat(P("made-dir"), &st) == 0,
	      "mkdir past the top lands at the top");
	check(rename(P("made-dir"), P("links/dotdots/../../moved-dir")) == 0 &&
	      stat(P("moved-dir"), &st) == 0, "rename past the top lands at the top");
	check(unlink(P("links/abs")) == 0 && lstat(P("outside/canary"), &st) == 0,
	      "unlink of a link to the canary removes the link only");
	check(truncate(P("mine-abs/canary"), 0) == 0 && stat(P("outside/canary"), &st) == 0 &&
	      st.st_size == 0, "truncate through a link out truncates the decoy");
	check(chmod(P("mine-rel/canary"), 0600) == 0 && stat(P("outside/canary"), &st) == 0 &&
	      (st.st_mode & 0777) == 0600, "chmod through a link out changes the decoy");
	char buf[64];
	ssize_t n = readlink(P("mine-host"), buf, sizeof(buf));
	check(n == 13 && !memcmp(buf, "/disk/outside", 13), "readlink gives the link as stored");
	race();

	/* The server's 40 handles (docs/io.md, "Handle limits"): the 41st
	 * open is its EMFILE; closing gives them back (none leaked before). */
	int fds[64], n_open = 0, err = 0;
	for (int i = 0; i < 64; i++) {
		fds[i] = open(P("hello.txt"), O_RDONLY);
		if (fds[i] < 0) {
			err = errno;
			break;
		}
		n_open++;
	}
	printf("handles: %d opened, then errno %d\n", n_open, err);
	check(n_open == 40 && err == EMFILE, "40 files open at once in the mount, the 41st EMFILE");
	for (int i = 0; i < n_open; i++)
		close(fds[i]);
	int again = open(P("hello.txt"), O_RDONLY);
	check(again >= 0, "after closing them, an open works again");
	close(again);
	return tap_finish();
}
