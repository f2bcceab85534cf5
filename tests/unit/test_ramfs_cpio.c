/* guest/kernel/ramfs.c: unpacking a cpio archive (rules, truncation, out of memory, fuzzing) and a tree through tools/mkcpio and back. */
#include "ramfs_fixture.h"
#include "cpio_check.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------------------------------------------------------------- cpio */

/* Entries with text as their data (cpio_check.h builds the archives). */
static void arc(struct arc *a, uint32_t mode, const char *name, const char *text)
{
	arc_add(a, mode, name, text, text ? strlen(text) : 0);
}

#define DIR_(m)         (CPIO_S_IFDIR | (m))
#define REG_(m)         (CPIO_S_IFREG | (m))
#define LNK_            (CPIO_S_IFLNK | 0777)

/* Every node under root, depth first: "path type mode size", one per line. */
static void listing(struct ramfs_node *dir, const char *prefix, char *out, size_t outsize)
{
	struct ramfs_dirent de;
	size_t cookie = 2;              /* skip "." and ".." */

	while (ramfs_readdir(dir, &cookie, &de) == 1) {
		char path[1024];
		struct ramfs_node *n;
		snprintf(path, sizeof(path), "%s/%.*s", prefix, (int)de.name_len, de.name);
		assert_int_equal(ramfs_lookup_flags(root, path, RAMFS_NOFOLLOW, &n), 0);
		assert_int_equal(n->ino, de.ino);
		size_t used = strlen(out);
		snprintf(out + used, outsize - used, "%s %c %o %zu\n", path, "?dfcl"[n->type], n->mode,
			 n->size);
		if (n->type == RAMFS_DIR)
			listing(n, path, out, outsize);
	}
}

static void test_load_cpio(void **state)
{
	struct arc a = { 0 };
	uint8_t deep[1000];
	char list[4096] = "";
	struct ramfs_node *n;

	for (size_t i = 0; i < sizeof(deep); i++)
		deep[i] = (uint8_t)(i * 13);
	arc(&a, DIR_(0700), ".", NULL);
	arc(&a, DIR_(0755), "bin", NULL);
	arc(&a, REG_(0755), "bin/init", "INIT");
	arc(&a, LNK_, "bin/sh", "init");
	arc(&a, DIR_(0750), "./etc", NULL);
	arc(&a, REG_(0644), "./etc/passwd", "root:x:0:0\n");
	arc(&a, REG_(0640), "etc//group", "");
	arc(&a, DIR_(0711), "/usr/lib/x", NULL);        /* parents made on the way */
	arc_add_dev(&a, REG_(0600), "usr/lib/x/deep", deep, sizeof(deep), 0, 0);
	arc(&a, DIR_(0755), "dev", NULL);
	arc_add_dev(&a, CPIO_S_IFCHR | 0620, "dev/console", NULL, 0, 5, 1);
	arc_add_dev(&a, CPIO_S_IFCHR | 0600, "dev/big", NULL, 0, 300, 70000);
	arc(&a, LNK_, "usr/lib/x/up", "../../../etc");
	arc_trailer(&a);

	uint8_t *buf = malloc(a.len);   /* exactly sized, for ASan */
	assert_non_null(buf);
	memcpy(buf, a.buf, a.len);
	assert_int_equal(ramfs_load_cpio(root, buf, a.len), 13);
	free(buf);
	free(a.buf);

	listing(root, "", list, sizeof(list));
	assert_string_equal(list,
		"/bin d 755 0\n"
		"/bin/init f 755 4\n"
		"/bin/sh l 777 4\n"
		"/etc d 750 0\n"
		"/etc/passwd f 644 11\n"
		"/etc/group f 640 0\n"
		"/usr d 755 0\n"
		"/usr/lib d 755 0\n"
		"/usr/lib/x d 711 0\n"
		"/usr/lib/x/deep f 600 1000\n"
		"/usr/lib/x/up l 777 12\n"
		"/dev d 755 0\n"
		"/dev/console c 620 0\n"
		"/dev/big c 600 0\n");
	assert_int_equal(root->mode, 0700);
	expect_contents(get("/bin/init"), "INIT", 4);
	expect_contents(get("/etc/passwd"), "root:x:0:0\n", 11);
	expect_contents(get("/usr/lib/x/deep"), deep, sizeof(deep));
	assert_int_equal(ramfs_lookup(root, "/bin/sh", &n), 0);
	assert_ptr_equal(n, get("/bin/init"));
	assert_int_equal(ramfs_lookup(root, "/usr/lib/x/up/passwd", &n), 0);
	assert_ptr_equal(n, get("/etc/passwd"));
	assert_int_equal(get("/dev/console")->rdev, 5 << 8 | 1);
	assert_int_equal(get("/dev/big")->rdev, (70000 & 0xff) | 300 << 8 | (70000 & ~0xff) << 12);
	check_tree(0);

	/* An archive of only a trailer loads nothing. */
	struct arc t = { 0 };
	arc_trailer(&t);
	assert_int_equal(ramfs_load_cpio(root, t.buf, t.len), 0);
	/* Loading into a subdirectory stays there. */
	struct arc s = { 0 };
	arc(&s, REG_(0644), "/x/y", "sub");
	arc_trailer(&s);
	assert_int_equal(ramfs_load_cpio(get("/usr"), s.buf, s.len), 1);
	expect_contents(get("/usr/x/y"), "sub", 3);
	assert_false(exists("/x"));
	free(t.buf);
	free(s.buf);
}

/* What an archive may not do, and what a later entry does to an earlier one. */
static void test_load_cpio_rules(void **state)
{
	static const struct {
		uint32_t mode;
		const char *name, *data;
		int rc;
	} bad[] = {
		{ REG_(0644), "../x", "", EINVAL_ },
		{ REG_(0644), "a/../x", "", EINVAL_ },
		{ DIR_(0755), "..", NULL, EINVAL_ },
		{ REG_(0644), "f/x", "", ENOTDIR_ },            /* f is a file */
		{ REG_(0644), "l/x", "", ENOTDIR_ },            /* l is a link: not followed */
		{ CPIO_S_IFIFO | 0644, "fifo", NULL, EINVAL_ },
		{ CPIO_S_IFBLK | 0644, "blk", NULL, EINVAL_ },
		{ CPIO_S_IFSOCK | 0644, "sock", NULL, EINVAL_ },
		{ 0644, "none", NULL, EINVAL_ },
		{ LNK_, "emptylink", "", EINVAL_ },
		{ REG_(0644), ".", "", EINVAL_ },               /* a file as the root */
		{ REG_(0644), "a/.", "", EINVAL_ },
		{ REG_(0644), "", "", EINVAL_ },
		{ REG_(0644), "notempty", "x", ENOTEMPTY_ },    /* over a directory with entries */
	};
	struct ramfs_node *n;

	mk("/a", RAMFS_DIR);
	file_with("/f", "f");
	ln("/l", "a");
	mk("/notempty", RAMFS_DIR);
	mk("/notempty/x", RAMFS_FILE);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct arc a = { 0 };
		arc(&a, bad[i].mode, bad[i].name, bad[i].data);
		arc_trailer(&a);
		int rc = ramfs_load_cpio(root, a.buf, a.len);
		if (rc != bad[i].rc)
			fail_msg("entry %zu \"%s\": %d, want %d", i, bad[i].name, rc, bad[i].rc);
		free(a.buf);
	}
	/* A symbolic link target with a NUL, one too long, a name too long. */
	struct arc a = { 0 };
	arc_add_dev(&a, LNK_, "nul", "ab\0cd", 5, 0, 0);
	arc_trailer(&a);
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), EINVAL_);
	a.len = 0;
	char *t = malloc(RAMFS_PATH_MAX);
	assert_non_null(t);
	memset(t, 't', RAMFS_PATH_MAX);
	arc_add_dev(&a, LNK_, "toolong", t, RAMFS_PATH_MAX, 0, 0);
	arc_trailer(&a);
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), EINVAL_);
	a.len = 0;
	arc_add_dev(&a, LNK_, "justfits", t, RAMFS_PATH_MAX - 1, 0, 0);
	arc_trailer(&a);
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), 1);
	free(t);
	a.len = 0;
	char name[300];
	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	arc(&a, REG_(0644), name, "");
	arc_trailer(&a);
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), ENAMETOOLONG_);
	check_tree(0);

	/* Later entries replace earlier ones; a directory entry only sets the mode. */
	a.len = 0;
	arc(&a, REG_(0644), "x", "one");
	arc(&a, REG_(0600), "x", "two");
	arc(&a, DIR_(0700), "dir", NULL);
	arc(&a, REG_(0644), "dir/kept", "k");
	arc(&a, DIR_(0751), "dir", NULL);
	arc(&a, DIR_(0755), "empty", NULL);
	arc(&a, REG_(0644), "empty", "now a file");
	arc(&a, REG_(0644), "wasfile", "w");
	arc(&a, DIR_(0755), "wasfile", NULL);
	arc(&a, LNK_, "waslink", "x");
	arc(&a, REG_(0644), "waslink", "file");
	arc(&a, REG_(0644), "f", "replaced");           /* the file made above */
	arc(&a, DIR_(0700), "a/.", NULL);               /* the directory itself */
	arc_trailer(&a);
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), 13);
	free(a.buf);
	n = get("/x");
	expect_contents(n, "two", 3);
	assert_int_equal(n->mode, 0600);
	assert_int_equal(get("/dir")->mode, 0751);
	expect_contents(get("/dir/kept"), "k", 1);
	assert_int_equal(get("/empty")->type, RAMFS_FILE);
	assert_int_equal(get("/wasfile")->type, RAMFS_DIR);
	assert_int_equal(get("/waslink")->type, RAMFS_FILE);
	expect_contents(get("/f"), "replaced", 8);
	assert_int_equal(get("/a")->mode, 0700);
	check_tree(0);

	/* Not into a file. */
	struct arc e = { 0 };
	arc_trailer(&e);
	assert_int_equal(ramfs_load_cpio(get("/x"), e.buf, e.len), ENOTDIR_);
	free(e.buf);
}

/* A small archive for the refusal and memory tests. */
static void small_archive(struct arc *a)
{
	memset(a, 0, sizeof(*a));
	arc(a, DIR_(0755), "d", NULL);
	arc(a, REG_(0644), "d/f", "hello");
	arc(a, REG_(0755), "d/e/g", "x");
	arc(a, LNK_, "d/l", "f");
	arc_trailer(a);
}

/* Each proper prefix: -EINVAL at the latest at the cut, no crash, no leak. */
static void test_load_cpio_truncated(void **state)
{
	struct arc a;

	small_archive(&a);
	for (size_t len = 0; len < a.len; len++) {
		uint8_t *b = malloc(len ? len : 1);
		assert_non_null(b);
		memcpy(b, a.buf, len);
		assert_int_equal(teardown(NULL), 0);
		assert_int_equal(setup(NULL), 0);
		int rc = ramfs_load_cpio(root, b, len);
		if (rc != EINVAL_)
			fail_msg("cut at %zu of %zu: %d", len, a.len, rc);
		check_tree(0);
		free(b);
	}
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), 4);
	free(a.buf);
}

/* Out of memory at each allocation of a load: -ENOMEM, a consistent tree, no leak. */
static void test_load_cpio_enomem(void **state)
{
	struct arc a;
	int rc;
	long k;

	small_archive(&a);
	for (k = 0;; k++) {
		assert_int_equal(teardown(NULL), 0);
		assert_int_equal(setup(NULL), 0);
		fail_in = k;
		rc = ramfs_load_cpio(root, a.buf, a.len);
		fail_in = -1;
		check_tree(0);
		if (rc >= 0)
			break;
		assert_int_equal(rc, ENOMEM_);
	}
	assert_int_equal(rc, 4);
	assert_true(k >= 10);           /* nodes, names and data: every one failed once */
	free(a.buf);
}

/* 3,000 mutated archives through the whole unpacker. */
static void test_load_cpio_fuzz(void **state)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t rng = unit_seed("ramfs load fuzz");
	struct arc a;
	unsigned ok = 0;

	small_archive(&a);
	for (int iter = 0; iter < 3000; iter++) {
		size_t len = a.len;
		uint8_t *b = malloc(len);
		assert_non_null(b);
		memcpy(b, a.buf, len);
		for (int k = 0, nmut = 1 + (int)unit_below(&rng, 3); k < nmut; k++) {
			size_t at = unit_below(&rng, len);
			switch (unit_below(&rng, 4)) {
			case 0: b[at] = (uint8_t)unit_rand(&rng); break;
			case 1: b[at] = (uint8_t)hex[unit_below(&rng, 16)]; break;
			case 2: b[at] = "./\0."[unit_below(&rng, 4)]; break;
			case 3: len = at ? at : len; break;
			}
		}
		assert_int_equal(teardown(NULL), 0);
		assert_int_equal(setup(NULL), 0);
		int rc = ramfs_load_cpio(root, b, len);
		switch (rc) {
		case EINVAL_: case ENOTDIR_: case ENOTEMPTY_: case ENAMETOOLONG_:
			break;
		default:
			if (rc < 0)
				fail_msg("iteration %d: %d", iter, rc);
			ok++;
		}
		check_tree(0);
		free(b);
	}
	print_message("# load fuzz: %u of 3000 loaded\n", ok);
	assert_true(ok > 100);
	free(a.buf);
}

/* ---------------------------------------------------------------- tools/mkcpio round trip */

static char tmpdir[64];

static int setup_tmp(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_ramfs.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return setup(state);
}

static int teardown_tmp(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		return -1;
	return teardown(state);
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

/* A 3-level tree through mkcpio and back: names, modes, contents. */
static void test_mkcpio_round_trip(void **state)
{
	const char *tool = getenv("MKCPIO"), *build = getenv("BUILD");
	char exe[512], abs[PATH_MAX], cmd[PATH_MAX + 512], path[300], list[2048] = "";

	if (tool)
		snprintf(exe, sizeof(exe), "%s", tool);
	else
		snprintf(exe, sizeof(exe), "%s/tools/mkcpio", build ? build : "build");
	if (access(exe, X_OK) || !realpath(exe, abs))
		fail_msg("%s: not built (make build/tools/mkcpio, or set MKCPIO)", exe);
	write_file("init", "#!/bin/init\n", 0755);
	write_file("motd", "welcome\n", 0644);
	write_file("lib", "\x7f" "ELF", 0700);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && '%s' out.cpio init:/sbin/init motd:etc/issue/motd lib:usr/lib/i386/libc.so "
		 "-d dev -d usr/share/empty", tmpdir, abs);
	assert_int_equal(system(cmd), 0);

	snprintf(path, sizeof(path), "%s/out.cpio", tmpdir);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t buf[8192];
	size_t size = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(size > 0 && size < sizeof(buf));
	assert_int_equal(ramfs_load_cpio(root, buf, size), 12);
	listing(root, "", list, sizeof(list));
	assert_string_equal(list,
		"/sbin d 755 0\n"
		"/sbin/init f 755 12\n"
		"/etc d 755 0\n"
		"/etc/issue d 755 0\n"
		"/etc/issue/motd f 644 8\n"
		"/usr d 755 0\n"
		"/usr/lib d 755 0\n"
		"/usr/lib/i386 d 755 0\n"
		"/usr/lib/i386/libc.so f 755 4\n"
		"/usr/share d 755 0\n"
		"/usr/share/empty d 755 0\n"
		"/dev d 755 0\n");
	expect_contents(get("/sbin/init"), "#!/bin/init\n", 12);
	expect_contents(get("/etc/issue/motd"), "welcome\n", 8);
	expect_contents(get("/usr/lib/i386/libc.so"), "\x7f" "ELF", 4);
	check_tree(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_cpio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_cpio_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_cpio_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_cpio_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_cpio_fuzz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkcpio_round_trip, setup_tmp, teardown_tmp),
	};
	return cmocka_run_group_tests_name("ramfs_cpio", tests, NULL, NULL);
}
