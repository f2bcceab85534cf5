/*
 * lib/fwd_server.c: the system-call forwarding server core on a real
 * temporary tree (docs/io.md, "System-call forwarding").
 *
 * Two identical exports, e1 and e2, are built beside a directory "outside"
 * holding canaries. Every case runs once through the server on e1 and once
 * as the host kernel's own call on e2 confined by openat2(RESOLVE_IN_ROOT)
 * (the oracle: the same call on a tree it cannot leave). The results must
 * be equal (the same errno, the same file), the two trees must stay equal,
 * and nothing outside may change. The hostile links of the export (to /,
 * to ../.., to /etc/passwd, to the canary's absolute host path, chains,
 * loops) are the paths most cases take; decoys inside the export
 * (etc/passwd, outside/canary) show where a clamped path really went.
 */
#define _GNU_SOURCE
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "fwd_client.h"
#include "fwd_server.h"

static char T[256];                     /* the temporary directory */
static char E1[300], E2[300], OUT[300];
static int e1fd = -1, e2fd = -1;
static struct fwd_server srv;
static struct timespec canary_mtime;
static char data[FSIF_DATA_MAX];        /* the server's data buffer */
static char ref[FSIF_DATA_MAX];         /* the oracle's */

/* ---------------------------------------------------------------- the trees */

static void put_file(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void build_export(const char *top)
{
	char p[600];
	assert_int_equal(mkdir(top, 0755), 0);
	int d = open(top, O_RDONLY | O_DIRECTORY);
	assert_true(d >= 0);
	put_file(d, "file", "hello world\n");
	assert_int_equal(mkdirat(d, "dir", 0755), 0);
	put_file(d, "dir/inner", "inner\n");
	assert_int_equal(mkdirat(d, "dir/sub", 0755), 0);
	put_file(d, "dir/sub/deep", "deep\n");
	assert_int_equal(mkdirat(d, "empty", 0755), 0);
	assert_int_equal(mkdirat(d, "etc", 0755), 0);
	put_file(d, "etc/passwd", "decoy passwd\n");            /* where "/etc/passwd" lands */
	assert_int_equal(mkdirat(d, "outside", 0755), 0);
	put_file(d, "outside/canary", "decoy canary\n");        /* where "../outside/canary" lands */
	static const char *const links[][2] = {
		{ "/", "to_root" }, { "../..", "to_dotdot2" }, { "/etc/passwd", "to_passwd" },
		{ "/etc", "to_etc" }, { "../outside/canary", "to_canary_rel" },
		{ "../../../outside/canary", "dir/up3" }, { "file", "to_file" }, { "dir", "to_dir" },
		{ "../file", "dir/to_file_up" }, { "../../../../../../..", "dir/to_top" },
		{ "loop2", "loop1" }, { "loop1", "loop2" }, { "self", "self" },
		{ "nonexistent", "dangling" }, { "/made_by_abs", "dangling_abs" },
		{ "sub", "dir/to_sub" }, { "/file", "dir/abs_file" }, { "/", "dir/abs_root" },
		{ "/etc/passwd", "dir/sub/abs_passwd" }, { "dir/", "to_dir_slash" }, { "///", "to_slashes" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		assert_int_equal(symlinkat(links[i][0], d, links[i][1]), 0);
	/* Absolute host paths of the real canaries: inside the export they
	 * name nothing (the export has no such directories). */
	snprintf(p, sizeof(p), "%s/canary", OUT);
	assert_int_equal(symlinkat(p, d, "to_canary_abs"), 0);
	assert_int_equal(symlinkat(OUT, d, "to_outside_abs"), 0);
	/* Chains: a0 -> a1 -> ... -> a39 -> file follows 40 links; b: 41. */
	for (int i = 0; i < 41; i++) {
		char n[16], t[16];
		snprintf(n, sizeof(n), "a%d", i);
		snprintf(t, sizeof(t), i == 39 ? "file" : "a%d", i + 1);
		if (i < 40)
			assert_int_equal(symlinkat(t, d, n), 0);
		snprintf(n, sizeof(n), "b%d", i);
		snprintf(t, sizeof(t), i == 40 ? "file" : "b%d", i + 1);
		assert_int_equal(symlinkat(t, d, n), 0);
	}
	/* 20 directories deep (more than a walk holds: FWD_HELD). */
	strcpy(p, "deep");
	for (int i = 0; i < 20; i++) {
		assert_int_equal(mkdirat(d, p, 0755), 0);
		strcat(p, "/d");
	}
	strcpy(p + strlen(p) - 2, "/bottom");
	put_file(d, p, "bottom\n");
	close(d);
}

/* Everything under dfd, sorted, one line per file: path, type, mode, size,
 * contents or link target. */
static void dump(int dfd, const char *rel, char *out, size_t cap)
{
	int fd = openat(dfd, rel[0] ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	assert_true(fd >= 0);
	DIR *dir = fdopendir(fd);
	assert_non_null(dir);
	char names[256][64];
	int n = 0;
	struct dirent *de;
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			assert_true(n < 256 && strlen(de->d_name) < 64);
			strcpy(names[n++], de->d_name);
		}
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (int i = 0; i < n; i++) {
		char path[4096], line[8400] = "";
		snprintf(path, sizeof(path), "%s%s%s", rel, rel[0] ? "/" : "", names[i]);
		struct stat st;
		assert_int_equal(fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
		char body[4096] = "";
		if (S_ISLNK(st.st_mode)) {
			ssize_t k = readlinkat(dfd, path, body, sizeof(body) - 1);
			assert_true(k >= 0);
			body[k] = 0;
		} else if (S_ISREG(st.st_mode)) {
			int f = openat(dfd, path, O_RDONLY);
			assert_true(f >= 0);
			ssize_t k = read(f, body, sizeof(body) - 1);
			body[k < 0 ? 0 : k] = 0;
			close(f);
		}
		snprintf(line, sizeof(line), "%s %o %lld [%s]\n", path, st.st_mode,
			 S_ISDIR(st.st_mode) ? 0ll : (long long)st.st_size, body);
		assert_true(strlen(out) + strlen(line) < cap);
		strcat(out, line);
		if (S_ISDIR(st.st_mode))
			dump(dfd, path, out, cap);
	}
	closedir(dir);
}

static char dump1[1 << 18], dump2[1 << 18];

static void check_outside(void);

/* The exports are equal and nothing outside changed. */
static void check_trees(void)
{
	dump1[0] = dump2[0] = 0;
	dump(e1fd, "", dump1, sizeof(dump1));
	dump(e2fd, "", dump2, sizeof(dump2));
	assert_string_equal(dump1, dump2);
	check_outside();
}

static void check_outside(void)
{
	char buf[64] = "";
	char p[600];
	snprintf(p, sizeof(p), "%s/canary", OUT);
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	close(fd);
	assert_memory_equal(buf, "canary\n", 7);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, canary_mtime.tv_sec);
	assert_int_equal(st.st_mtim.tv_nsec, canary_mtime.tv_nsec);
	assert_int_equal(st.st_mode & 07777, 0644);
	snprintf(p, sizeof(p), "%s/inner", OUT);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 15);
	close(fd);
	assert_memory_equal(buf, "outside inner\n", 14);
	/* Nothing made outside: its only files are ours. */
	int dfd = open(OUT, O_RDONLY | O_DIRECTORY);
	DIR *dir = fdopendir(dfd);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++, assert_true(!strcmp(de->d_name, "canary") || !strcmp(de->d_name, "inner") ||
					 !strcmp(de->d_name, "moved"));
	closedir(dir);
	assert_true(n >= 2);
	/* Nothing made in the temporary directory or "/": no stray names. */
	assert_int_equal(access("/made_by_abs", F_OK), -1);
	assert_int_equal(access("/newdir_escape", F_OK), -1);
}

static void srv_attach(void)
{
	struct fsif_req r;
	struct fsif_rsp rsp;
	struct fwd_bufs b = { 0 };
	fsif_req_init(&r, 1, FSIF_OP_ATTACH);
	r.arg = FSIF_VERSION;
	fwd_server_handle(&srv, &r, &b, &rsp);
	assert_int_equal(rsp.ret, FWD_HANDLES);
}

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int fds_before;
static char made[64][sizeof(T)];
static int n_made;

static int setup(void **state)
{
	(void)state;
	fds_before = count_fds();
	umask(022);
	strcpy(T, "/tmp/rv-fwd-XXXXXX");
	assert_non_null(mkdtemp(T));
	if (n_made < 64)
		strcpy(made[n_made++], T);      /* removed at the end even if a check failed */
	snprintf(E1, sizeof(E1), "%s/e1", T);
	snprintf(E2, sizeof(E2), "%s/e2", T);
	snprintf(OUT, sizeof(OUT), "%s/outside", T);
	assert_int_equal(mkdir(OUT, 0755), 0);
	int o = open(OUT, O_RDONLY | O_DIRECTORY);
	put_file(o, "canary", "canary\n");
	put_file(o, "inner", "outside inner\n\n");
	struct stat st;
	assert_int_equal(fstatat(o, "canary", &st, 0), 0);
	canary_mtime = st.st_mtim;
	close(o);
	build_export(E1);
	build_export(E2);
	e1fd = open(E1, O_RDONLY | O_DIRECTORY);
	e2fd = open(E2, O_RDONLY | O_DIRECTORY);
	assert_true(e1fd >= 0 && e2fd >= 0);
	assert_int_equal(fwd_server_init(&srv, e1fd), 0);
	srv_attach();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	check_trees();
	fwd_server_fini(&srv);
	close(e1fd);
	close(e2fd);
	assert_int_equal(count_fds(), fds_before);      /* no descriptor leaked */
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* ---------------------------------------------------------------- both sides */

/* A request through the server: path (and path2) from dir; data is the
 * data buffer (count bytes of one page). */
static struct fsif_rsp call(uint16_t op, uint32_t dir, const char *path, const char *path2,
			    uint32_t flags, uint32_t mode, uint64_t offset, uint32_t count)
{
	struct fsif_req r;
	struct fsif_rsp rsp;
	fsif_req_init(&r, 77, op);
	r.dir = dir;
	r.handle = dir;
	r.flags = flags;
	r.mode = mode;
	r.offset = offset;
	r.count = count;
	struct fwd_bufs b = { .data = data, .data_cap = sizeof(data) };
	if (path) {
		r.path.len = strlen(path);
		b.path = path;
		b.path_cap = r.path.len;
	}
	if (path2) {
		r.path2.len = strlen(path2);
		b.path2 = path2;
		b.path2_cap = r.path2.len;
	}
	for (uint32_t i = 0; i * 4096 < count && i < FSIF_DATA_SEGS; i++) {
		r.data[i].len = count - i * 4096 > 4096 ? 4096 : count - i * 4096;
		r.nr_data = i + 1;
	}
	fwd_server_handle(&srv, &r, &b, &rsp);
	assert_int_equal(rsp.id, 77);
	assert_int_equal(rsp.op, op);
	return rsp;
}

static int neg(long rc)
{
	return rc < 0 ? -errno : (int)rc;
}

/* The oracle's confined open: the host kernel, rooted at e2. */
static int ref_open(const char *path, uint64_t flags, uint64_t mode)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .mode = mode,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int rc = neg(syscall(SYS_openat2, e2fd, path, &how, sizeof(how)));
	if (rc == -ENOSYS) {
		print_message("# no openat2 (Linux 5.6) on this host: no oracle\n");
		skip();
	}
	return rc;
}

/* Split path as the kernel does for a call on a name: the directory part,
 * opened confined, and the final component (with its trailing '/'s). */
static int ref_parent(const char *path, const char **last)
{
	size_t n = strlen(path), e = n;
	while (e > 0 && path[e - 1] == '/')
		e--;
	size_t s = e;
	while (s > 0 && path[s - 1] != '/')
		s--;
	*last = path + s;
	if (e == 0)                     /* only '/': refused by its kind alone */
		return dup(e2fd);
	if (s == 0)
		return dup(e2fd);
	char dir[4096];
	memcpy(dir, path, s);
	dir[s] = 0;
	return ref_open(dir, O_PATH | O_DIRECTORY, 0);
}

/* The same stat fields on both sides (inode numbers differ between trees). */
static void same_stat(const struct fsif_stat *a, const struct stat *b)
{
	assert_int_equal(a->mode, b->st_mode);
	assert_int_equal(a->nlink, b->st_nlink);
	assert_int_equal(a->size, b->st_size);
	assert_int_equal(a->uid, b->st_uid);
	assert_int_equal(a->gid, b->st_gid);
}

/* stat or lstat of path: the server against the oracle. */
static int both_stat(const char *path, bool nofollow)
{
	struct fsif_rsp r = call(FSIF_OP_STAT, FSIF_ROOT, path, NULL,
				 nofollow ? FSIF_AT_SYMLINK_NOFOLLOW : 0, 0, 0, 0);
	int fd = ref_open(path, O_PATH | (nofollow ? O_NOFOLLOW : 0), 0);
	struct stat st;
	if (fd >= 0) {
		assert_int_equal(fstat(fd, &st), 0);
		close(fd);
	}
	if (r.ret != (fd < 0 ? fd : 0))
		print_error("stat %s%s: server %d, oracle %d\n", nofollow ? "-l " : "", path, r.ret,
			    fd < 0 ? fd : 0);
	assert_int_equal(r.ret, fd < 0 ? fd : 0);
	if (fd >= 0)
		same_stat(&r.u.st, &st);
	return r.ret;
}

/* open path with flags: same result, same file (contents read back). */
static int both_open(const char *path, uint32_t flags, uint32_t mode)
{
	struct fsif_rsp r = call(FSIF_OP_OPEN, FSIF_ROOT, path, NULL, flags, mode, 0, 0);
	int fd = ref_open(path, flags, mode);
	if ((r.ret >= 0) != (fd >= 0) || (fd < 0 && r.ret != fd))
		print_error("open %s 0%o: server %d, oracle %d\n", path, flags, r.ret, fd);
	assert_int_equal(r.ret >= 0, fd >= 0);
	if (fd < 0) {
		assert_int_equal(r.ret, fd);
		return fd;
	}
	struct fsif_rsp s = call(FSIF_OP_FSTAT, r.ret, NULL, NULL, 0, 0, 0, 0);
	assert_int_equal(s.ret, 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	same_stat(&s.u.st, &st);
	if (S_ISREG(st.st_mode) && (flags & O_ACCMODE) != O_WRONLY) {
		struct fsif_rsp rd = call(FSIF_OP_PREAD, r.ret, NULL, NULL, 0, 0, 0, 4096);
		ssize_t k = pread(fd, ref, 4096, 0);
		assert_int_equal(rd.ret, k);
		assert_memory_equal(data, ref, k);
	}
	close(fd);
	assert_int_equal(call(FSIF_OP_CLOSE, r.ret, NULL, NULL, 0, 0, 0, 0).ret, 0);
	return 0;
}

/* mkdir, rmdir, unlink of path. */
static int both_name(uint16_t op, const char *path)
{
	struct fsif_rsp r = call(op, FSIF_ROOT, path, NULL, 0, 0755, 0, 0);
	const char *last;
	int p = ref_parent(path, &last), rc = p;
	if (p >= 0) {
		rc = neg(op == FSIF_OP_MKDIR ? mkdirat(p, last, 0755) :
			 unlinkat(p, last, op == FSIF_OP_RMDIR ? AT_REMOVEDIR : 0));
		close(p);
	}
	if (r.ret != rc)
		print_error("op %d %s: server %d, oracle %d\n", op, path, r.ret, rc);
	assert_int_equal(r.ret, rc);
	check_trees();
	return rc;
}

static int both_rename(const char *from, const char *to, uint32_t flags)
{
	struct fsif_rsp r = call(FSIF_OP_RENAME, FSIF_ROOT, from, to, flags, 0, 0, 0);
	const char *l1, *l2;
	int p1 = ref_parent(from, &l1), p2 = ref_parent(to, &l2), rc;
	if (p1 < 0)
		rc = p1;
	else if (p2 < 0)
		rc = p2;
	else
		rc = neg(renameat2(p1, l1, p2, l2, flags ? RENAME_NOREPLACE : 0));
	if (p1 >= 0)
		close(p1);
	if (p2 >= 0)
		close(p2);
	if (r.ret != rc)
		print_error("rename %s %s: server %d, oracle %d\n", from, to, r.ret, rc);
	assert_int_equal(r.ret, rc);
	check_trees();
	return rc;
}

static int both_symlink(const char *target, const char *path)
{
	struct fsif_rsp r = call(FSIF_OP_SYMLINK, FSIF_ROOT, path, target, 0, 0, 0, 0);
	const char *last;
	int p = ref_parent(path, &last), rc = p;
	if (p >= 0) {
		rc = neg(symlinkat(target, p, last));
		close(p);
	} else if (!target[0]) {
		/* symlink(2) reads its target before the path: the kernel's
		 * answer to an empty one, whatever the path. */
		rc = neg(symlinkat(target, e2fd, "never_made"));
	}
	if (r.ret != rc)
		print_error("symlink %s %s: server %d, oracle %d\n", target, path, r.ret, rc);
	assert_int_equal(r.ret, rc);
	check_trees();
	return rc;
}

static int both_readlink(const char *path, uint32_t count)
{
	struct fsif_rsp r = call(FSIF_OP_READLINK, FSIF_ROOT, path, NULL, 0, 0, 0, count);
	const char *last;
	int p = ref_parent(path, &last), rc = p;
	if (p >= 0 && count == 0) {
		rc = -EINVAL;
	} else if (p >= 0 && last[strlen(last) - 1] == '/') {
		/* "x/" follows x: a directory (EINVAL) or the walk's error. */
		int fd = ref_open(path, O_PATH | O_DIRECTORY, 0);
		rc = fd < 0 ? fd : -EINVAL;
		if (fd >= 0)
			close(fd);
	} else if (p >= 0) {
		rc = neg(readlinkat(p, last, ref, count));
	}
	if (p >= 0)
		close(p);
	if (r.ret != rc)
		print_error("readlink %s: server %d, oracle %d\n", path, r.ret, rc);
	assert_int_equal(r.ret, rc);
	if (rc > 0)
		assert_memory_equal(data, ref, rc);
	return rc;
}

/* truncate and chmod through the oracle's confined O_PATH descriptor. */
static int both_setattr(uint16_t op, const char *path, uint64_t arg)
{
	struct fsif_rsp r = call(op, FSIF_ROOT, path, NULL, 0, (uint32_t)arg, arg, 0);
	int rc;
	if (op == FSIF_OP_TRUNCATE && (int64_t)arg < 0) {
		rc = -EINVAL;
	} else {
		int fd = ref_open(path, O_PATH, 0);
		rc = fd;
		if (fd >= 0) {
			char p[64];
			snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
			rc = neg(op == FSIF_OP_TRUNCATE ? truncate(p, (off_t)arg) : chmod(p, (mode_t)arg));
			close(fd);
		}
	}
	if (r.ret != rc)
		print_error("op %d %s: server %d, oracle %d\n", op, path, r.ret, rc);
	assert_int_equal(r.ret, rc);
	check_trees();
	return rc;
}

/* ---------------------------------------------------------------- the tests */

/* The hostile links read inside the export, as a chroot would. */
static void test_stat_paths(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"file", "dir", "dir/inner", "dir/sub/deep", "/", "/file", "//dir//inner//",
		".", "..", "../..", "../../../etc/passwd", "/../../outside/canary", "dir/../..",
		"to_root", "to_root/file", "to_root/../../file", "to_dotdot2", "to_dotdot2/file",
		"to_passwd", "to_etc/passwd", "to_canary_rel", "dir/up3", "to_canary_abs",
		"to_outside_abs", "to_outside_abs/canary", "dir/to_top", "dir/to_top/etc/passwd",
		"to_file", "to_file/", "to_dir/", "to_dir/inner", "dir/to_file_up", "dir/to_sub/deep",
		"to_dir_slash", "to_dir_slash/inner", "to_slashes", "to_slashes/file",
		"dir/abs_file", "dir/abs_root", "dir/abs_root/dir/inner", "dir/sub/abs_passwd",
		"to_dir/sub/abs_passwd", "dir/abs_root/..", "dir/sub/../abs_root/file",
		"a0", "b0", "a5/", "loop1", "loop1/x", "self", "dangling", "dangling/", "dangling_abs",
		"file/", "file/x", "file/..", "missing", "missing/x", "dir/inner/", "empty/.",
		"empty/..", "deep/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/bottom",
		"deep/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/../../../../../../../../../../../../../../../../../../../../../file",
		"deep/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/../../../../../../../../../../../../../../../../../../../../../../../../etc",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		both_stat(paths[i], false);
		both_stat(paths[i], true);
	}
	/* And where they went: the decoys, never the host's files. */
	struct stat dec;
	assert_int_equal(fstatat(e1fd, "etc/passwd", &dec, 0), 0);
	struct fsif_rsp r = call(FSIF_OP_STAT, FSIF_ROOT, "to_passwd", NULL, 0, 0, 0, 0);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.u.st.ino, dec.st_ino);
	r = call(FSIF_OP_STAT, FSIF_ROOT, "../../../../etc/passwd", NULL, 0, 0, 0, 0);
	assert_int_equal(r.u.st.ino, dec.st_ino);
	assert_int_equal(fstatat(e1fd, "outside/canary", &dec, 0), 0);
	r = call(FSIF_OP_STAT, FSIF_ROOT, "dir/up3", NULL, 0, 0, 0, 0);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.u.st.ino, dec.st_ino);
	r = call(FSIF_OP_STAT, FSIF_ROOT, "to_canary_abs", NULL, 0, 0, 0, 0);
	assert_int_equal(r.ret, -ENOENT);
	assert_int_equal(fstatat(e1fd, ".", &dec, 0), 0);
	r = call(FSIF_OP_STAT, FSIF_ROOT, "to_root/..", NULL, 0, 0, 0, 0);
	assert_int_equal(r.u.st.ino, dec.st_ino);
}

static void test_links_bound(void **state)
{
	(void)state;
	assert_int_equal(both_stat("a0", false), 0);            /* 40 links: followed */
	assert_int_equal(both_stat("b0", false), -ELOOP);       /* 41 */
	assert_int_equal(both_stat("a1/", false), -ENOTDIR);
	assert_int_equal(both_stat("loop1", false), -ELOOP);
	assert_int_equal(both_stat("loop1", true), 0);
	assert_int_equal(both_open("self", O_RDONLY, 0), -ELOOP);
	assert_int_equal(both_open("a0", O_RDONLY, 0), 0);
	assert_int_equal(both_open("b0", O_RDONLY, 0), -ELOOP);
}

static void test_open_paths(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"file", "to_passwd", "../../etc/passwd", "to_root/etc/passwd", "to_canary_rel",
		"dir/up3", "to_canary_abs", "to_outside_abs/inner", "dir", "to_dir", "to_file/",
		"dir/", "missing", "dangling", "/", "..", "to_dotdot2/outside/canary",
	};
	static const uint32_t flags[] = {
		O_RDONLY, O_RDONLY | O_NOFOLLOW, O_RDONLY | O_DIRECTORY,
		O_RDONLY | O_NOFOLLOW | O_DIRECTORY, O_WRONLY, O_RDWR | O_APPEND,
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		for (size_t j = 0; j < sizeof(flags) / sizeof(flags[0]); j++)
			both_open(paths[i], flags[j], 0);
	check_trees();
}

/* O_CREAT through hostile links creates inside the export or nowhere. */
static void test_open_create(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"new1", "dir/new2", "dangling", "dangling_abs", "to_root/new3", "../../new4",
		"to_outside_abs/new5", "to_canary_abs", "missing/new6", "file/new7", "new8/",
		"dir/", ".", "..", "/", "to_dir_slash", "to_file", "dir/up3",
	};
	static const uint32_t flags[] = {
		O_WRONLY | O_CREAT, O_WRONLY | O_CREAT | O_EXCL, O_RDWR | O_CREAT | O_TRUNC,
		O_WRONLY | O_CREAT | O_NOFOLLOW,
	};
	for (size_t j = 0; j < sizeof(flags) / sizeof(flags[0]); j++)
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			both_open(paths[i], flags[j], 0600);
			check_trees();
		}
	/* The dangling absolute link made its file at the export's top. */
	assert_int_equal(faccessat(e1fd, "made_by_abs", F_OK, 0), 0);
	/* O_TRUNC through the links truncated the decoys, not the canaries. */
	struct stat st;
	assert_int_equal(fstatat(e1fd, "outside/canary", &st, 0), 0);
	assert_int_equal(st.st_size, 0);
}

static void test_names(void **state)
{
	(void)state;
	/* mkdir */
	static const char *const mk[] = {
		"nd", "nd", "dir/nd/", "missing/x", "file/x", "to_root/nd2", "../../nd3",
		"to_outside_abs/nd4", "dangling", "dangling_abs", "to_dir/nd5", ".", "..", "/",
		"dir/..", "nd/.", "to_dotdot2/nd6", "dir/to_top/nd7",
	};
	for (size_t i = 0; i < sizeof(mk) / sizeof(mk[0]); i++)
		both_name(FSIF_OP_MKDIR, mk[i]);
	/* unlink: links themselves go, never what they name. */
	static const char *const ul[] = {
		"to_passwd", "to_canary_abs", "dir/up3", "to_root", "to_dir/", "to_dir_slash/",
		"dir", "empty/", "missing", "file/", ".", "..", "/", "dir/..", "../../outside/canary",
		"to_file", "a39",
	};
	for (size_t i = 0; i < sizeof(ul) / sizeof(ul[0]); i++)
		both_name(FSIF_OP_UNLINK, ul[i]);
	/* rmdir */
	static const char *const rd[] = {
		"empty", "dir", "file", "missing", "to_dir", ".", "..", "/", "nd/.", "nd/..",
		"../nd", "to_outside_abs", "dir/nd/", "dir/sub/..", "nd3", "to_root/nd2",
	};
	for (size_t i = 0; i < sizeof(rd) / sizeof(rd[0]); i++)
		both_name(FSIF_OP_RMDIR, rd[i]);
}

static void test_rename(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "file", "file2" }, { "file2", "dir/file3" }, { "dir/file3", "../../file" },
		{ "to_passwd", "dir/p" }, { "dir/p", "to_root/p2" }, { "to_canary_abs", "x" },
		{ "file", "to_outside_abs/stolen" }, { "to_outside_abs/canary", "got" },
		{ "to_dir/inner", "to_root/inner2" }, { "dir", "dir/sub/in_self" },
		{ "missing", "y" }, { "file", "missing/y" }, { ".", "z" }, { "file", ".." },
		{ "/", "z" }, { "empty", "dir/sub/" }, { "empty/", "e2/" }, { "file/", "f" },
		{ "dir/sub/..", "q" }, { "inner2", "dir/sub/deep" }, { "e2", "dir" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		both_rename(cases[i][0], cases[i][1], 0);
	assert_int_equal(both_rename("file", "to_file", FSIF_RENAME_NOREPLACE), -EEXIST);
	both_rename("file", "newname", FSIF_RENAME_NOREPLACE);
	both_rename("newname", "..", FSIF_RENAME_NOREPLACE);
}

static void test_symlink_readlink(void **state)
{
	(void)state;
	both_symlink("/etc/shadow", "l1");
	both_symlink("../../../../outside/canary", "dir/l2");
	both_symlink("x", "file");
	both_symlink("x", "to_root/l3");
	both_symlink("x", "../l4");
	both_symlink("x", "to_outside_abs/l5");
	both_symlink("x", "dangling_abs");
	both_symlink("x", "missing/l6");
	both_symlink("x", "l7/");
	both_symlink("x", ".");
	both_symlink("x", "..");
	both_symlink("x", "/");
	both_symlink("", "l8");
	/* A link made through the server is contained like any other. */
	assert_int_equal(both_stat("l1", false), -ENOENT);
	assert_int_equal(both_stat("dir/l2", false), 0);
	static const char *const rl[] = {
		"to_root", "to_passwd", "to_canary_abs", "dir/up3", "to_dir/to_sub", "file",
		"dir", "missing", "to_dir_slash", "to_dir/", "to_file/", "dangling/", "..", "/",
		"to_root/to_passwd", "l1", "a0",
	};
	for (size_t i = 0; i < sizeof(rl) / sizeof(rl[0]); i++) {
		both_readlink(rl[i], 4096);
		both_readlink(rl[i], 3);
	}
	both_readlink("to_root", 0);
}

static void test_setattr(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"file", "dir", "to_passwd", "to_canary_abs", "dir/up3", "to_root", "../../file",
		"missing", "file/", "dangling", "loop1", "to_outside_abs/canary", "to_dir/inner",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		both_setattr(FSIF_OP_CHMOD, paths[i], 0600);
		both_setattr(FSIF_OP_TRUNCATE, paths[i], 3);
	}
	both_setattr(FSIF_OP_TRUNCATE, "file", (uint64_t)-1);
	both_setattr(FSIF_OP_TRUNCATE, "missing", (uint64_t)-5);
	both_setattr(FSIF_OP_TRUNCATE, "file", 100000);
	both_setattr(FSIF_OP_CHMOD, "dir/sub", 0700);
}

/* Every handle call's happy path, against the same calls on e2. */
static void test_handles(void **state)
{
	(void)state;
	struct fsif_rsp r = call(FSIF_OP_OPEN, FSIF_ROOT, "dir/inner", NULL, O_RDWR, 0, 0, 0);
	assert_true(r.ret >= 0);
	uint32_t h = r.ret;
	int fd = openat(e2fd, "dir/inner", O_RDWR);
	assert_true(fd >= 0);
	memcpy(data, "abc", 3);
	assert_int_equal(call(FSIF_OP_WRITE, h, NULL, NULL, 0, 0, 0, 3).ret, write(fd, "abc", 3));
	r = call(FSIF_OP_LSEEK, h, NULL, NULL, 0, 0, 1, 0);     /* offset 1, SEEK_SET */
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.u.offset, lseek(fd, 1, SEEK_SET));
	assert_int_equal(call(FSIF_OP_READ, h, NULL, NULL, 0, 0, 0, 100).ret, read(fd, ref, 100));
	assert_memory_equal(data, ref, 5);
	/* lseek SEEK_END and an invalid whence */
	struct fsif_req q;
	struct fsif_rsp rsp;
	struct fwd_bufs b = { .data = data, .data_cap = sizeof(data) };
	fsif_req_init(&q, 3, FSIF_OP_LSEEK);
	q.handle = h;
	q.arg = SEEK_END;
	q.offset = (uint64_t)-2;
	fwd_server_handle(&srv, &q, &b, &rsp);
	assert_int_equal(rsp.ret, 0);
	assert_int_equal(rsp.u.offset, lseek(fd, -2, SEEK_END));
	q.arg = 99;
	fwd_server_handle(&srv, &q, &b, &rsp);
	assert_int_equal(rsp.ret, neg(lseek(fd, 0, 99)));
	q.arg = SEEK_SET;
	fwd_server_handle(&srv, &q, &b, &rsp);
	assert_int_equal(rsp.ret, neg(lseek(fd, -2, SEEK_SET)));
	/* pwrite, pread at offsets, negative included */
	memcpy(data, "XYZ", 3);
	assert_int_equal(call(FSIF_OP_PWRITE, h, NULL, NULL, 0, 0, 10, 3).ret, pwrite(fd, "XYZ", 3, 10));
	assert_int_equal(call(FSIF_OP_PREAD, h, NULL, NULL, 0, 0, 0, 64).ret, pread(fd, ref, 64, 0));
	assert_memory_equal(data, ref, 13);
	assert_int_equal(call(FSIF_OP_PREAD, h, NULL, NULL, 0, 0, (uint64_t)-1, 4).ret,
			 neg(pread(fd, ref, 4, -1)));
	/* ftruncate, fsync, fdatasync, fchmod, fstat */
	assert_int_equal(call(FSIF_OP_FTRUNCATE, h, NULL, NULL, 0, 0, 4, 0).ret, neg(ftruncate(fd, 4)));
	assert_int_equal(call(FSIF_OP_FTRUNCATE, h, NULL, NULL, 0, 0, (uint64_t)-1, 0).ret,
			 neg(ftruncate(fd, -1)));
	assert_int_equal(call(FSIF_OP_FSYNC, h, NULL, NULL, 0, 0, 0, 0).ret, neg(fsync(fd)));
	fsif_req_init(&q, 4, FSIF_OP_FSYNC);
	q.handle = h;
	q.arg = 1;
	fwd_server_handle(&srv, &q, &b, &rsp);
	assert_int_equal(rsp.ret, 0);
	assert_int_equal(call(FSIF_OP_FCHMOD, h, NULL, NULL, 0, 0640, 0, 0).ret, neg(fchmod(fd, 0640)));
	r = call(FSIF_OP_FSTAT, h, NULL, NULL, 0, 0, 0, 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	same_stat(&r.u.st, &st);
	assert_int_equal(r.u.st.mode, S_IFREG | 0640);
	assert_int_equal(call(FSIF_OP_CLOSE, h, NULL, NULL, 0, 0, 0, 0).ret, 0);
	assert_int_equal(call(FSIF_OP_CLOSE, h, NULL, NULL, 0, 0, 0, 0).ret, -EBADF);
	assert_int_equal(call(FSIF_OP_READ, h, NULL, NULL, 0, 0, 0, 4).ret, -EBADF);
	close(fd);
	/* A read-only handle refuses writes as the kernel does. */
	r = call(FSIF_OP_OPEN, FSIF_ROOT, "file", NULL, O_RDONLY, 0, 0, 0);
	fd = openat(e2fd, "file", O_RDONLY);
	assert_int_equal(call(FSIF_OP_WRITE, r.ret, NULL, NULL, 0, 0, 0, 1).ret, neg(write(fd, "x", 1)));
	assert_int_equal(call(FSIF_OP_FTRUNCATE, r.ret, NULL, NULL, 0, 0, 0, 0).ret, neg(ftruncate(fd, 0)));
	assert_int_equal(call(FSIF_OP_GETDENTS64, r.ret, NULL, NULL, 0, 0, 0, 4096).ret,
			 neg(syscall(SYS_getdents64, fd, ref, 4096)));
	close(fd);
	call(FSIF_OP_CLOSE, r.ret, NULL, NULL, 0, 0, 0, 0);
	/* A directory: read is EISDIR, writing it EISDIR. */
	r = call(FSIF_OP_OPEN, FSIF_ROOT, "dir", NULL, O_RDONLY, 0, 0, 0);
	fd = openat(e2fd, "dir", O_RDONLY);
	assert_int_equal(call(FSIF_OP_READ, r.ret, NULL, NULL, 0, 0, 0, 4).ret, neg(read(fd, ref, 4)));
	close(fd);
	call(FSIF_OP_CLOSE, r.ret, NULL, NULL, 0, 0, 0, 0);
	assert_int_equal(both_open("dir", O_WRONLY, 0), -EISDIR);
	check_trees();
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* getdents64: the records a directory handle gives, checked by the client's
 * check, name the same entries as the host's readdir of the twin. */
static void test_getdents(void **state)
{
	(void)state;
	struct fsif_rsp r = call(FSIF_OP_OPEN, FSIF_ROOT, "to_root", NULL, O_RDONLY | O_DIRECTORY, 0, 0, 0);
	assert_true(r.ret >= 0);
	uint32_t h = r.ret;
	static char names[2][200][64];
	int n1 = 0, n2 = 0;
	for (;;) {
		/* A small buffer: several calls, as a program's would be. */
		struct fsif_rsp g = call(FSIF_OP_GETDENTS64, h, NULL, NULL, 0, 0, 0, 512);
		assert_true(g.ret >= 0);
		if (g.ret == 0)
			break;
		long k = fsif_dirents_check(data, g.ret);
		assert_true(k > 0);
		for (long off = 0; off < g.ret;) {
			struct fsif_dirent64 *de = (void *)(data + off);
			assert_true(n1 < 200);
			strcpy(names[0][n1++], de->d_name);
			off += de->d_reclen;
		}
	}
	DIR *d = opendir(E2);
	struct dirent *de;
	while ((de = readdir(d)))
		strcpy(names[1][n2++], de->d_name);
	closedir(d);
	assert_int_equal(n1, n2);
	char *p1[200], *p2[200];
	for (int i = 0; i < n1; i++)
		p1[i] = names[0][i], p2[i] = names[1][i];
	qsort(p1, n1, sizeof(char *), cmpstr);
	qsort(p2, n2, sizeof(char *), cmpstr);
	for (int i = 0; i < n1; i++)
		assert_string_equal(p1[i], p2[i]);
	/* rewind: lseek to 0 starts again */
	r = call(FSIF_OP_LSEEK, h, NULL, NULL, 0, 0, 0, 0);
	assert_int_equal(r.ret, 0);
	assert_true(call(FSIF_OP_GETDENTS64, h, NULL, NULL, 0, 0, 0, 4096).ret > 0);
	/* too small a buffer for one record: as the kernel's (EINVAL) */
	assert_int_equal(call(FSIF_OP_LSEEK, h, NULL, NULL, 0, 0, 0, 0).ret, 0);
	int fd = open(E2, O_RDONLY | O_DIRECTORY);
	assert_int_equal(call(FSIF_OP_GETDENTS64, h, NULL, NULL, 0, 0, 0, 8).ret,
			 neg(syscall(SYS_getdents64, fd, ref, 8)));
	assert_int_equal(call(FSIF_OP_GETDENTS64, h, NULL, NULL, 0, 0, 0, 8).ret, -EINVAL);
	close(fd);
	call(FSIF_OP_CLOSE, h, NULL, NULL, 0, 0, 0, 0);
}

/* Paths relative to a directory handle, ".." above it, and a file handle
 * as a directory. */
static void test_dir_handles(void **state)
{
	(void)state;
	struct fsif_rsp r = call(FSIF_OP_OPEN, FSIF_ROOT, "dir/sub", NULL, O_RDONLY | O_DIRECTORY, 0, 0, 0);
	uint32_t h = r.ret;
	int fd = openat(e2fd, "dir/sub", O_RDONLY | O_DIRECTORY);
	struct stat st, dec;
	static const char *const paths[] = {
		"deep", "..", "../inner", "../../file", "../../../../../etc/passwd", "/file", "../up3",
		"../../to_root/file",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		r = call(FSIF_OP_STAT, h, paths[i], NULL, 0, 0, 0, 0);
		/* The oracle: from the same directory, confined to e2. */
		char p[256];
		snprintf(p, sizeof(p), paths[i][0] == '/' ? "%s" : "dir/sub/%s", paths[i]);
		int o = ref_open(p, O_PATH, 0);
		assert_int_equal(r.ret, o < 0 ? o : 0);
		if (o >= 0) {
			assert_int_equal(fstat(o, &st), 0);
			same_stat(&r.u.st, &st);
			close(o);
		}
	}
	/* "../../../../../etc/passwd" from dir/sub is the decoy. */
	r = call(FSIF_OP_STAT, h, "../../../../../etc/passwd", NULL, 0, 0, 0, 0);
	assert_int_equal(fstatat(e1fd, "etc/passwd", &dec, 0), 0);
	assert_int_equal(r.u.st.ino, dec.st_ino);
	/* A relative path from a bad handle, from a file's handle; an absolute
	 * path ignores its dir, as openat's does. */
	assert_int_equal(call(FSIF_OP_STAT, 63, "x", NULL, 0, 0, 0, 0).ret, neg(fstatat(1000, "x", &st, 0)));
	assert_int_equal(call(FSIF_OP_STAT, FWD_HANDLES + 5, "file", NULL, 0, 0, 0, 0).ret, -EBADF);
	r = call(FSIF_OP_OPEN, FSIF_ROOT, "file", NULL, O_RDONLY, 0, 0, 0);
	int ff = openat(e2fd, "file", O_RDONLY);
	assert_int_equal(call(FSIF_OP_STAT, r.ret, "x", NULL, 0, 0, 0, 0).ret, neg(fstatat(ff, "x", &st, 0)));
	assert_int_equal(call(FSIF_OP_STAT, 63, "/file", NULL, 0, 0, 0, 0).ret, 0);
	close(ff);
	call(FSIF_OP_CLOSE, r.ret, NULL, NULL, 0, 0, 0, 0);
	/* Names made from a handle land in its directory. */
	assert_int_equal(call(FSIF_OP_MKDIR, h, "made", NULL, 0, 0755, 0, 0).ret, 0);
	assert_int_equal(mkdirat(fd, "made", 0755), 0);
	assert_int_equal(call(FSIF_OP_RMDIR, h, "../sub/made", NULL, 0, 0, 0, 0).ret, 0);
	assert_int_equal(unlinkat(fd, "made", AT_REMOVEDIR), 0);
	close(fd);
	call(FSIF_OP_CLOSE, h, NULL, NULL, 0, 0, 0, 0);
	check_trees();
}

/* Random paths and calls, each against the oracle, the trees compared
 * after each: what the hand-written cases did not think of. */
static void test_random(void **state)
{
	(void)state;
	uint64_t rs = unit_seed("fwd random");
	static const char *const comps[] = {
		"file", "dir", "sub", "deep", "d", "inner", "empty", "etc", "passwd", "outside",
		"canary", "to_root", "to_dotdot2", "to_passwd", "to_etc", "to_canary_rel", "up3",
		"to_file", "to_dir", "to_top", "loop1", "self", "dangling", "dangling_abs", "to_sub",
		"abs_file", "abs_root", "to_dir_slash", "to_slashes", "to_canary_abs",
		"to_outside_abs", "a30", "b0", "n1", "n2", ".", "..", "..", "..",
	};
	static const char *const targets[] = {
		"/", "..", "../..", "../../..", "/etc/passwd", "file", "dir/sub", "n1", "/n2",
		"to_root/dir", "self", "", "dir/", "/../..",
	};
	const size_t nc = sizeof(comps) / sizeof(comps[0]);
	char tgt_abs[600];
	snprintf(tgt_abs, sizeof(tgt_abs), "%s/canary", OUT);
	for (int i = 0; i < 1500; i++) {
		char p1[512] = "", p2[512] = "";
		for (int k = 0; k < 2; k++) {
			char *p = k ? p2 : p1;
			if (unit_below(&rs, 6) == 0)
				strcat(p, "/");
			int n = 1 + (int)unit_below(&rs, 4);
			for (int j = 0; j < n; j++) {
				strcat(p, comps[unit_below(&rs, nc)]);
				if (j + 1 < n || unit_below(&rs, 8) == 0)
					strcat(p, unit_below(&rs, 5) ? "/" : "//");
			}
		}
		const char *t = unit_below(&rs, 6) ? targets[unit_below(&rs, sizeof(targets) / sizeof(targets[0]))]
						   : tgt_abs;
		switch (unit_below(&rs, 13)) {
		case 0: both_stat(p1, false); break;
		case 1: both_stat(p1, true); break;
		case 2: both_open(p1, O_RDONLY, 0); break;
		case 3: both_open(p1, O_WRONLY | O_CREAT | O_TRUNC, 0640); check_trees(); break;
		case 4: both_open(p1, O_RDWR | O_CREAT | O_EXCL, 0600); check_trees(); break;
		case 5: both_name(FSIF_OP_MKDIR, p1); break;
		case 6: both_name(FSIF_OP_RMDIR, p1); break;
		case 7: both_name(FSIF_OP_UNLINK, p1); break;
		case 8: both_rename(p1, p2, unit_below(&rs, 2) ? FSIF_RENAME_NOREPLACE : 0); break;
		case 9: both_symlink(t, p1); break;
		case 10: both_readlink(p1, 1 + (uint32_t)unit_below(&rs, 64)); break;
		case 11: both_setattr(FSIF_OP_CHMOD, p1, 0600 + unit_below(&rs, 0100)); break;
		default: both_setattr(FSIF_OP_TRUNCATE, p1, unit_below(&rs, 20)); break;
		}
	}
}

/* Random lookups from a directory handle (dir/sub), ".." above it
 * included: the oracle resolves "dir/sub/" + path from its root. */
static void test_random_from_handle(void **state)
{
	(void)state;
	uint64_t rs = unit_seed("fwd random from a handle") ^ 0x4a4d;
	static const char *const comps[] = {
		"deep", "abs_passwd", "..", "..", "..", ".", "inner", "sub", "dir", "file", "to_root",
		"to_dotdot2", "up3", "to_top", "abs_root", "to_passwd", "etc", "passwd", "loop1",
		"outside", "canary", "to_canary_rel", "to_dir_slash",
	};
	struct fsif_rsp r = call(FSIF_OP_OPEN, FSIF_ROOT, "dir/sub", NULL, O_RDONLY | O_DIRECTORY, 0, 0, 0);
	assert_true(r.ret >= 0);
	uint32_t h = r.ret;
	for (int i = 0; i < 400; i++) {
		char p[512] = "", full[600];
		int n = 1 + (int)unit_below(&rs, 5);
		for (int j = 0; j < n; j++) {
			strcat(p, comps[unit_below(&rs, sizeof(comps) / sizeof(comps[0]))]);
			if (j + 1 < n || unit_below(&rs, 6) == 0)
				strcat(p, "/");
		}
		snprintf(full, sizeof(full), "dir/sub/%s", p);
		bool nofollow = unit_below(&rs, 2);
		r = call(FSIF_OP_STAT, h, p, NULL, nofollow ? FSIF_AT_SYMLINK_NOFOLLOW : 0, 0, 0, 0);
		int fd = ref_open(full, O_PATH | (nofollow ? O_NOFOLLOW : 0), 0);
		if (r.ret != (fd < 0 ? fd : 0))
			print_error("stat from dir/sub %s: server %d, oracle %d\n", p, r.ret, fd);
		assert_int_equal(r.ret, fd < 0 ? fd : 0);
		if (fd >= 0) {
			struct stat st;
			assert_int_equal(fstat(fd, &st), 0);
			same_stat(&r.u.st, &st);
			close(fd);
		}
		r = call(FSIF_OP_OPEN, h, p, NULL, O_RDONLY, 0, 0, 0);
		fd = ref_open(full, O_RDONLY, 0);
		assert_int_equal(r.ret >= 0, fd >= 0);
		if (fd < 0)
			assert_int_equal(r.ret, fd);
		else
			call(FSIF_OP_CLOSE, r.ret, NULL, NULL, 0, 0, 0, 0), close(fd);
	}
	call(FSIF_OP_CLOSE, h, NULL, NULL, 0, 0, 0, 0);
}

/* ---------------------------------------------------------------- races */

struct swap {
	const char *when;               /* the directory the walk just entered */
	const char *victim;             /* renamed away (to victim_moved) ... */
	const char *link;               /* ... and replaced by a link to this */
	int done;
};

static void swap_hook(void *arg, int fd, const char *name)
{
	struct swap *sw = arg;
	(void)fd;
	if (sw->done || strcmp(name, sw->when))
		return;
	char moved[300];
	snprintf(moved, sizeof(moved), "%s_moved", sw->victim);
	assert_int_equal(renameat(e1fd, sw->victim, e1fd, moved), 0);
	assert_int_equal(symlinkat(sw->link, e1fd, sw->victim), 0);
	sw->done = 1;
}

/* Do on e2 what the hook did on e1, so that the trees compare. */
static void swap_twin(const struct swap *sw)
{
	char moved[300];
	snprintf(moved, sizeof(moved), "%s_moved", sw->victim);
	assert_int_equal(renameat(e2fd, sw->victim, e2fd, moved), 0);
	assert_int_equal(symlinkat(sw->link, e2fd, sw->victim), 0);
}

/* A directory swapped for a link to "/" (and to the outside's host path)
 * while the walk is inside it: the walk goes on in the directory it holds. */
static void test_race_mid_walk(void **state)
{
	(void)state;
	struct swap sw = { "dir", "dir", "/", 0 };
	srv.step_hook = swap_hook;
	srv.hook_arg = &sw;
	struct fsif_rsp r = call(FSIF_OP_OPEN, FSIF_ROOT, "dir/sub/deep", NULL, O_RDWR | O_TRUNC, 0, 0, 0);
	srv.step_hook = NULL;
	assert_int_equal(sw.done, 1);
	assert_true(r.ret >= 0);
	call(FSIF_OP_CLOSE, r.ret, NULL, NULL, 0, 0, 0, 0);
	swap_twin(&sw);
	/* It truncated the moved directory's file (it was that file when the
	 * walk began), nothing at the host's /sub/deep. */
	int tf = openat(e2fd, "dir_moved/sub/deep", O_WRONLY | O_CLOEXEC);
	assert_int_equal(ftruncate(tf, 0), 0);
	close(tf);
	check_trees();
	assert_int_equal(access("/sub/deep", F_OK), -1);

	/* Now to the outside's absolute path, which holds an "inner". */
	struct swap sw2 = { "dir_moved", "dir_moved", OUT, 0 };
	srv.step_hook = swap_hook;
	srv.hook_arg = &sw2;
	r = call(FSIF_OP_TRUNCATE, FSIF_ROOT, "dir_moved/inner", NULL, 0, 0, 0, 0);
	srv.step_hook = NULL;
	assert_int_equal(sw2.done, 1);
	assert_int_equal(r.ret, 0);
	swap_twin(&sw2);
	char p[600];
	snprintf(p, sizeof(p), "%s/dir_moved_moved/inner", E2);
	assert_int_equal(truncate(p, 0), 0);
	check_trees();                  /* outside/inner intact */
	/* And between calls: the name is a link to the outside now. */
	assert_int_equal(both_open("dir_moved/inner", O_WRONLY | O_TRUNC, 0), -ENOENT);
	assert_int_equal(both_setattr(FSIF_OP_TRUNCATE, "dir/sub/deep", 0), -ENOENT);
	assert_int_equal(both_stat("dir/etc/passwd", false), 0);        /* "/" is the export's */
	check_trees();
}

/* The final component turned into a link to the canary after the walk
 * checked it: chmod and truncate never follow it. */
static void final_hook(void *arg, int fd, const char *name)
{
	(void)arg;
	if (strcmp(name, "dir"))
		return;
	char p[600];
	snprintf(p, sizeof(p), "%s/canary", OUT);
	assert_int_equal(unlinkat(fd, "inner", 0), 0);
	assert_int_equal(symlinkat(p, fd, "inner"), 0);
}

static void test_race_final(void **state)
{
	(void)state;
	srv.step_hook = final_hook;
	struct fsif_rsp r = call(FSIF_OP_TRUNCATE, FSIF_ROOT, "dir/inner", NULL, 0, 0, 0, 0);
	assert_int_equal(r.ret, -ENOENT);       /* followed inside: <export>/<T>/outside/canary */
	r = call(FSIF_OP_CHMOD, FSIF_ROOT, "dir/inner", NULL, 0, 0777, 0, 0);
	assert_int_equal(r.ret, -ENOENT);
	r = call(FSIF_OP_OPEN, FSIF_ROOT, "dir/inner", NULL, O_WRONLY | O_TRUNC | O_NOFOLLOW, 0, 0, 0);
	assert_int_equal(r.ret, -ELOOP);
	r = call(FSIF_OP_OPEN, FSIF_ROOT, "dir/inner", NULL, O_WRONLY | O_CREAT, 0600, 0, 0);
	assert_int_equal(r.ret, -ENOENT);
	srv.step_hook = NULL;
	char p[600];
	snprintf(p, sizeof(p), "%s/canary", OUT);
	assert_int_equal(unlinkat(e2fd, "dir/inner", 0), 0);
	assert_int_equal(symlinkat(p, e2fd, "dir/inner"), 0);
	check_trees();
}

/* The final component turned into a link to the canary after the walk
 * found it was none: open, truncate and chmod do not follow it. */
static void late_hook(void *arg, int dirfd, const char *name)
{
	int *n = arg;
	if (strcmp(name, "inner"))
		return;
	char p[600];
	snprintf(p, sizeof(p), "%s/canary", OUT);
	assert_int_equal(unlinkat(dirfd, "inner", 0), 0);
	assert_int_equal(symlinkat(p, dirfd, "inner"), 0);
	++*n;
}

static void test_race_late(void **state)
{
	(void)state;
	int n = 0;
	srv.final_hook = late_hook;
	srv.hook_arg = &n;
	for (int i = 0; i < 4; i++) {
		/* each round: a fresh regular file called inner */
		unlinkat(e1fd, "dir/inner", 0);
		put_file(e1fd, "dir/inner", "inner\n");
		struct fsif_rsp r;
		if (i == 0)
			r = call(FSIF_OP_OPEN, FSIF_ROOT, "dir/inner", NULL, O_WRONLY | O_TRUNC, 0, 0, 0);
		else if (i == 1)
			r = call(FSIF_OP_OPEN, FSIF_ROOT, "dir/inner", NULL, O_RDWR | O_CREAT, 0600, 0, 0);
		else
			r = call(i == 2 ? FSIF_OP_TRUNCATE : FSIF_OP_CHMOD, FSIF_ROOT, "dir/inner", NULL, 0,
				 0777, 0, 0);
		assert_int_equal(r.ret, -ELOOP);
		check_outside();
	}
	srv.final_hook = NULL;
	assert_int_equal(n, 4);
	char p[600];
	snprintf(p, sizeof(p), "%s/canary", OUT);
	assert_int_equal(unlinkat(e2fd, "dir/inner", 0), 0);
	assert_int_equal(symlinkat(p, e2fd, "dir/inner"), 0);
	check_trees();
}

/* A directory handle whose directory a Domain 0 program moves out of the
 * export: ".." above it is refused (it is not beneath the export). */
static void test_handle_moved_out(void **state)
{
	(void)state;
	struct fsif_rsp r = call(FSIF_OP_OPEN, FSIF_ROOT, "dir", NULL, O_RDONLY | O_DIRECTORY, 0, 0, 0);
	uint32_t h = r.ret;
	char p[600];
	snprintf(p, sizeof(p), "%s/moved", OUT);
	char from[600];
	snprintf(from, sizeof(from), "%s/dir", E1);
	assert_int_equal(rename(from, p), 0);
	assert_int_equal(call(FSIF_OP_STAT, h, "../canary", NULL, 0, 0, 0, 0).ret, -ENOENT);
	assert_int_equal(call(FSIF_OP_OPEN, h, "../inner", NULL, O_WRONLY | O_TRUNC, 0, 0, 0).ret, -ENOENT);
	assert_int_equal(call(FSIF_OP_UNLINK, h, "../canary", NULL, 0, 0, 0, 0).ret, -ENOENT);
	/* Its own subtree it still reaches: the handle is that directory. */
	assert_int_equal(call(FSIF_OP_STAT, h, "inner", NULL, 0, 0, 0, 0).ret, 0);
	call(FSIF_OP_CLOSE, h, NULL, NULL, 0, 0, 0, 0);
	check_outside();
	assert_int_equal(rename(p, from), 0);
	check_trees();
}

/* Deeper than a walk holds (FWD_HELD): ".." back through the directories
 * it let go of, checked against who they were; one moved meanwhile (so
 * that the kernel's ".." is another directory) is refused. */
static void deep_hook(void *arg, int fd, const char *name)
{
	int *count = arg;
	(void)fd;
	if (strcmp(name, "d") || ++*count != 19)
		return;
	/* Level 5 (deep/d/d/d/d, held) moves to the top: above it, the
	 * kernel's ".." is the top, not the deep/d/d/d the walk let go. */
	assert_int_equal(renameat(e1fd, "deep/d/d/d/d", e1fd, "moved5"), 0);
}

static void test_deep(void **state)
{
	(void)state;
	const char *down = "deep/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d";
	const char *up19 = "../../../../../../../../../../../../../../../../../../..";
	char p[1024];
	snprintf(p, sizeof(p), "%s/bottom", down);
	assert_int_equal(both_stat(p, false), 0);
	snprintf(p, sizeof(p), "%s/../../../d/d/d/bottom", down);
	assert_int_equal(both_stat(p, false), 0);
	snprintf(p, sizeof(p), "%s/%s/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/bottom", down, up19);
	assert_int_equal(both_stat(p, false), 0);
	snprintf(p, sizeof(p), "%s/%s/../file", down, up19);
	assert_int_equal(both_stat(p, false), 0);
	int count = 0;
	srv.step_hook = deep_hook;
	srv.hook_arg = &count;
	snprintf(p, sizeof(p), "%s/%s/../file", down, up19);
	struct fsif_rsp r = call(FSIF_OP_STAT, FSIF_ROOT, p, NULL, 0, 0, 0, 0);
	srv.step_hook = NULL;
	assert_int_equal(count, 19);
	assert_int_equal(r.ret, -ENOENT);
	assert_int_equal(renameat(e2fd, "deep/d/d/d/d", e2fd, "moved5"), 0);
	check_trees();
}

/* ---------------------------------------------------------------- malformed */

static struct fsif_rsp raw(struct fsif_req *q, struct fwd_bufs *b)
{
	struct fsif_rsp rsp;
	memset(&rsp, 0xa5, sizeof(rsp));
	fwd_server_handle(&srv, q, b, &rsp);
	assert_int_equal(rsp.id, q->id);
	return rsp;
}

static void test_malformed(void **state)
{
	(void)state;
	struct fsif_req q;
	struct fwd_bufs b = { .data = data, .data_cap = sizeof(data) };
	/* opcodes */
	fsif_req_init(&q, 9, 0);
	assert_int_equal(raw(&q, &b).ret, -ENOSYS);
	fsif_req_init(&q, 9, FSIF_OP_MAX);
	assert_int_equal(raw(&q, &b).ret, -ENOSYS);
	fsif_req_init(&q, 9, 0xffff);
	assert_int_equal(raw(&q, &b).ret, -ENOSYS);
	/* handles out of range or closed */
	static const uint32_t bad[] = { FWD_HANDLES, FWD_HANDLES + 1, 1000, FSIF_ROOT, 0, 5 };
	static const uint16_t hops[] = { FSIF_OP_CLOSE, FSIF_OP_READ, FSIF_OP_WRITE, FSIF_OP_PREAD,
		FSIF_OP_PWRITE, FSIF_OP_LSEEK, FSIF_OP_FSTAT, FSIF_OP_GETDENTS64, FSIF_OP_FTRUNCATE,
		FSIF_OP_FSYNC, FSIF_OP_FCHMOD };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (size_t j = 0; j < sizeof(hops) / sizeof(hops[0]); j++) {
			fsif_req_init(&q, 9, hops[j]);
			q.handle = bad[i];
			assert_int_equal(raw(&q, &b).ret, -EBADF);
		}
	/* lengths past the data buffer */
	struct fsif_rsp r = call(FSIF_OP_OPEN, FSIF_ROOT, "file", NULL, O_RDWR, 0, 0, 0);
	uint32_t h = r.ret;
	fsif_req_init(&q, 9, FSIF_OP_READ);
	q.handle = h;
	q.count = 100;
	assert_int_equal(raw(&q, &b).ret, -EFAULT);             /* no data segment */
	q.nr_data = 1;
	q.data[0].len = 50;
	assert_int_equal(raw(&q, &b).ret, -EFAULT);             /* past the segment */
	q.data[0].len = 100;
	q.data[0].offset = 4000;
	assert_int_equal(raw(&q, &b).ret, -EFAULT);             /* past the page */
	q.data[0].offset = 1;
	q.data[0].len = 0xffffffffu;                            /* offset + len wraps to 0 */
	assert_int_equal(raw(&q, &b).ret, -EFAULT);
	q.data[0].offset = 4096;
	q.data[0].len = 0;
	q.count = 0;
	assert_int_equal(raw(&q, &b).ret, -EFAULT);
	q.data[0].offset = 0;
	q.nr_data = FSIF_DATA_SEGS + 1;
	assert_int_equal(raw(&q, &b).ret, -EINVAL);
	q.nr_data = 1;
	q.data[0].len = 4096;
	q.count = 4096;
	struct fwd_bufs small = { .data = data, .data_cap = 10 };
	assert_int_equal(raw(&q, &small).ret, -EFAULT);         /* the transport mapped less */
	struct fwd_bufs none = { 0 };
	assert_int_equal(raw(&q, &none).ret, -EFAULT);
	q.op = FSIF_OP_WRITE;
	assert_int_equal(raw(&q, &small).ret, -EFAULT);
	q.count = 0;
	assert_int_equal(raw(&q, &b).ret, 0);                   /* a zero-byte write */
	call(FSIF_OP_CLOSE, h, NULL, NULL, 0, 0, 0, 0);
	/* paths: empty, too long, a NUL inside, past what was mapped, past the page */
	static char longp[FSIF_PATH_MAX + 10];
	memset(longp, 'a', sizeof(longp) - 1);
	fsif_req_init(&q, 9, FSIF_OP_STAT);
	struct fwd_bufs pb = { .path = longp, .path_cap = sizeof(longp) };
	q.path.len = 0;
	assert_int_equal(raw(&q, &pb).ret, -ENOENT);
	q.path.len = FSIF_PATH_MAX;
	assert_int_equal(raw(&q, &pb).ret, -ENAMETOOLONG);
	q.path.len = FSIF_PATH_MAX - 1;                         /* one component of 4095 */
	{
		static char lp2[FSIF_PATH_MAX];
		struct stat st;
		memcpy(lp2, longp, FSIF_PATH_MAX - 1);
		assert_int_equal(raw(&q, &pb).ret, neg(fstatat(e2fd, lp2, &st, 0)));
	}
	char nul[] = "fi\0le";
	pb.path = nul;
	pb.path_cap = 5;
	q.path.len = 5;
	assert_int_equal(raw(&q, &pb).ret, -EINVAL);
	pb.path = "file";
	pb.path_cap = 3;
	q.path.len = 4;
	assert_int_equal(raw(&q, &pb).ret, -EFAULT);
	pb.path = NULL;
	assert_int_equal(raw(&q, &pb).ret, -EFAULT);
	pb.path = "file";
	pb.path_cap = 4;
	q.path.offset = 4094;
	assert_int_equal(raw(&q, &pb).ret, -EFAULT);
	q.path.offset = 0;
	assert_int_equal(raw(&q, &pb).ret, 0);
	/* length-counted: bytes past len are not the path */
	pb.path = "file/and/more";
	assert_int_equal(raw(&q, &pb).ret, 0);
	/* a component of 256 bytes: as the kernel says */
	char comp[300];
	memset(comp, 'c', 256);
	comp[256] = 0;
	assert_int_equal(both_stat(comp, false), -ENAMETOOLONG);
	assert_int_equal(both_name(FSIF_OP_MKDIR, comp), -ENAMETOOLONG);
	comp[255] = 0;
	assert_int_equal(both_stat(comp, false), -ENOENT);
	/* flags nobody defined */
	assert_int_equal(call(FSIF_OP_OPEN, FSIF_ROOT, "file", NULL, 010000000, 0, 0, 0).ret, -EINVAL);
	assert_int_equal(call(FSIF_OP_OPEN, FSIF_ROOT, "file", NULL, 02000000, 0, 0, 0).ret, -EINVAL);
	assert_int_equal(call(FSIF_OP_STAT, FSIF_ROOT, "file", NULL, 0x1000, 0, 0, 0).ret, -EINVAL);
	assert_int_equal(call(FSIF_OP_RENAME, FSIF_ROOT, "file", "x", 2, 0, 0, 0).ret, -EINVAL);
	fsif_req_init(&q, 9, FSIF_OP_FSYNC);
	r = call(FSIF_OP_OPEN, FSIF_ROOT, "file", NULL, O_RDONLY, 0, 0, 0);
	q.handle = r.ret;
	q.arg = 2;
	assert_int_equal(raw(&q, &b).ret, -EINVAL);
	call(FSIF_OP_CLOSE, r.ret, NULL, NULL, 0, 0, 0, 0);
	/* symlink targets: empty, too long, with a NUL */
	assert_int_equal(both_symlink("", "t1"), -ENOENT);
	fsif_req_init(&q, 9, FSIF_OP_SYMLINK);
	struct fwd_bufs sb = { .path = "t2", .path_cap = 2, .path2 = longp, .path2_cap = sizeof(longp) };
	q.path.len = 2;
	q.path2.len = FSIF_PATH_MAX;
	assert_int_equal(raw(&q, &sb).ret, -ENAMETOOLONG);
	sb.path2 = nul;
	q.path2.len = 5;
	assert_int_equal(raw(&q, &sb).ret, -EINVAL);
	check_trees();
}

static void test_session(void **state)
{
	(void)state;
	struct fsif_req q;
	struct fwd_bufs b = { 0 };
	/* A table full: EMFILE, before the path is even looked at. */
	uint32_t hs[FWD_HANDLES];
	for (int i = 0; i < FWD_HANDLES; i++) {
		struct fsif_rsp r = call(FSIF_OP_OPEN, FSIF_ROOT, "file", NULL, O_RDONLY, 0, 0, 0);
		assert_true(r.ret >= 0 && r.ret < FWD_HANDLES);
		hs[i] = r.ret;
	}
	assert_int_equal(call(FSIF_OP_OPEN, FSIF_ROOT, "file", NULL, O_RDONLY, 0, 0, 0).ret, -EMFILE);
	assert_int_equal(call(FSIF_OP_OPEN, FSIF_ROOT, "missing", NULL, O_RDONLY, 0, 0, 0).ret, -EMFILE);
	assert_int_equal(call(FSIF_OP_CLOSE, hs[7], NULL, NULL, 0, 0, 0, 0).ret, 0);
	assert_int_equal(call(FSIF_OP_OPEN, FSIF_ROOT, "file", NULL, O_RDONLY, 0, 0, 0).ret, (int)hs[7]);
	/* ATTACH again closes them all. */
	fsif_req_init(&q, 1, FSIF_OP_ATTACH);
	q.arg = FSIF_VERSION + 1;
	assert_int_equal(raw(&q, &b).ret, -EPROTONOSUPPORT);
	assert_int_equal(call(FSIF_OP_FSTAT, hs[0], NULL, NULL, 0, 0, 0, 0).ret, 0);
	srv_attach();
	for (int i = 0; i < FWD_HANDLES; i++)
		assert_int_equal(call(FSIF_OP_FSTAT, hs[i], NULL, NULL, 0, 0, 0, 0).ret, -EBADF);
	/* Before ATTACH nothing but ATTACH. */
	struct fwd_server fresh;
	assert_int_equal(fwd_server_init(&fresh, e1fd), 0);
	fsif_req_init(&q, 2, FSIF_OP_STAT);
	q.path.len = 4;
	struct fwd_bufs pb = { .path = "file", .path_cap = 4 };
	struct fsif_rsp rsp;
	fwd_server_handle(&fresh, &q, &pb, &rsp);
	assert_int_equal(rsp.ret, -ENOTCONN);
	fwd_server_fini(&fresh);
	int f = openat(e1fd, "file", O_RDONLY);
	assert_int_equal(fwd_server_init(&fresh, f), -ENOTDIR);
	fwd_server_fini(&fresh);
	close(f);
}

/* ---------------------------------------------------------------- the client's helpers */

static void test_client(void **state)
{
	(void)state;
	uint32_t w;
	assert_int_equal(fsif_open_flags(O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | 0100000, &w), 0);
	assert_int_equal(w, FSIF_O_RDWR | FSIF_O_CREAT);
	assert_int_equal(fsif_open_flags(010000000, &w), -EINVAL);      /* O_PATH */
	assert_int_equal(fsif_open_flags(040000, &w), -EINVAL);         /* O_DIRECT */
	/* The wire's values are the host's (x86 Linux), checked, not assumed. */
	assert_int_equal(FSIF_O_CREAT, O_CREAT);
	assert_int_equal(FSIF_O_EXCL, O_EXCL);
	assert_int_equal(FSIF_O_TRUNC, O_TRUNC);
	assert_int_equal(FSIF_O_APPEND, O_APPEND);
	assert_int_equal(FSIF_O_DIRECTORY, O_DIRECTORY);
	assert_int_equal(FSIF_O_NOFOLLOW, O_NOFOLLOW);
	assert_int_equal(FSIF_O_SYNC, O_SYNC);
	assert_int_equal(FSIF_AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW);
	assert_int_equal(FSIF_RENAME_NOREPLACE, RENAME_NOREPLACE);
	assert_int_equal(fsif_path_len(""), -ENOENT);
	assert_int_equal(fsif_path_len("abc"), 3);
	static char lp[FSIF_PATH_MAX + 1];
	memset(lp, 'x', FSIF_PATH_MAX);
	assert_int_equal(fsif_path_len(lp), -ENAMETOOLONG);
	lp[FSIF_PATH_MAX - 1] = 0;
	assert_int_equal(fsif_path_len(lp), FSIF_PATH_MAX - 1);
	/* stat64's layout, field by field */
	struct fsif_stat st = { .dev = 0x801, .ino = 0x100000002ull, .rdev = 0x503, .size = 0x123456789ll,
				.blocks = 77, .atime = 1000, .mtime = 2000, .ctime = 3000, .atime_nsec = 1,
				.mtime_nsec = 2, .ctime_nsec = 3, .mode = 0100644, .nlink = 2, .uid = 5,
				.gid = 6, .blksize = 4096 };
	uint8_t o[96];
	fsif_stat_to_stat64(&st, o);
	uint32_t u32;
	uint64_t u64;
#define AT32(off) (memcpy(&u32, o + (off), 4), u32)
#define AT64(off) (memcpy(&u64, o + (off), 8), u64)
	assert_int_equal(AT64(0), 0x801);
	assert_int_equal(AT32(12), 2);
	assert_int_equal(AT32(16), 0100644);
	assert_int_equal(AT32(20), 2);
	assert_int_equal(AT32(24), 5);
	assert_int_equal(AT32(28), 6);
	assert_int_equal(AT64(32), 0x503);
	assert_true(AT64(44) == 0x123456789ull);
	assert_int_equal(AT32(52), 4096);
	assert_int_equal(AT64(56), 77);
	assert_int_equal(AT32(64), 1000);
	assert_int_equal(AT32(68), 1);
	assert_int_equal(AT32(72), 2000);
	assert_int_equal(AT32(80), 3000);
	assert_int_equal(AT32(84), 3);
	assert_true(AT64(88) == 0x100000002ull);
	/* dirent checks: real records pass; each corruption is refused */
	struct fsif_rsp r = call(FSIF_OP_OPEN, FSIF_ROOT, "dir", NULL, O_RDONLY, 0, 0, 0);
	struct fsif_rsp g = call(FSIF_OP_GETDENTS64, r.ret, NULL, NULL, 0, 0, 0, 4096);
	call(FSIF_OP_CLOSE, r.ret, NULL, NULL, 0, 0, 0, 0);
	assert_true(g.ret > 0);
	long n = fsif_dirents_check(data, g.ret);
	long want = 0;
	char dp[600];
	snprintf(dp, sizeof(dp), "%s/dir", E1);
	DIR *dd = opendir(dp);
	while (readdir(dd))
		want++;
	closedir(dd);
	assert_int_equal(n, want);
	static char bad[4096];
	memcpy(bad, data, g.ret);
	assert_int_equal(fsif_dirents_check(bad, g.ret - 1), -EIO);     /* cut short */
	struct fsif_dirent64 *de = (void *)bad;
	uint16_t rl = de->d_reclen;
	de->d_reclen = rl + 1;
	assert_int_equal(fsif_dirents_check(bad, g.ret), -EIO);         /* not a multiple of 8 */
	de->d_reclen = 8;
	assert_int_equal(fsif_dirents_check(bad, g.ret), -EIO);         /* below the header */
	de->d_reclen = 0x7ff8;
	assert_int_equal(fsif_dirents_check(bad, g.ret), -EIO);         /* past the buffer */
	de->d_reclen = rl;
	memset(de->d_name, 'n', rl - FSIF_DIRENT_HDR);
	assert_int_equal(fsif_dirents_check(bad, g.ret), -EIO);         /* no NUL */
	strcpy(de->d_name, "a/b");
	assert_int_equal(fsif_dirents_check(bad, g.ret), -EIO);         /* a '/' */
	de->d_name[0] = 0;
	assert_int_equal(fsif_dirents_check(bad, g.ret), -EIO);         /* empty */
	strcpy(de->d_name, "ok");
	assert_int_equal(fsif_dirents_check(bad, g.ret), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stat_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_readlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getdents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_from_handle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_race_mid_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_race_final, setup, teardown),
		cmocka_unit_test_setup_teardown(test_race_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handle_moved_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client, setup, teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	for (int i = 0; i < n_made; i++) {
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", made[i]);
		if (system(cmd))
			failed++;
	}
	return failed;
}
