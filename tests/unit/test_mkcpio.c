/* tools/mkcpio: the archive it writes (read back through guest/kernel/cpio.c) and what it refuses. */
#include "unit.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include "cpio.h"
#include "cpio_check.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#endif

static char tmpdir[64];

static void path_in(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", tmpdir, name);
}

static void write_file(const char *name, const void *data, size_t size, mode_t mode)
{
	char p[256];

	path_in(p, sizeof(p), name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static uint8_t *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*size = n;
	return buf;
}

/* Run mkcpio with args (a shell word list) in tmpdir; its exit status, stderr in tmpdir/err. */
static int mkcpio(const char *args)
{
	const char *tool = getenv("MKCPIO"), *build = getenv("BUILD");
	char exe[512], abs[PATH_MAX], cmd[PATH_MAX + 1024];

	if (tool)
		snprintf(exe, sizeof(exe), "%s", tool);
	else
		snprintf(exe, sizeof(exe), "%s/tools/mkcpio", build ? build : "build");
	if (access(exe, X_OK) || !realpath(exe, abs))
		fail_msg("%s: not built (make build/tools/mkcpio, or set MKCPIO)", exe);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s 2>err >out", tmpdir, abs, args);
	int st = system(cmd);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int setup_tmp(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_mkcpio.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* mkcpio's archive: parents first and once, modes, owners and times 0, data, the trailer; reproducible. */
static void test_mkcpio_output(void **state)
{
	static const struct { const char *name; uint32_t mode; const char *data; } want[] = {
		{ "bin", CPIO_S_IFDIR | 0755, NULL },
		{ "bin/init", CPIO_S_IFREG | 0755, "#!init" },
		{ "etc", CPIO_S_IFDIR | 0755, NULL },
		{ "etc/conf", CPIO_S_IFDIR | 0755, NULL },
		{ "etc/conf/motd", CPIO_S_IFREG | 0644, "hi\n" },
		{ "etc/empty", CPIO_S_IFREG | 0644, "" },
		{ "dev", CPIO_S_IFDIR | 0755, NULL },
		{ "usr", CPIO_S_IFDIR | 0755, NULL },
		{ "usr/lib", CPIO_S_IFDIR | 0755, NULL },
		{ "usr/lib/x", CPIO_S_IFDIR | 0755, NULL },
		{ "etc/odd", CPIO_S_IFREG | 0755, "12345" },
	};
	char path[256];
	size_t size, size2;

	write_file("init", "#!init", 6, 0700);
	write_file("motd", "hi\n", 3, 0600);
	write_file("empty", "", 0, 0444);
	write_file("odd", "12345", 5, 0751);
	assert_int_equal(mkcpio("a.cpio init:/bin/init motd://etc/conf/./motd empty:etc/empty "
				"-d dev -d /etc/conf/ -d usr/lib/x odd:etc/odd"), 0);
	path_in(path, sizeof(path), "a.cpio");
	uint8_t *buf = read_all(path, &size);
	assert_non_null(buf);

	size_t off = 0;
	struct cpio_entry e;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const char *d = want[i].data;
		expect_entry(buf, size, &off, want[i].name, want[i].mode, d, d ? strlen(d) : 0);
	}
	/* Owners, times and inode numbers, from a second pass. */
	off = 0;
	for (uint32_t i = 0; cpio_next(buf, size, &off, &e) == 1; i++) {
		assert_int_equal(e.uid, 0);
		assert_int_equal(e.gid, 0);
		assert_int_equal(e.mtime, 0);
		assert_int_equal(e.ino, i + 1);
		assert_int_equal(e.nlink, (e.mode & CPIO_S_IFMT) == CPIO_S_IFDIR ? 2 : 1);
	}
	assert_int_equal(off, size);    /* the trailer ends the file, no block padding */
	assert_int_equal(count_entries(buf, size), ARRAY_SIZE(want));

	/* The same arguments give the same bytes, whatever the files' times and
	 * permissions other than the owner's x bit. */
	write_file("motd", "hi\n", 3, 0640);
	path_in(path, sizeof(path), "motd");
	assert_int_equal(utime(path, &(struct utimbuf){ 123456789, 987654321 }), 0);
	assert_int_equal(mkcpio("b.cpio init:/bin/init motd://etc/conf/./motd empty:etc/empty "
				"-d dev -d /etc/conf/ -d usr/lib/x odd:etc/odd"), 0);
	path_in(path, sizeof(path), "b.cpio");
	uint8_t *buf2 = read_all(path, &size2);
	assert_non_null(buf2);
	assert_int_equal(size, size2);
	assert_memory_equal(buf, buf2, size);
	free(buf);
	free(buf2);

	/* No files at all: just the trailer. */
	assert_int_equal(mkcpio("c.cpio"), 0);
	path_in(path, sizeof(path), "c.cpio");
	buf = read_all(path, &size);
	assert_non_null(buf);
	assert_int_equal(size, 124);
	assert_int_equal(count_entries(buf, size), 0);
	free(buf);
}

/* Refusals: a non-zero status, a message naming the problem, no output file. */
static void test_mkcpio_errors(void **state)
{
	static const struct { const char *args; int status; const char *msg; } cases[] = {
		{ "bad.cpio nosuch:x", 1, "nosuch: No such file or directory" },
		{ "bad.cpio init:a init:a", 1, "given twice" },
		{ "bad.cpio init:a init:a/b", 1, "'a' is a file" },
		{ "bad.cpio -d a init:a", 1, "already a directory" },
		{ "bad.cpio init:a -d a/b", 1, "'a' is a file" },
		{ "bad.cpio init:a -d a", 1, "already a file" },
		{ "bad.cpio init", 1, "expected SRC:DEST" },
		{ "bad.cpio :x", 1, "SRC and DEST" },
		{ "bad.cpio init:", 1, "SRC and DEST" },
		{ "bad.cpio init:/", 1, "root directory" },
		{ "bad.cpio init:a/../b", 1, "'..' is not allowed" },
		{ "bad.cpio init:a/", 1, "cannot end in '/'" },
		{ "bad.cpio . :x", 1, "expected SRC:DEST" },
		{ "bad.cpio sub:x", 1, "not a regular file" },
		{ "bad.cpio init:x -d", 1, "-d needs a directory" },
		{ "bad.cpio -x", 1, "unknown option" },
		{ "-d x", 1, "the first argument is the output file" },
		{ "", 2, "usage: mkcpio" },
	};
	char path[256], big[300], args[400];

	write_file("init", "#!init", 6, 0755);
	path_in(path, sizeof(path), "sub");
	assert_int_equal(mkdir(path, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n;
		int st = mkcpio(cases[i].args);

		path_in(path, sizeof(path), "err");
		char *err = (char *)read_all(path, &n);
		assert_non_null(err);
		err = realloc(err, n + 1);
		err[n] = '\0';
		if (st != cases[i].status || !strstr(err, cases[i].msg))
			fail_msg("mkcpio %s: status %d \"%s\"; want %d with \"%s\"", cases[i].args, st,
				 err, cases[i].status, cases[i].msg);
		free(err);
		path_in(path, sizeof(path), "bad.cpio");
		assert_int_equal(access(path, F_OK), -1);
	}
	/* A name the ramfs could not hold: 256 bytes in one component. */
	memset(big, 'n', 256);
	big[256] = '\0';
	snprintf(args, sizeof(args), "bad.cpio init:d/%s", big);
	assert_int_equal(mkcpio(args), 1);
	path_in(path, sizeof(path), "bad.cpio");
	assert_int_equal(access(path, F_OK), -1);
	big[255] = '\0';
	snprintf(args, sizeof(args), "ok.cpio init:d/%s", big);
	assert_int_equal(mkcpio(args), 0);
	/* -h is help, status 0. */
	assert_int_equal(mkcpio("-h"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mkcpio_output, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_mkcpio_errors, setup_tmp, teardown_tmp),
	};
	return cmocka_run_group_tests_name("mkcpio", tests, NULL, NULL);
}
