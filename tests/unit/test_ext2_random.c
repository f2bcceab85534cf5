/*
 * guest/kernel/ext2*.c: thousands of random calls (create, write, truncate,
 * read, mkdir, rmdir, unlink, link, symlink, rename, chmod) on a mkfs.ext2
 * image, each one's result checked against an in-memory model of the tree;
 * the whole tree compared with the model now and then, and the image
 * unmounted, judged by e2fsck -fn and mounted again. Three geometries, each
 * with several block groups: 1 KiB blocks, 4 KiB blocks with 128-byte
 * inodes, revision 0 with 2 KiB; and a small disk kept full, where the
 * calls that allocate meet ENOSPC and must leave everything consistent.
 */
#include "ext2_fixture.h"

#define MAX_NODES       3000
#define NAME_POOL       24
#define MAX_SIZE        (400u << 10)    /* past the double indirect blocks at 1 KiB */

enum { M_FREE, M_REG, M_DIR, M_LNK };

struct ment {
	char *name;
	int node;
};

struct mnode {
	int type;
	uint32_t ino;
	int links;                      /* names (files); directories: 2 + subdirectories */
	uint16_t mode;
	uint8_t *data;                  /* M_REG: the contents (cap bytes, zeros past size) */
	size_t size, cap;
	char *target;                   /* M_LNK */
	int parent;                     /* M_DIR */
	struct ment *ents;              /* M_DIR */
	int nents;
};

static struct mnode nodes[MAX_NODES];
static uint64_t rng;
static struct ext2_fs *fs;
static const char *img;
static bool types;                      /* the filetype feature */
static size_t budget;                   /* bytes of files before writes stop growing them; 0: none */
static int enospc;                      /* calls that found the disk full */

static int node_new(int type, uint32_t ino)
{
	for (int i = 0; i < MAX_NODES; i++) {
		if (nodes[i].type == M_FREE) {
			nodes[i] = (struct mnode){ .type = type, .ino = ino, .links = 1 };
			return i;
		}
	}
	fail_msg("model full");
	return -1;
}

/* Room for the first len bytes of a file in the model. */
static void reserve(struct mnode *m, size_t len)
{
	if (len <= m->cap)
		return;
	m->data = realloc(m->data, len);
	memset(m->data + m->cap, 0, len - m->cap);
	m->cap = len;
}

static void node_free(int n)
{
	struct mnode *m = &nodes[n];

	free(m->data);
	free(m->target);
	for (int i = 0; i < m->nents; i++)
		free(m->ents[i].name);
	free(m->ents);
	*m = (struct mnode){ 0 };
}

static int ent_find(int dir, const char *name)
{
	for (int i = 0; i < nodes[dir].nents; i++)
		if (!strcmp(nodes[dir].ents[i].name, name))
			return i;
	return -1;
}

static void ent_add(int dir, const char *name, int node)
{
	struct mnode *d = &nodes[dir];

	d->ents = realloc(d->ents, sizeof(*d->ents) * (size_t)(d->nents + 1));
	d->ents[d->nents].name = strdup(name);
	d->ents[d->nents++].node = node;
}

static void ent_del(int dir, int i)
{
	struct mnode *d = &nodes[dir];

	free(d->ents[i].name);
	d->ents[i] = d->ents[--d->nents];
}

/* A node loses a name; a file with none left is gone. */
static void unname(int node)
{
	if (nodes[node].type == M_DIR || --nodes[node].links == 0)
		node_free(node);
}

static int pick(int type)
{
	int n = 0, seen = 0;

	for (int i = 0; i < MAX_NODES; i++)
		n += nodes[i].type == type;
	if (!n)
		return -1;
	int k = (int)unit_below(&rng, (uint64_t)n);
	for (int i = 0; i < MAX_NODES; i++)
		if (nodes[i].type == type && seen++ == k)
			return i;
	return -1;
}

/* A directory and one of its entries: -1 if it has none. */
static int pick_entry(int *dir)
{
	for (int tries = 0; tries < 10; tries++) {
		*dir = pick(M_DIR);
		if (nodes[*dir].nents)
			return (int)unit_below(&rng, (uint64_t)nodes[*dir].nents);
	}
	return -1;
}

static const char *rand_name(void)
{
	static char buf[EXT2_NAME_MAX + 1];

	if (unit_below(&rng, 12) == 0) {
		/* Long names fill directory blocks quickly. */
		size_t len = 100 + unit_below(&rng, EXT2_NAME_MAX - 99);
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)('a' + unit_below(&rng, 3));
		buf[len] = '\0';
	} else {
		snprintf(buf, sizeof(buf), "n%d", (int)unit_below(&rng, NAME_POOL));
	}
	return buf;
}

static bool inside(int dir, int ancestor)
{
	for (int d = dir;; d = nodes[d].parent) {
		if (d == ancestor)
			return true;
		if (nodes[d].parent == d)
			return false;
	}
}

static size_t total_bytes(void)
{
	size_t t = 0;

	for (int i = 0; i < MAX_NODES; i++)
		if (nodes[i].type == M_REG)
			t += nodes[i].size;
	return t;
}

/* ---------------------------------------------------------------- checking the whole tree */

static void check_node(int n, uint32_t parent_ino)
{
	struct mnode *m = &nodes[n];
	struct ext2_stat st;

	assert_int_equal(ext2_stat(fs, m->ino, &st), 0);
	assert_int_equal(st.links, m->links);
	assert_int_equal(st.mode & 07777, m->mode);
	if (m->type == M_REG) {
		size_t len;
		uint8_t *got = read_all(fs, m->ino, &len);

		assert_int_equal(st.mode & EXT2_S_IFMT, EXT2_S_IFREG);
		assert_int_equal(len, m->size);
		if (len && memcmp(got, m->data, len))
			fail_msg("inode %u: contents differ", m->ino);
		free(got);
	} else if (m->type == M_LNK) {
		char buf[4096];
		long len = ext2_readlink(fs, m->ino, buf, sizeof(buf));

		assert_int_equal(len, (long)strlen(m->target));
		assert_memory_equal(buf, m->target, (size_t)len);
	} else {
		struct ext2_dirent de;
		uint64_t pos = 0;
		int seen = 0, rc;

		assert_int_equal(st.mode & EXT2_S_IFMT, EXT2_S_IFDIR);
		while ((rc = ext2_readdir(fs, m->ino, &pos, &de)) == 1) {
			if (!strcmp(de.name, ".")) {
				assert_int_equal(de.ino, m->ino);
				continue;
			}
			if (!strcmp(de.name, "..")) {
				assert_int_equal(de.ino, parent_ino);
				continue;
			}
			if (m->parent == n && !strcmp(de.name, "lost+found"))
				continue;
			int i = ent_find(n, de.name);
			if (i < 0)
				fail_msg("inode %u: entry %s not in the model", m->ino, de.name);
			int c = m->ents[i].node;
			assert_int_equal(de.ino, nodes[c].ino);
			if (types)
				assert_int_equal(de.type, nodes[c].type == M_REG ? EXT2_DT_REG :
					nodes[c].type == M_DIR ? EXT2_DT_DIR : EXT2_DT_LNK);
			seen++;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(seen, m->nents);
		for (int i = 0; i < m->nents; i++) {
			int c = m->ents[i].node;
			if (nodes[c].type == M_DIR || nodes[c].links == 1 ||
			    unit_below(&rng, 4) == 0)   /* hard-linked files: now and then */
				check_node(c, m->ino);
		}
	}
}

/* ---------------------------------------------------------------- one random call */

/* What a call that makes name in dir returned: EEXIST if the model has the
 * name, else 0 or ENOSPC. Whether the name was made. */
static bool made(int rc, int dir, const char *name)
{
	if (ent_find(dir, name) >= 0) {
		assert_int_equal(rc, EEXIST_);
		return false;
	}
	if (rc == ENOSPC_) {
		enospc++;
		return false;
	}
	assert_int_equal(rc, 0);
	return true;
}

static void one_call(void)
{
	uint32_t ino;
	int dir, i, rc;
	const char *name;

	switch (unit_below(&rng, 20)) {
	case 0: case 1: {                                       /* create */
		dir = pick(M_DIR);
		name = rand_name();
		uint16_t mode = (uint16_t)unit_below(&rng, 01000);
		rc = ext2_create(fs, nodes[dir].ino, name, mode, 0, 0, &ino);
		if (made(rc, dir, name)) {
			int n = node_new(M_REG, ino);
			nodes[n].mode = mode;
			ent_add(dir, name, n);
		}
		break;
	}
	case 2: case 3: case 4: case 5: {                       /* write */
		int f = pick(M_REG);
		if (f < 0)
			break;
		struct mnode *m = &nodes[f];
		size_t off = unit_below(&rng, 3) ? unit_below(&rng, m->size + 3000) : unit_below(&rng, MAX_SIZE);
		size_t len = 1 + unit_below(&rng, unit_below(&rng, 8) ? 5000 : 70000);
		if (off >= MAX_SIZE)
			off = MAX_SIZE - 1;
		if (len > MAX_SIZE - off)
			len = MAX_SIZE - off;
		if (budget && total_bytes() > budget && off + len > m->size)
			break;          /* keep the disk from filling up */
		uint8_t *buf = malloc(len);
		fill(buf, len, off, (uint32_t)unit_rand(&rng));
		long n = ext2_write(fs, m->ino, off, buf, len);
		if (n == ENOSPC_ || (n >= 0 && (size_t)n < len))
			enospc++;
		if (n == ENOSPC_)
			n = 0;
		assert_true(n >= 0 && (size_t)n <= len);
		reserve(m, off + (size_t)n);
		memcpy(m->data + off, buf, (size_t)n);
		if (n && off + (size_t)n > m->size)
			m->size = off + (size_t)n;
		free(buf);
		break;
	}
	case 6: {                                               /* truncate */
		int f = pick(M_REG);
		if (f < 0)
			break;
		struct mnode *m = &nodes[f];
		size_t size = unit_below(&rng, 2) ? unit_below(&rng, m->size + 1) : unit_below(&rng, MAX_SIZE);
		assert_int_equal(ext2_truncate(fs, m->ino, size), 0);
		reserve(m, size);
		if (size < m->size)
			memset(m->data + size, 0, m->size - size);
		m->size = size;
		break;
	}
	case 7: case 8: {                                       /* read a piece */
		int f = pick(M_REG);
		if (f < 0)
			break;
		struct mnode *m = &nodes[f];
		size_t off = unit_below(&rng, m->size + 100), len = unit_below(&rng, 10000);
		uint8_t *buf = malloc(len + 1);
		long n = ext2_read(fs, m->ino, off, buf, len);
		size_t want = off >= m->size ? 0 : m->size - off < len ? m->size - off : len;
		assert_int_equal(n, (long)want);
		if (want)
			assert_memory_equal(buf, m->data + off, want);
		free(buf);
		break;
	}
	case 9: {                                               /* mkdir */
		dir = pick(M_DIR);
		name = rand_name();
		rc = ext2_mkdir(fs, nodes[dir].ino, name, 0750, 0, 0, &ino);
		if (made(rc, dir, name)) {
			int n = node_new(M_DIR, ino);
			nodes[n].links = 2;
			nodes[n].mode = 0750;
			nodes[n].parent = dir;
			ent_add(dir, name, n);
			nodes[dir].links++;
		}
		break;
	}
	case 10: {                                              /* rmdir */
		i = pick_entry(&dir);
		if (i < 0)
			break;
		int c = nodes[dir].ents[i].node;
		rc = ext2_rmdir(fs, nodes[dir].ino, nodes[dir].ents[i].name);
		if (nodes[c].type != M_DIR) {
			assert_int_equal(rc, ENOTDIR_);
		} else if (nodes[c].nents) {
			assert_int_equal(rc, ENOTEMPTY_);
		} else {
			assert_int_equal(rc, 0);
			ent_del(dir, i);
			unname(c);
			nodes[dir].links--;
		}
		break;
	}
	case 11: case 12: {                                     /* unlink */
		i = pick_entry(&dir);
		if (i < 0)
			break;
		int c = nodes[dir].ents[i].node;
		rc = ext2_unlink(fs, nodes[dir].ino, nodes[dir].ents[i].name);
		if (nodes[c].type == M_DIR) {
			assert_int_equal(rc, EISDIR_);
		} else {
			assert_int_equal(rc, 0);
			ent_del(dir, i);
			unname(c);
		}
		break;
	}
	case 13: {                                              /* link */
		i = pick_entry(&dir);
		if (i < 0)
			break;
		int c = nodes[dir].ents[i].node, to = pick(M_DIR);
		name = rand_name();
		rc = ext2_link(fs, nodes[c].ino, nodes[to].ino, name);
		if (nodes[c].type == M_DIR) {
			assert_int_equal(rc, EPERM_);
		} else if (made(rc, to, name)) {
			ent_add(to, name, c);
			nodes[c].links++;
		}
		break;
	}
	case 14: {                                              /* symlink */
		char target[1100];
		size_t tlen = unit_below(&rng, 2) ? 1 + unit_below(&rng, 70) : 1 + unit_below(&rng, 1000);
		for (size_t k = 0; k < tlen; k++)
			target[k] = (char)('!' + unit_below(&rng, 90));
		target[tlen] = '\0';
		dir = pick(M_DIR);
		name = rand_name();
		rc = ext2_symlink(fs, nodes[dir].ino, name, target, 0, 0, &ino);
		if (made(rc, dir, name)) {
			int n = node_new(M_LNK, ino);
			nodes[n].mode = 0777;
			nodes[n].target = strdup(target);
			ent_add(dir, name, n);
		}
		break;
	}
	case 15: case 16: case 17: {                            /* rename */
		i = pick_entry(&dir);
		if (i < 0)
			break;
		int s = nodes[dir].ents[i].node, to = pick(M_DIR);
		char sname[EXT2_NAME_MAX + 1];
		strcpy(sname, nodes[dir].ents[i].name);
		name = unit_below(&rng, 3) || !nodes[to].nents ? rand_name() :
		       nodes[to].ents[unit_below(&rng, (uint64_t)nodes[to].nents)].name;
		char tname[EXT2_NAME_MAX + 1];
		strcpy(tname, name);
		rc = ext2_rename(fs, nodes[dir].ino, sname, nodes[to].ino, tname);
		int j = ent_find(to, tname), t = j >= 0 ? nodes[to].ents[j].node : -1;
		int want = 0;
		if (t == s)
			want = 0;
		else if (t >= 0 && nodes[s].type == M_DIR && nodes[t].type != M_DIR)
			want = ENOTDIR_;
		else if (t >= 0 && nodes[s].type == M_DIR && nodes[t].nents)
			want = ENOTEMPTY_;
		else if (t >= 0 && nodes[s].type != M_DIR && nodes[t].type == M_DIR)
			want = EISDIR_;
		else if (nodes[s].type == M_DIR && to != dir && inside(to, s))
			want = EINVAL_;
		if (rc == ENOSPC_ && t < 0) {
			enospc++;
			break;
		}
		assert_int_equal(rc, want);
		if (rc || t == s)
			break;
		if (t >= 0) {
			ent_del(to, j);
			if (nodes[t].type == M_DIR)
				nodes[to].links--;
			unname(t);
		}
		ent_del(dir, ent_find(dir, sname));
		ent_add(to, tname, s);
		if (nodes[s].type == M_DIR) {
			nodes[dir].links--;
			nodes[to].links++;
			nodes[s].parent = to;
		}
		break;
	}
	case 18: {                                              /* chmod */
		i = pick_entry(&dir);
		if (i < 0)
			break;
		int c = nodes[dir].ents[i].node;
		uint16_t mode = (uint16_t)unit_below(&rng, 010000);
		assert_int_equal(ext2_chmod(fs, nodes[c].ino, mode), 0);
		nodes[c].mode = mode;
		break;
	}
	case 19: {                                              /* lookup */
		dir = pick(M_DIR);
		name = rand_name();
		i = ent_find(dir, name);
		rc = ext2_lookup(fs, nodes[dir].ino, name, &ino);
		assert_int_equal(rc, i >= 0 ? 0 : ENOENT_);
		if (i >= 0)
			assert_int_equal(ino, nodes[nodes[dir].ents[i].node].ino);
		break;
	}
	}
}

static void run(const char *opts, unsigned blocks, bool filetype, int calls, size_t limit)
{
	int root;

	budget = limit;
	enospc = 0;
	img = tpath("img");
	types = filetype;
	rng = unit_seed(opts) ^ (uint64_t)blocks << 32;   /* each geometry its own sequence */
	memset(nodes, 0, sizeof(nodes));
	mkfs(img, opts, blocks);
	fs = mount_img(img, 0);
	root = node_new(M_DIR, EXT2_ROOT_INO);
	nodes[root].parent = root;
	nodes[root].links = 3;                  /* ., .. and lost+found's .. */
	nodes[root].mode = 0755;
	/* The calls allocate nothing (ext2_buf_get's pool suffices): any allocation fails. */
	fail_alloc_in = 0;
	for (int k = 1; k <= calls; k++) {
		one_call();
		if (k % 250 == 0)
			check_node(root, EXT2_ROOT_INO);
		if (k % 1000 == 0) {
			fail_alloc_in = -1;
			fs = remount(fs, img);
			fail_alloc_in = 0;
			check_node(root, EXT2_ROOT_INO);
		}
	}
	fail_alloc_in = -1;
	int files = 0, dirs = 0;
	for (int i = 0; i < MAX_NODES; i++) {
		files += nodes[i].type == M_REG;
		dirs += nodes[i].type == M_DIR;
	}
	print_message("# %s: %d calls (%d found the disk full), %d files and %d directories at "
		      "the end, %zu bytes\n", opts, calls, enospc, files, dirs, total_bytes());
	unmount_fsck(fs, img);
	for (int i = 0; i < MAX_NODES; i++)
		if (nodes[i].type != M_FREE)
			node_free(i);
}

/* Small groups: many of them, superblock copies in 1, 3, 5, 7, allocations across. */
static void test_random_1k(void **state) { run("-b 1024 -g 1024", 8192, true, 4000, 3 << 20); }
static void test_random_4k(void **state) { run("-b 4096 -I 128 -g 512", 2048, true, 4000, 3 << 20); }
static void test_random_rev0(void **state) { run("-b 2048 -r 0 -g 1024", 4096, false, 4000, 3 << 20); }
/* A small disk filled again and again: every call that allocates meets ENOSPC. */
static void test_random_full(void **state)
{
	run("-b 1024 -N 96 -g 256", 1024, true, 4000, 0);
	assert_true(enospc > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_1k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_rev0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_full, setup, teardown),
	};
	return cmocka_run_group_tests_name("ext2_random", tests, NULL, NULL);
}
