/*
 * mkcpio: builds the ringos initramfs, a "newc" cpio archive (what
 * `cpio -H newc -o` writes), from host files. A host program.
 *
 *     mkcpio OUT.cpio SRC:DEST [SRC:DEST ...] [-d DEST_DIR ...] [-l LINK:TARGET ...]
 *
 * Each SRC file is stored as DEST (leading '/' and "." components dropped);
 * -d adds an (empty) directory; -l adds a symbolic link LINK whose target is
 * TARGET, stored as given (relative or absolute, not checked). Every parent directory is emitted once, before
 * what it holds. The output depends only on the arguments and the files'
 * contents and executable bits: uid, gid and mtime are 0, files are 0755 or
 * 0644, directories 0755, inode numbers count from 1 in archive order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What ringos's ramfs accepts (guest/include/ramfs.h). */
#define NAME_MAX_BYTES  255
#define PATH_MAX_BYTES  4096

struct entry {
	char *dest;             /* normalized: "a/b/c" */
	const char *src;        /* NULL for a directory or a symlink */
	const char *target;     /* a symlink's target, else NULL */
	uint32_t mode;
	uint32_t size;
};

static struct entry *entries;
static size_t nentries, capentries;
static const char *out_path;
static FILE *out;
static uint64_t out_off;

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fputs("mkcpio: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (out) {
		fclose(out);
		unlink(out_path);
	}
	exit(1);
}

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: mkcpio OUT.cpio SRC:DEST [SRC:DEST ...] [-d DEST_DIR ...] [-l LINK:TARGET ...]\n"
		"Writes a newc cpio archive: each file SRC stored as DEST, each -d DEST_DIR as a\n"
		"directory, each -l LINK:TARGET as a symbolic link, parent directories added\n"
		"automatically; owner 0, time 0.\n");
	exit(status);
}

static void add_entry(struct entry e);

static struct entry *find(const char *dest)
{
	for (size_t i = 0; i < nentries; i++)
		if (!strcmp(entries[i].dest, dest))
			return &entries[i];
	return NULL;
}

static void add(char *dest, const char *src, uint32_t mode, uint32_t size)
{
	add_entry((struct entry){ dest, src, NULL, mode, size });
}

static void add_entry(struct entry e)
{
	if (nentries == capentries) {
		capentries = capentries ? capentries * 2 : 64;
		entries = realloc(entries, capentries * sizeof(*entries));
		if (!entries)
			die("out of memory");
	}
	entries[nentries++] = e;
}

/*
 * "/usr//bin/./sh" -> "usr/bin/sh". arg is what the user typed, for messages.
 * A trailing slash is refused for files only.
 */
static char *normalize(const char *path, const char *arg, bool dir)
{
	size_t len = strlen(path), o = 0;
	char *n = malloc(len + 1);

	if (!n)
		die("out of memory");
	for (size_t i = 0; i < len;) {
		size_t start, clen;

		while (i < len && path[i] == '/')
			i++;
		start = i;
		while (i < len && path[i] != '/')
			i++;
		clen = i - start;
		if (clen == 0 || (clen == 1 && path[start] == '.'))
			continue;
		if (clen == 2 && path[start] == '.' && path[start + 1] == '.')
			die("'%s': '..' is not allowed in a destination", arg);
		if (clen > NAME_MAX_BYTES)
			die("'%s': a name of %zu bytes (at most %d)", arg, clen, NAME_MAX_BYTES);
		if (o)
			n[o++] = '/';
		memcpy(n + o, path + start, clen);
		o += clen;
	}
	n[o] = '\0';
	if (o == 0)
		die("'%s': the destination names the root directory, which is always there", arg);
	if (!dir && path[len - 1] == '/')
		die("'%s': a file's destination cannot end in '/'", arg);
	if (o >= PATH_MAX_BYTES)
		die("'%s': a destination of %zu bytes (at most %d)", arg, o, PATH_MAX_BYTES - 1);
	return n;
}

/* Every proper prefix of dest, as a directory, unless already there. */
static void add_parents(const char *dest, const char *arg)
{
	for (const char *s = strchr(dest, '/'); s; s = strchr(s + 1, '/')) {
		char *dir = strndup(dest, (size_t)(s - dest));
		struct entry *e;

		if (!dir)
			die("out of memory");
		e = find(dir);
		if (e && e->src)
			die("'%s': '%s' is a file (from %s), not a directory", arg, dir, e->src);
		if (e && e->target)
			die("'%s': '%s' is a symlink, not a directory", arg, dir);
		if (e)
			free(dir);
		else
			add(dir, NULL, S_IFDIR | 0755, 0);
	}
}

static void add_dir(const char *arg)
{
	char *dest = normalize(arg, arg, true);
	struct entry *e;

	add_parents(dest, arg);
	e = find(dest);
	if (e && e->src)
		die("-d '%s': already a file (from %s)", arg, e->src);
	if (e && e->target)
		die("-d '%s': already a symlink", arg);
	if (e)
		free(dest);
	else
		add(dest, NULL, S_IFDIR | 0755, 0);
}

static void add_file(const char *arg)
{
	const char *colon = strrchr(arg, ':');
	struct entry *e;
	struct stat st;
	char *src, *dest;

	if (!colon)
		die("'%s': expected SRC:DEST (run mkcpio -h for help)", arg);
	if (colon == arg || !colon[1])
		die("'%s': SRC and DEST must both be given", arg);
	src = strndup(arg, (size_t)(colon - arg));
	if (!src)
		die("out of memory");
	if (stat(src, &st))
		die("%s: %s", src, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("%s: not a regular file", src);
	if ((uint64_t)st.st_size > UINT32_MAX)
		die("%s: %lld bytes, more than a cpio entry holds", src, (long long)st.st_size);
	dest = normalize(colon + 1, arg, false);
	add_parents(dest, arg);
	e = find(dest);
	if (e && e->src)
		die("'%s': %s is given twice (first from %s)", arg, dest, e->src);
	if (e && e->target)
		die("'%s': %s is already a symlink", arg, dest);
	if (e)
		die("'%s': %s is already a directory", arg, dest);
	add(dest, src, S_IFREG | (st.st_mode & S_IXUSR ? 0755 : 0644), (uint32_t)st.st_size);
}

static void add_link(const char *arg)
{
	const char *colon = strchr(arg, ':');
	struct entry *e;
	char *link;
	size_t tlen;

	if (!colon)
		die("-l '%s': expected LINK:TARGET", arg);
	if (colon == arg || !colon[1])
		die("-l '%s': LINK and TARGET must both be given", arg);
	tlen = strlen(colon + 1);
	if (tlen >= PATH_MAX_BYTES)
		die("-l '%s': a target of %zu bytes (at most %d)", arg, tlen, PATH_MAX_BYTES - 1);
	link = strndup(arg, (size_t)(colon - arg));
	if (!link)
		die("out of memory");
	char *dest = normalize(link, arg, false);
	free(link);
	add_parents(dest, arg);
	e = find(dest);
	if (e)
		die("-l '%s': %s is already in the archive", arg, dest);
	add_entry((struct entry){ dest, NULL, colon + 1, S_IFLNK | 0777, (uint32_t)tlen });
}

static void put(const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, out) != n)
		die("%s: %s", out_path, strerror(errno));
	out_off += n;
}

static void pad4(void)
{
	static const char zeros[4];

	put(zeros, (4 - (out_off & 3)) & 3);
}

static void header(uint32_t ino, uint32_t mode, uint32_t nlink, uint32_t size, const char *name)
{
	char h[111];
	size_t namesize = strlen(name) + 1;

	/* magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
	 * devminor, rdevmajor, rdevminor, namesize, check */
	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, (uint32_t)namesize, 0);
	put(h, 110);
	put(name, namesize);
	pad4();
}

static void copy_data(const struct entry *e)
{
	FILE *in = fopen(e->src, "rb");
	char buf[65536];
	uint64_t done = 0;
	size_t n;

	if (!in)
		die("%s: %s", e->src, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (done + n > e->size)
			break;
		put(buf, n);
		done += n;
	}
	if (ferror(in))
		die("%s: %s", e->src, strerror(errno));
	fclose(in);
	if (done != e->size || n)
		die("%s: changed size while being read", e->src);
	pad4();
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		usage(0);
	if (argc < 2)
		usage(2);
	if (argv[1][0] == '-')
		die("'%s': the first argument is the output file (run mkcpio -h for help)", argv[1]);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-d")) {
			if (++i == argc)
				die("-d needs a directory name");
			add_dir(argv[i]);
		} else if (!strcmp(argv[i], "-l")) {
			if (++i == argc)
				die("-l needs LINK:TARGET");
			add_link(argv[i]);
		} else if (argv[i][0] == '-') {
			die("'%s': unknown option (run mkcpio -h for help)", argv[i]);
		} else {
			add_file(argv[i]);
		}
	}

	out_path = argv[1];
	out = fopen(out_path, "wb");
	if (!out) {
		fprintf(stderr, "mkcpio: %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < nentries; i++) {
		const struct entry *e = &entries[i];

		header((uint32_t)i + 1, e->mode, S_ISDIR(e->mode) ? 2 : 1, e->size, e->dest);
		if (e->src)
			copy_data(e);
		if (e->target) {
			put(e->target, e->size);
			pad4();
		}
	}
	header(0, 0, 1, 0, "TRAILER!!!");
	if (fflush(out) || ferror(out))
		die("%s: %s", out_path, strerror(errno));
	if (fclose(out)) {
		out = NULL;
		unlink(out_path);
		fprintf(stderr, "mkcpio: %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	return 0;
}
