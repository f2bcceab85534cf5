/*
 * vm: the toolstack of Domain 0 (docs/control.md), with xl-like verbs over
 * the control hypercall (include/public/domctl.h) through /dev/rvctl
 * (guest/include/uapi/rvctl.h). An ordinary static i386 program: it runs
 * in Domain 0's ringos, reads configs and images from its filesystem, and
 * hands them to the hypervisor, which checks everything again.
 *
 *     vm list | create [-p] [-c] CONFIG | destroy D | pause D | unpause D
 *        weight D N | memory D MiB | console D | top [-n N] | help
 *
 * D is a domain's name or id. Every error names the domain or file and the
 * reason, and the exit status is 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <public/domctl.h>
#include <public/errno.h>
#include <public/start_info.h>
#include <sys/wait.h>
#include "backend.h"
#include "savefile.h"
#include "uapi/rvctl.h"

#define DETACH_KEY      0x1c            /* Ctrl-\ (Ctrl-] is the hypervisor console's) */

static int ctl = -1;

static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("vm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* The control hypercall: its result, or -errno. */
static long domctl(uint32_t cmd, uint32_t a1, uint32_t a2, uint32_t a3)
{
	struct rvctl_domctl d = { cmd, { a1, a2, a3 } };
	if (ctl < 0) {
		ctl = open("/dev/rvctl", O_RDWR);
		if (ctl < 0)
			die("/dev/rvctl: %s (vm runs in Domain 0 only)", strerror(errno));
	}
	long r = ioctl(ctl, RVCTL_DOMCTL, &d);
	return r < 0 ? -errno : r;
}

static int getinfo(uint32_t from, struct rv_domctl_info *info)
{
	return (int)domctl(RV_DOMCTL_getinfo, from, (uint32_t)info, sizeof(*info));
}

/* A domain by name or id: its id (info filled), or it dies saying so. */
static uint32_t lookup(const char *what, struct rv_domctl_info *info)
{
	char *end;
	unsigned long id = strtoul(what, &end, 10);
	if (*what && !*end) {
		if (getinfo((uint32_t)id, info) == (int)id)
			return (uint32_t)id;
		die("domain %s: no such domain", what);
	}
	for (int i = getinfo(0, info); i > 0; i = getinfo((uint32_t)i + 1, info))
		if (!strcmp(info->name, what))
			return (uint32_t)i;
	die("domain '%s': no such domain (vm list shows them)", what);
	return 0;
}

static const char *state_name(uint32_t s)
{
	static const char *const n[] = { "running", "blocked", "paused", "shutdown", "crashed" };
	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

static const char *mode_name(uint32_t m)
{
	return m == RV_DOMMODE_pv ? "pv" : m == RV_DOMMODE_bt ? "bt" : m == RV_DOMMODE_hw ? "hw" : "?";
}

static int cmd_list(void)
{
	struct rv_domctl_info i;
	struct rv_domctl_physinfo m;
	if (domctl(RV_DOMCTL_physinfo, (uint32_t)&m, sizeof(m), 0) == 0)
		printf("memory: %u MiB in all, %u MiB free\n", m.total_kib / 1024, m.free_kib / 1024);
	printf("%-16s %4s %-4s %8s %6s %-8s %10s %12s\n", "Name", "ID", "Mode", "Mem(MiB)",
	       "Weight", "State", "Time(s)", "Entries");
	for (int id = getinfo(0, &i); id > 0; id = getinfo((uint32_t)id + 1, &i))
		printf("%-16s %4u %-4s %8u %6u %-8s %10.1f %12llu%s\n", i.name, i.domid,
		       mode_name(i.mode), i.memory_kib / 1024, i.weight, state_name(i.state),
		       (double)i.cpu_ns / 1e9, (unsigned long long)i.entries,
		       i.flags & RV_DOMINFO_PRIVILEGED ? "  (Domain 0)" : "");
	return 0;
}

/* ---- create ---- */

/* The whole file into memory: its size, or it dies naming the file. */
static size_t slurp(const char *path, const char *what, char **out)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0)
		die("%s '%s': %s", what, path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		die("%s '%s': not a regular file", what, path);
	char *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		die("%s '%s': no memory for %lld bytes", what, path, (long long)st.st_size);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			die("%s '%s': %s", what, path, n ? strerror(errno) : "shorter than it said");
		got += (size_t)n;
	}
	close(fd);
	*out = buf;
	return got;
}

/* The value of key in xl.cfg-style text ("key = value" or "key = \"value\""),
 * into val; 0 if the key is not there. The hypervisor parses the whole
 * file again: this only finds the files to read. */
static int config_value(const char *text, size_t len, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key), pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		const char *p = text + pos, *e = text + end;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(e - p) > klen && !memcmp(p, key, klen) &&
		    (p[klen] == ' ' || p[klen] == '\t' || p[klen] == '=')) {
			p += klen;
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			if (p < e && *p == '=') {
				p++;
				while (p < e && (*p == ' ' || *p == '\t'))
					p++;
				const char *v = p, *ve;
				if (p < e && *p == '"') {
					v = ++p;
					ve = memchr(v, '"', (size_t)(e - v));
					if (!ve)
						ve = e;
				} else {
					ve = v;
					while (ve < e && *ve != ' ' && *ve != '\t' && *ve != '#' &&
					       *ve != '\r')
						ve++;
				}
				size_t n = (size_t)(ve - v);
				if (n >= size)
					n = size - 1;
				memcpy(val, v, n);
				val[n] = '\0';
				return 1;
			}
		}
		pos = end + 1;
	}
	return 0;
}

/* A path a config names: absolute as it is; relative to the config's own
 * directory, else to /boot. */
static void resolve(const char *cfg_path, const char *name, char *out, size_t size)
{
	struct stat st;
	if (name[0] == '/') {
		snprintf(out, size, "%s", name);
		return;
	}
	const char *slash = strrchr(cfg_path, '/');
	int dir = slash ? (int)(slash - cfg_path) : 1;
	snprintf(out, size, "%.*s/%s", dir, slash ? cfg_path : ".", name);
	if (stat(out, &st) == 0)
		return;
	snprintf(out, size, "/boot/%s", name);
}

static int console_attach_opt(uint32_t id, const char *name, int unpause_after);

/* ---- split devices (backend.h, docs/io.md) ---- */

/* What fd gives until its end (at most n bytes), within ms: the count, or
 * -1 when the time ran out first. */
static ssize_t read_until_eof(int fd, char *buf, size_t n, int ms)
{
	struct timespec t0, t;
	size_t got = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		struct pollfd pf = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			return -1;
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0 || (got += (size_t)r) == n)
			return (ssize_t)got;
	}
}

/* In the forked backend process: open our own /dev/rvctl and what we
 * serve, open a channel, write the domain's device entry, tell the parent
 * (one line on ready: "ok", or the reason), then serve. Never returns. */
static void __attribute__((noreturn)) backend_child(struct backend *b, uint16_t type, int ready)
{
	char why[160] = "";
	int rc;

	setsid();               /* Ctrl-C at Domain 0's shell is not for us */
	b->ctl = open("/dev/rvctl", O_RDWR);
	if (b->ctl < 0) {
		snprintf(why, sizeof(why), "/dev/rvctl: %s", strerror(errno));
		goto fail;
	}
	rc = type == RV_DEV_vbd ? blkback_prepare(b, why, sizeof(why))
				: fsback_prepare(b, why, sizeof(why));
	if (rc < 0)
		goto fail;
	struct rvctl_chan_open o = { .domid = b->domid, .ring_ref = 8 + b->slot };
	if (ioctl(b->ctl, RVCTL_CHAN_OPEN, &o) < 0) {
		snprintf(why, sizeof(why), "a channel to domain %u: %s", b->domid, strerror(errno));
		goto fail;
	}
	b->chan = o.chan;
	/* The backend's domain is Domain 0's own id, which is 0 only when
	 * nothing was booted before it. */
	struct rv_domctl_info self;
	struct rvctl_domctl q = { RV_DOMCTL_getinfo, { 0, (uint32_t)&self, sizeof(self) } };
	long sid;
	for (sid = ioctl(b->ctl, RVCTL_DOMCTL, &q); sid >= 0 && !(self.flags & RV_DOMINFO_PRIVILEGED);
	     sid = ioctl(b->ctl, RVCTL_DOMCTL, &q))
		q.arg[0] = (uint32_t)sid + 1;
	if (sid < 0) {
		snprintf(why, sizeof(why), "Domain 0's own id: %s", strerror(errno));
		goto fail;
	}
	struct rv_device dev = { .type = type, .backend = (uint16_t)sid, .port = o.port,
				 .ring_ref = 8 + b->slot,
				 .flags = b->readonly ? RV_DEVF_readonly : 0 };
	snprintf(dev.name, sizeof(dev.name), "%s", b->name);
	struct rvctl_domctl d = { RV_DOMCTL_set_device,
				  { b->domid, b->slot, (uint32_t)&dev } };
	if (ioctl(b->ctl, RVCTL_DOMCTL, &d) < 0) {
		snprintf(why, sizeof(why), "its device entry: %s", strerror(errno));
		goto fail;
	}
	if (write(ready, "ok\n", 3) != 3)
		_exit(1);
	close(ready);
	_exit(type == RV_DEV_vbd ? blkback_serve(b) : fsback_serve(b));
fail:
	dprintf(ready, "%s\n", why);
	_exit(1);
}

/* A backend for each device the config of pv domain id names, each
 * ready (its entry written) before this returns; on a refusal the domain
 * is destroyed and vm stops with the reason. */
static void start_backends(uint32_t id, const char *dom, const char *cfg, size_t len)
{
	static const struct { const char *key, *def; uint16_t type; } kinds[] = {
		{ "disk", "xvda", RV_DEV_vbd }, { "fs", "/host", RV_DEV_vfs },
	};
	uint32_t slot = 0;

	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		char spec[256], why[160];
		struct backend b = { .domid = id, .slot = slot, .ctl = -1, .fd = -1 };
		if (!config_value(cfg, len, kinds[k].key, spec, sizeof(spec)))
			continue;
		if (backend_parse(spec, kinds[k].def, &b, why, sizeof(why)) < 0) {
			domctl(RV_DOMCTL_destroy, id, 0, 0);
			die("create: %s = \"%s\": %s", kinds[k].key, spec, why);
		}
		snprintf(b.tag, sizeof(b.tag), "%s %s", dom, b.name);
		int p[2];
		if (pipe(p) < 0)
			die("create: pipe: %s", strerror(errno));
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0)
			die("create: fork: %s", strerror(errno));
		if (pid == 0) {
			close(p[0]);
			if (ctl >= 0)
				close(ctl);
			backend_child(&b, kinds[k].type, p[1]);
		}
		close(p[1]);
		char line[200];
		ssize_t got = read_until_eof(p[0], line, sizeof(line) - 1, 10000);
		close(p[0]);
		line[got > 0 ? got : 0] = 0;
		if (strcmp(line, "ok\n")) {
			domctl(RV_DOMCTL_destroy, id, 0, 0);
			if (got <= 0)
				kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			line[strcspn(line, "\n")] = 0;
			die("create: %s %s '%s': %s (domain %u destroyed)", kinds[k].key, b.name,
			    b.path, got > 0 ? line : "its backend did not start", id);
		}
		printf("domain %u: %s %s is %s%s, served by process %d\n", id, kinds[k].key, b.name,
		       b.path, b.readonly ? " (read-only)" : "", (int)pid);
		slot++;
	}
}

static int cmd_create(int argc, char **argv)
{
	int paused = 0, attach = 0, a = 0;
	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-p"))
			paused = 1;
		else if (!strcmp(argv[a], "-c"))
			attach = 1;
		else
			die("create: unknown option '%s' (-p: leave it paused, -c: attach its console)",
			    argv[a]);
	}
	if (a + 1 != argc)
		die("create: usage: vm create [-p] [-c] CONFIG");
	const char *cfg_path = argv[a];
	char *cfg, *kernel, *initrd = NULL;
	char name[256], kpath[512], ipath[512];
	size_t cfg_len = slurp(cfg_path, "config", &cfg);

	if (!config_value(cfg, cfg_len, "kernel", name, sizeof(name)))
		die("create %s: the config names no kernel (kernel = \"...\")", cfg_path);
	resolve(cfg_path, name, kpath, sizeof(kpath));
	size_t klen = slurp(kpath, "kernel", &kernel), ilen = 0;
	if (config_value(cfg, cfg_len, "initrd", name, sizeof(name)) ||
	    config_value(cfg, cfg_len, "ramdisk", name, sizeof(name))) {
		resolve(cfg_path, name, ipath, sizeof(ipath));
		ilen = slurp(ipath, "initrd", &initrd);
	}
	char err[160] = "";
	struct rv_domctl_create c = {
		0, (uint32_t)cfg, (uint32_t)cfg_len, (uint32_t)kernel, (uint32_t)klen,
		(uint32_t)initrd, (uint32_t)ilen, (uint32_t)err, sizeof(err), 0,
	};
	long id = domctl(RV_DOMCTL_create, (uint32_t)&c, sizeof(c), 0);
	if (id < 0)
		die("create %s: %s%s%s", cfg_path, err[0] ? err : "", err[0] ? ": " : "",
		    strerror((int)-id));
	struct rv_domctl_info info;
	getinfo((uint32_t)id, &info);
	printf("domain %ld (%s) created from %s: %s, %u MiB%s\n", id, info.name, cfg_path,
	       mode_name(info.mode), info.memory_kib / 1024, paused ? ", paused" : "");
	if (info.mode == RV_DOMMODE_pv)
		start_backends((uint32_t)id, info.name, cfg, cfg_len);
	if (attach)
		return console_attach_opt((uint32_t)id, info.name, !paused);
	if (!paused && domctl(RV_DOMCTL_unpause, (uint32_t)id, 0, 0) < 0)
		die("create: domain %ld: could not start it", id);
	return 0;
}

/* ---- console ---- */

static struct termios saved_tty;

static void tty_restore(void)
{
	tcsetattr(0, TCSANOW, &saved_tty);
}

/* Show what the domain writes, type what the user types; Ctrl-\ detaches.
 * A domain created paused is let go once attached (unpause_after). */
static int console_attach_opt(uint32_t id, const char *name, int unpause_after)
{
	static char buf[4096];
	struct rv_domctl_console c = { 0, (uint32_t)buf, sizeof(buf), 0, 0, 0, 0 };
	struct termios raw;
	int have_tty = tcgetattr(0, &saved_tty) == 0;

	if (have_tty) {
		raw = saved_tty;
		raw.c_lflag &= ~(ICANON | ECHO | ISIG);
		raw.c_iflag &= ~(ICRNL | IXON);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tcsetattr(0, TCSANOW, &raw);
		atexit(tty_restore);
	}
	fprintf(stderr, "[vm: attached to %s (domain %u); Ctrl-\\ detaches]\r\n", name, id);
	if (unpause_after)
		domctl(RV_DOMCTL_unpause, id, 0, 0);
	for (;;) {
		long got = domctl(RV_DOMCTL_console_read, id, (uint32_t)&c, sizeof(c));
		if (got < 0) {
			fprintf(stderr, "\r\n[vm: domain %u (%s) is gone]\r\n", id, name);
			break;
		}
		if (c.lost)
			fprintf(stderr, "[vm: %llu bytes of its output were lost]\r\n",
				(unsigned long long)c.lost);
		if (got)
			fwrite(buf, 1, (size_t)got, stdout), fflush(stdout);
		c.pos = c.next;
		struct pollfd p = { 0, POLLIN, 0 };
		if (got == (long)sizeof(buf))
			continue;               /* more is waiting */
		int ready = poll(&p, 1, 50);
		if (ready > 0 && !(p.revents & POLLIN)) {
			fprintf(stderr, "\r\n[vm: the terminal went away]\r\n");
			break;          /* hung up, or not a descriptor: nothing to wait for */
		}
		if (ready > 0) {
			char in[64];
			ssize_t n = read(0, in, sizeof(in));
			if (n <= 0)
				break;
			char *k = memchr(in, DETACH_KEY, (size_t)n);
			size_t send = k ? (size_t)(k - in) : (size_t)n, done = 0;
			/* Its input ring is 256 bytes: a domain that does not read
			 * (paused, or busy) gets half a second, then what is left of
			 * this read is dropped, so that Ctrl-\ is always seen. */
			for (int tries = 0; done < send && tries < 25; tries++) {
				long t = domctl(RV_DOMCTL_console_write, id, (uint32_t)(in + done),
						(uint32_t)(send - done));
				if (t < 0)
					break;
				if (t == 0)
					usleep(20000);
				done += (size_t)t;
			}
			if (done < send)
				fprintf(stderr, "\a");         /* dropped: tell the user */
			if (k)
				break;
		}
	}
	if (have_tty)
		tty_restore();
	fprintf(stderr, "\n[vm: detached from %s]\n", name);
	return 0;
}

static int console_attach(uint32_t id, const char *name)
{
	return console_attach_opt(id, name, 0);
}

static uint64_t now_ns(void);

/* ---- save, restore, snapshot, rollback, clone ---- */

#define CHUNK   RV_XFER_MAX
static uint8_t chunk[CHUNK];

static uint64_t memsum_of(uint32_t id)
{
	uint64_t h = 0;
	long r = domctl(RV_DOMCTL_memsum, id, (uint32_t)&h, 0);
	return r < 0 ? 0 : h;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Stop a domain for a save and wait for it (10 s): a pv domain is asked
 * and suspends itself; a hw or bt one is paused by the hypervisor at once. */
static void suspend(uint32_t id, const char *name)
{
	struct rv_domctl_info info;
	long r = domctl(RV_DOMCTL_suspend, id, 0, 0);
	if (r == -RV_EOPNOTSUPP)
		die("%s (domain %u) cannot be saved: its start-info page is gone or a page "
		    "table (nowhere to ask it)", name, id);
	if (r == -RV_ENODEV)
		die("%s (domain %u) cannot be saved: its disk is a boot module of this machine, "
		    "which cannot go into a save file", name, id);
	if (r < 0 && r != -RV_EALREADY)
		die("%s (domain %u): suspend: %s", name, id, strerror((int)-r));
	for (int i = 0; i < 500; i++) {
		if (getinfo(id, &info) == (int)id && (info.flags & RV_DOMINFO_SUSPENDED))
			return;
		usleep(20000);
	}
	die("%s (domain %u) did not suspend within 10 s (its kernel must answer Domain 0's "
	    "control requests, as ringos does)", name, id);
}

/* The suspended domain id into path (written to path.tmp, then renamed):
 * 0, or -1 with the reason told (nothing left behind). */
static int save_to(uint32_t id, const char *name, const char *path)
{
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		fprintf(stderr, "vm: save %s: '%s': %s\n", name, tmp, strerror(errno));
		return -1;
	}
	struct rv_domctl_xfer x = { 0, (uint32_t)chunk, CHUNK };
	uint64_t total = UINT64_MAX, sum = RV_FNV_INIT;
	while (x.pos < total) {
		long got = domctl(RV_DOMCTL_save, id, (uint32_t)&x, sizeof(x));
		if (got <= 0) {
			fprintf(stderr, "vm: save %s (domain %u): %s\n", name, id,
				got ? strerror((int)-got) : "the stream ended early");
			goto fail;
		}
		if (x.pos == 0) {
			total = ((const struct rv_save_header *)chunk)->total_len;
			/* Its whole size at once: a file that grows by doubling
			 * would need twice its size in memory on a ramfs. */
			if (ftruncate(fd, (off_t)(total + sizeof(struct rv_save_trailer)))) {
				fprintf(stderr, "vm: save %s: '%s': %s\n", name, tmp, strerror(errno));
				goto fail;
			}
		}
		sum = rv_fnv1a(sum, chunk, (size_t)got);
		if (write_all(fd, chunk, (size_t)got)) {
			fprintf(stderr, "vm: save %s: '%s': %s\n", name, tmp, strerror(errno));
			goto fail;
		}
		x.pos += (uint64_t)got;
	}
	struct rv_save_trailer t = { RV_SAVE_TRAILER_MAGIC, sum };
	if (write_all(fd, &t, sizeof(t)) || fsync(fd) || close(fd)) {
		fprintf(stderr, "vm: save %s: '%s': %s\n", name, tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		fprintf(stderr, "vm: save %s: '%s': %s\n", name, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

/* restore -u: the trailer's checksum is not checked, so that a file edited
 * by hand reaches the hypervisor, whose own checks it then tests. */
static int unchecked;

/* Checks a save file whole before anything changes: its header (lib/savefile.c)
 * and its checksum. Fills *h; 0, or -1 with the reason told. */
static int check_file(const char *path, struct rv_save_header *h)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "vm: '%s': %s\n", path, strerror(errno));
		return -1;
	}
	uint64_t size = (uint64_t)st.st_size;
	memset(h, 0, sizeof(*h));
	ssize_t n = read(fd, h, sizeof(*h));
	const char *why = "shorter than a header";
	enum rv_save_fault f = n == (ssize_t)sizeof(*h) ?
		rv_save_check_header(h, size >= sizeof(struct rv_save_trailer) ?
				     size - sizeof(struct rv_save_trailer) : 0, &why) :
		(n >= 8 && h->magic == RV_SAVE_MAGIC ? RV_SAVE_TRUNCATED : RV_SAVE_NOT_A_SAVE);
	if (f != RV_SAVE_OK) {
		if (f == RV_SAVE_OTHER_VERSION)
			fprintf(stderr, "vm: '%s': save format version %u; this ringvisor reads "
				"version %u\n", path, h->version, RV_SAVE_VERSION);
		else if (f == RV_SAVE_TRUNCATED)
			fprintf(stderr, "vm: '%s': truncated: %llu bytes, its header says %llu\n",
				path, (unsigned long long)size, (unsigned long long)
				(h->total_len + sizeof(struct rv_save_trailer)));
		else if (f == RV_SAVE_NOT_A_SAVE)
			fprintf(stderr, "vm: '%s': not a ringvisor save file\n", path);
		else
			fprintf(stderr, "vm: '%s': corrupt: %s\n", path, why);
		close(fd);
		return -1;
	}
	uint64_t sum = rv_fnv1a(RV_FNV_INIT, h, sizeof(*h)), pos = sizeof(*h);
	while (pos < h->total_len) {
		size_t want = (size_t)(h->total_len - pos < CHUNK ? h->total_len - pos : CHUNK);
		ssize_t got = read(fd, chunk, want);
		if (got <= 0) {
			fprintf(stderr, "vm: '%s': truncated at byte %llu\n", path,
				(unsigned long long)pos);
			close(fd);
			return -1;
		}
		sum = rv_fnv1a(sum, chunk, (size_t)got);
		pos += (uint64_t)got;
	}
	struct rv_save_trailer t;
	if (read(fd, &t, sizeof(t)) != (ssize_t)sizeof(t) || t.magic != RV_SAVE_TRAILER_MAGIC ||
	    (t.checksum != sum && !unchecked)) {
		fprintf(stderr, "vm: '%s': corrupt: its checksum does not match its contents\n", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* A checked save file into a new domain (named name, or as saved), left
 * paused: its id, or -1 with the reason told (no domain left behind). */
static long restore_from(const char *path, const struct rv_save_header *h, const char *name)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "vm: '%s': %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t *meta = malloc(h->pages_off);
	char err[160] = "";
	if (!meta || read(fd, meta, h->pages_off) != (ssize_t)h->pages_off) {
		fprintf(stderr, "vm: '%s': cannot read its header\n", path);
		close(fd);
		free(meta);
		return -1;
	}
	struct rv_domctl_restore r = { (uint32_t)meta, h->pages_off, (uint32_t)name, (uint32_t)err,
				       sizeof(err), 0 };
	long id = domctl(RV_DOMCTL_restore_begin, (uint32_t)&r, sizeof(r), 0);
	free(meta);
	if (id < 0) {
		fprintf(stderr, "vm: restore '%s': %s%s%s\n", path, err, err[0] ? ": " : "",
			strerror((int)-id));
		close(fd);
		return -1;
	}
	struct rv_domctl_xfer x = { 0, (uint32_t)chunk, 0 };
	uint64_t pages = (uint64_t)h->nr_pages * 4096;
	while (x.pos < pages) {
		ssize_t got = read(fd, chunk, pages - x.pos < CHUNK ? (size_t)(pages - x.pos) : CHUNK);
		x.len = got > 0 ? (uint32_t)got : 0;
		long r2 = got > 0 ? domctl(RV_DOMCTL_restore_data, (uint32_t)id, (uint32_t)&x,
					   sizeof(x)) : -RV_EIO;
		if (r2 < 0) {
			fprintf(stderr, "vm: restore '%s': its pages: %s\n", path, strerror((int)-r2));
			domctl(RV_DOMCTL_destroy, (uint32_t)id, 0, 0);
			close(fd);
			return -1;
		}
		x.pos += (uint64_t)got;
	}
	close(fd);
	long r3 = domctl(RV_DOMCTL_restore_finish, (uint32_t)id, (uint32_t)err, sizeof(err));
	if (r3 < 0) {
		fprintf(stderr, "vm: restore '%s': %s%s%s\n", path, err, err[0] ? ": " : "",
			strerror((int)-r3));
		return -1;
	}
	return id;
}

static int valid_tag(const char *t)
{
	if (!*t || strlen(t) > 64)
		return 0;
	for (; *t; t++)
		if (!(*t >= 'a' && *t <= 'z') && !(*t >= 'A' && *t <= 'Z') &&
		    !(*t >= '0' && *t <= '9') && *t != '_' && *t != '-' && *t != '.')
			return 0;
	return 1;
}

/* Where snapshots live: on Domain 0's disk when it is mounted at /disk
 * (they outlive the machine), else in /var/lib/vm. */
static const char *snapshot_dir(void)
{
	struct stat disk, root;
	if (stat("/disk", &disk) == 0 && stat("/", &root) == 0 && S_ISDIR(disk.st_mode) &&
	    disk.st_dev != root.st_dev) {
		mkdir("/disk/snapshots", 0755);
		return "/disk/snapshots";
	}
	mkdir("/var", 0755);
	mkdir("/var/lib", 0755);
	mkdir("/var/lib/vm", 0755);
	return "/var/lib/vm";
}

static void snapshot_path(const char *name, const char *tag, char *out, size_t n)
{
	if (!valid_tag(tag))
		die("snapshot tag '%s': use letters, digits, '_', '-' and '.'", tag);
	const char *dir = snapshot_dir();
	snprintf(out, n, "%s/%s", dir, name);
	mkdir(out, 0755);
	snprintf(out, n, "%s/%s/%s.save", dir, name, tag);
}

/* save (stop: the domain is gone afterwards) or snapshot (it goes on). */
static int cmd_save(const char *who, const char *path, int keep_running)
{
	struct rv_domctl_info info;
	uint32_t id = lookup(who, &info);
	char name[RV_DOMNAME_MAX];
	snprintf(name, sizeof(name), "%s", info.name);
	uint64_t t0 = now_ns();
	suspend(id, name);
	uint64_t t1 = now_ns();
	uint64_t sum = memsum_of(id);
	if (save_to(id, name, path)) {
		domctl(RV_DOMCTL_unpause, id, 0, 0);    /* it goes on as if nothing happened */
		return 1;
	}
	if (keep_running)
		domctl(RV_DOMCTL_unpause, id, 0, 0);
	else
		domctl(RV_DOMCTL_destroy, id, 0, 0);
	uint64_t t2 = now_ns();
	printf("%s (domain %u) %s to %s: %u MiB, memory checksum %016llx\n", name, id,
	       keep_running ? "snapshotted" : "saved", path, info.memory_kib / 1024,
	       (unsigned long long)sum);
	printf("  %.2f s: %.2f s to suspend, %.2f s to write%s\n", (double)(t2 - t0) / 1e9,
	       (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9,
	       keep_running ? " (stopped for all of it)" : "");
	return 0;
}

static int cmd_restore(const char *path, const char *newname, int paused)
{
	struct rv_save_header h;
	uint64_t t0 = now_ns();
	if (check_file(path, &h))
		return 1;
	uint64_t t1 = now_ns();
	long id = restore_from(path, &h, newname);
	if (id < 0)
		return 1;
	uint64_t t2 = now_ns();
	uint64_t sum = memsum_of((uint32_t)id);
	struct rv_domctl_info info;
	getinfo((uint32_t)id, &info);
	if (!paused)
		domctl(RV_DOMCTL_unpause, (uint32_t)id, 0, 0);
	printf("domain %ld (%s) restored from %s: %u MiB, memory checksum %016llx%s\n", id,
	       info.name, path, h.nr_pages / 256, (unsigned long long)sum, paused ? ", paused" : "");
	printf("  %.2f s: %.2f s to check the file, %.2f s to restore\n", (double)(t2 - t0) / 1e9,
	       (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9);
	return 0;
}

static int cmd_rollback(const char *who, const char *tag)
{
	struct rv_domctl_info info;
	struct rv_save_header h;
	char path[512];
	uint32_t id = lookup(who, &info);
	snapshot_path(info.name, tag, path, sizeof(path));
	/* The snapshot is checked whole before the domain is touched. */
	if (check_file(path, &h))
		return 1;
	domctl(RV_DOMCTL_destroy, id, 0, 0);
	for (int i = 0; i < 100 && getinfo(id, &info) == (int)id; i++)
		usleep(10000);
	long nid = restore_from(path, &h, NULL);
	if (nid < 0)
		return 1;
	domctl(RV_DOMCTL_unpause, (uint32_t)nid, 0, 0);
	printf("%s rolled back to snapshot '%s': now domain %ld\n", h.name, tag, nid);
	return 0;
}

static int cmd_clone(const char *who, const char *newname)
{
	struct rv_domctl_info info;
	struct rv_save_header h;
	char path[512];
	uint32_t id = lookup(who, &info);
	if (getinfo(0, &info) >= 0) {
		struct rv_domctl_info o;
		for (int i = getinfo(0, &o); i > 0; i = getinfo((uint32_t)i + 1, &o))
			if (!strcmp(o.name, newname))
				die("clone: name '%s' is taken by domain %d", newname, i);
	}
	getinfo(id, &info);
	snprintf(path, sizeof(path), "/tmp/.vm-clone-%s.save", info.name);
	if (cmd_save(who, path, 1))
		return 1;
	int rc = check_file(path, &h);
	long nid = rc ? -1 : restore_from(path, &h, newname);
	unlink(path);
	if (nid < 0)
		return 1;
	domctl(RV_DOMCTL_unpause, (uint32_t)nid, 0, 0);
	printf("%s cloned as %s (domain %ld)\n", info.name, newname, nid);
	return 0;
}

/* ---- migration ---- */

/*
 * Over a byte pipe to the other machine's Domain 0 (a serial line: HOST
 * names it, e.g. ttyS1 for /dev/ttyS1). The sender suspends the domain and
 * sends its save stream in frames of up to 64 KiB, each with its position
 * and checksum, and waits for each to be acknowledged; the receiver writes
 * them to a file, checks it whole, restores it, lets it run and answers
 * "OK id" (or "ER reason"). Only then does the sender destroy its copy;
 * any failure, a refusal or 20 s of silence let the domain go on here.
 *
 * A page of a frame that is all zeros is not sent: its bit in the frame's
 * zero mask says so and the receiver writes the zeros (most of a domain's
 * memory is pages nobody has written yet; the link moves some 100 KB/s).
 * The checksum covers the frame's bytes as the receiver rebuilds them.
 */
#define MIG_MAGIC       0x32545247494d5652ull   /* "RVMIGRT2" */
#define MIG_FRAME       RV_XFER_MAX
#define MIG_PAGE        4096
#define MIG_WAIT_MS     20000

struct mig_frame {
	uint32_t magic;                 /* 'FRAM' or 'DONE' */
	uint32_t len;
	uint64_t pos;
	uint64_t sum;                   /* FNV-1a 64 of the data, zero pages included */
	uint32_t zero;                  /* bit i: bytes [i * 4 KiB, +4 KiB) are zeros, not sent */
	uint32_t pad;
};
_Static_assert(MIG_FRAME / MIG_PAGE <= 32, "a frame's zero mask has a bit per page");
#define FRAME_DATA      0x4d415246u
#define FRAME_DONE      0x454e4f44u

static bool all_zero(const uint8_t *p, size_t n)
{
	const uint32_t *w = (const uint32_t *)p;
	for (size_t i = 0; i < n / 4; i++)
		if (w[i])
			return false;
	for (size_t i = n & ~(size_t)3; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The frame's zero mask for len bytes of buf. */
static uint32_t zero_pages(const uint8_t *buf, uint32_t len)
{
	uint32_t mask = 0;
	for (uint32_t off = 0, i = 0; off < len; off += MIG_PAGE, i++) {
		uint32_t n = len - off < MIG_PAGE ? len - off : MIG_PAGE;
		if (all_zero(buf + off, n))
			mask |= 1u << i;
	}
	return mask;
}

/* Sends the pages of buf the mask does not mark zero: 0 or -1. */
static int write_frame_data(int fd, const uint8_t *buf, uint32_t len, uint32_t zero)
{
	for (uint32_t off = 0, i = 0; off < len; off += MIG_PAGE, i++) {
		uint32_t n = len - off < MIG_PAGE ? len - off : MIG_PAGE;
		if (!(zero & (1u << i)) && write_all(fd, buf + off, n))
			return -1;
	}
	return 0;
}

/* n bytes from fd within ms milliseconds: 0, or -1 (timeout or error). */
static int read_full(int fd, void *buf, size_t n, int ms)
{
	uint8_t *p = buf;
	uint64_t until = now_ns() + (uint64_t)ms * 1000000;
	while (n) {
		struct pollfd pf = { fd, POLLIN, 0 };
		int left = (int)((until > now_ns() ? until - now_ns() : 0) / 1000000);
		if (left <= 0 || poll(&pf, 1, left) <= 0)
			return -1;
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The inverse of write_frame_data, within ms per page: 0 or -1. */
static int read_frame_data(int fd, uint8_t *buf, uint32_t len, uint32_t zero, int ms)
{
	for (uint32_t off = 0, i = 0; off < len; off += MIG_PAGE, i++) {
		uint32_t n = len - off < MIG_PAGE ? len - off : MIG_PAGE;
		if (zero & (1u << i))
			memset(buf + off, 0, n);
		else if (read_full(fd, buf + off, n, ms))
			return -1;
	}
	return 0;
}

static int open_link(const char *host)
{
	char dev[64];
	snprintf(dev, sizeof(dev), "%s%s", host[0] == '/' ? "" : "/dev/", host);
	int fd = open(dev, O_RDWR);
	if (fd < 0)
		die("link '%s': %s (HOST names the serial line to the other machine, e.g. ttyS1)",
		    dev, strerror(errno));
	char junk[256];
	while (read_full(fd, junk, 1, 50) == 0)
		;                       /* what an earlier, broken transfer left */
	return fd;
}

static int cmd_migrate(const char *who, const char *host)
{
	struct rv_domctl_info info;
	uint32_t id = lookup(who, &info);
	char name[RV_DOMNAME_MAX], reply[96];
	snprintf(name, sizeof(name), "%s", info.name);
	int fd = open_link(host);
	uint64_t t0 = now_ns();
	suspend(id, name);
	uint64_t t1 = now_ns();
	struct rv_domctl_xfer x = { 0, (uint32_t)chunk, MIG_FRAME };
	uint64_t total = UINT64_MAX, sum = RV_FNV_INIT, magic = MIG_MAGIC, sent = 0;
	const char *why = NULL;
	if (write_all(fd, &magic, sizeof(magic)))
		why = "cannot write to the link";
	while (!why && x.pos < total) {
		long got = domctl(RV_DOMCTL_save, id, (uint32_t)&x, sizeof(x));
		if (got <= 0) {
			why = got ? strerror((int)-got) : "the stream ended early";
			break;
		}
		if (x.pos == 0)
			total = ((const struct rv_save_header *)chunk)->total_len;
		sum = rv_fnv1a(sum, chunk, (size_t)got);
		struct mig_frame f = { FRAME_DATA, (uint32_t)got, x.pos,
				       rv_fnv1a(RV_FNV_INIT, chunk, (size_t)got),
				       zero_pages(chunk, (uint32_t)got), 0 };
		char ack = 0;
		sent += (uint64_t)got - (uint64_t)__builtin_popcount(f.zero) * MIG_PAGE;
		if (write_all(fd, &f, sizeof(f)) || write_frame_data(fd, chunk, f.len, f.zero) ||
		    read_full(fd, &ack, 1, MIG_WAIT_MS) || ack != 'A') {
			why = ack == 'N' ? "the other side refused a frame" :
			      "the other side stopped answering";
			break;
		}
		x.pos += (uint64_t)got;
	}
	if (!why) {
		struct mig_frame f = { FRAME_DONE, sizeof(struct rv_save_trailer), x.pos, 0, 0, 0 };
		struct rv_save_trailer t = { RV_SAVE_TRAILER_MAGIC, sum };
		memset(reply, 0, sizeof(reply));
		if (write_all(fd, &f, sizeof(f)) || write_all(fd, &t, sizeof(t)) ||
		    read_full(fd, reply, 3, 120000))
			why = "the other side did not say whether it restored the domain";
		else if (memcmp(reply, "OK ", 3)) {
			read_full(fd, reply + 3, sizeof(reply) - 4, 200);
			reply[strcspn(reply, "\n")] = '\0';
			why = reply;
		} else {
			read_full(fd, reply + 3, 8, 500);
		}
	}
	close(fd);
	if (why) {
		domctl(RV_DOMCTL_unpause, id, 0, 0);    /* it goes on here */
		die("migrate %s to %s: %s; %s goes on here", name, host, why, name);
	}
	uint64_t t2 = now_ns();
	domctl(RV_DOMCTL_destroy, id, 0, 0);
	printf("%s migrated to %s: %u MiB in %.2f s, stopped for %.2f s (%.2f s to suspend); "
	       "%llu KiB sent, zero pages skipped\n",
	       name, host, info.memory_kib / 1024, (double)(t2 - t0) / 1e9,
	       (double)(t2 - t0) / 1e9, (double)(t1 - t0) / 1e9, (unsigned long long)sent / 1024);
	return 0;
}

static void answer(int fd, const char *fmt, ...)
{
	char msg[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(msg) - 1)
		n = (int)sizeof(msg) - 2;
	msg[n++] = '\n';
	write_all(fd, msg, (size_t)n);
}

/* One migration in: 0 when a domain was received and runs. */
static int receive_one(int fd)
{
	uint64_t magic = 0;
	if (read_full(fd, &magic, sizeof(magic), 1000 * 3600) || magic != MIG_MAGIC) {
		fprintf(stderr, "vm: receive: %s\n", magic ? "not a migration on the link" :
			"nothing came on the link");
		return -1;
	}
	const char *path = "/tmp/.vm-incoming.save";
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0)
		die("receive: '%s': %s", path, strerror(errno));
	uint64_t t0 = now_ns(), pos = 0;
	for (;;) {
		struct mig_frame f;
		if (read_full(fd, &f, sizeof(f), MIG_WAIT_MS) ||
		    (f.magic != FRAME_DATA && f.magic != FRAME_DONE) || f.len > MIG_FRAME ||
		    (f.magic == FRAME_DONE && f.zero) || f.pos != pos ||
		    read_frame_data(fd, chunk, f.len, f.zero, MIG_WAIT_MS)) {
			fprintf(stderr, "vm: receive: the link broke at byte %llu\n",
				(unsigned long long)pos);
			close(out);
			unlink(path);
			return -1;
		}
		if (f.magic == FRAME_DATA && rv_fnv1a(RV_FNV_INIT, chunk, f.len) != f.sum) {
			write_all(fd, "N", 1);
			fprintf(stderr, "vm: receive: a frame at byte %llu was damaged\n",
				(unsigned long long)pos);
			close(out);
			unlink(path);
			return -1;
		}
		if (pos == 0 && f.len >= sizeof(struct rv_save_header))
			ftruncate(out, (off_t)(((const struct rv_save_header *)chunk)->total_len +
					       sizeof(struct rv_save_trailer)));
		if (write_all(out, chunk, f.len)) {
			answer(fd, "ER cannot write the incoming file: %s", strerror(errno));
			close(out);
			unlink(path);
			return -1;
		}
		pos += f.len;
		if (f.magic == FRAME_DONE)
			break;
		write_all(fd, "A", 1);
	}
	close(out);
	struct rv_save_header h;
	long id;
	char why[160] = "";
	if (check_file(path, &h)) {
		snprintf(why, sizeof(why), "the stream arrived damaged");
		id = -1;
	} else {
		id = restore_from(path, &h, NULL);
		if (id < 0)
			snprintf(why, sizeof(why), "restore refused it (see its console)");
	}
	unlink(path);
	if (id < 0) {
		answer(fd, "ER %s", why);
		return -1;
	}
	domctl(RV_DOMCTL_unpause, (uint32_t)id, 0, 0);
	answer(fd, "OK %ld", id);
	printf("domain %ld (%s) received: %u MiB in %.2f s\n", id, h.name, h.nr_pages / 256,
	       (double)(now_ns() - t0) / 1e9);
	fflush(stdout);
	return 0;
}

static int cmd_receive(int argc, char **argv)
{
	const char *host = argc >= 1 ? argv[0] : "ttyS1";
	int once = argc >= 2 && !strcmp(argv[1], "-1");
	int fd = open_link(host);
	printf("vm: waiting for domains on %s\n", host);
	fflush(stdout);
	do {
		receive_one(fd);
	} while (!once);
	close(fd);
	return 0;
}

/* ---- top ---- */

#define TOP_MAX 64

struct sample {
	uint32_t id;
	uint64_t cpu_ns, entries;
	struct rv_domctl_exits x;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t exit_count_of(const struct rv_domctl_exits *x, const char *name)
{
	for (uint32_t i = 0; i < x->count; i++)
		if (!strcmp(x->e[i].name, name))
			return x->e[i].count;
	return 0;
}

static int cmd_top(int argc, char **argv)
{
	static struct sample prev[TOP_MAX], cur[TOP_MAX];
	int rounds = -1, nprev = 0;
	if (argc == 2 && !strcmp(argv[0], "-n"))
		rounds = atoi(argv[1]);
	else if (argc)
		die("top: usage: vm top [-n ROUNDS]  (q quits)");
	int interactive = isatty(0) && rounds < 0, stdin_done = 0;
	uint64_t t0 = now_ns();
	for (int round = 0; rounds < 0 || round <= rounds; round++) {
		struct rv_domctl_info info[TOP_MAX], one;
		int n = 0, more = 0;
		for (int id = getinfo(0, &one); id > 0; id = getinfo((uint32_t)id + 1, &one)) {
			if (n == TOP_MAX) {
				more++;
				continue;
			}
			info[n] = one;
			cur[n].id = one.domid;
			cur[n].cpu_ns = one.cpu_ns;
			cur[n].entries = one.entries;
			if (domctl(RV_DOMCTL_exits, one.domid, (uint32_t)&cur[n].x, sizeof(cur[n].x)) < 0)
				continue;       /* it went away meanwhile */
			n++;
		}
		uint64_t t1 = now_ns(), dt = t1 - t0 ? t1 - t0 : 1;
		if (round > 0) {
			if (interactive)
				printf("\033[H\033[2J");
			printf("vm top: %d domains, every %.1f s (q quits)", n, (double)dt / 1e9);
			printf(more ? " (%d more not shown)\n" : "\n", more);
			printf("%-12s %4s %-4s %6s %10s  %s\n", "Name", "ID", "Mode", "CPU%",
			       "Entries/s", "Most frequent exits per second");
			for (int i = 0; i < n; i++) {
				const struct sample *p = NULL;
				for (int j = 0; j < nprev; j++)
					if (prev[j].id == cur[i].id)
						p = &prev[j];
				double cpu = p ? (double)(cur[i].cpu_ns - p->cpu_ns) * 100.0 / (double)dt : 0;
				double eps = p ? (double)(cur[i].entries - p->entries) * 1e9 / (double)dt : 0;
				printf("%-12s %4u %-4s %6.1f %10.0f ", info[i].name, info[i].domid,
				       mode_name(info[i].mode), cpu, eps);
				/* The three causes that grew most since the last round. */
				int shown = 0;
				uint64_t last_best = UINT64_MAX;
				for (int k = 0; k < 3 && p; k++) {
					uint64_t best = 0;
					int at = -1;
					for (uint32_t e = 0; e < cur[i].x.count; e++) {
						uint64_t d = cur[i].x.e[e].count -
							     exit_count_of(&p->x, cur[i].x.e[e].name);
						if (d > best && d < last_best) {
							best = d;
							at = (int)e;
						}
					}
					if (at < 0)
						break;
					last_best = best;
					printf("%s %s %.0f", shown ? "," : "", cur[i].x.e[at].name,
					       (double)best * 1e9 / (double)dt);
					shown++;
				}
				printf("%s\n", shown ? "" : " -");
			}
			fflush(stdout);
		}
		memcpy(prev, cur, sizeof(cur));
		nprev = n;
		t0 = t1;
		if (rounds >= 0 && round == rounds)
			break;
		/* A second between rounds, by the clock (stdin may be at its end). */
		uint64_t until = now_ns() + 1000000000ull;
		while (now_ns() < until) {
			struct pollfd pf = { 0, POLLIN, 0 };
			int wait_ms = (int)((until - now_ns()) / 1000000) + 1;
			char ch;
			if (!stdin_done && poll(&pf, 1, wait_ms) > 0) {
				if (pf.revents & POLLIN && read(0, &ch, 1) == 1) {
					if (ch == 'q' || ch == 'Q')
						return 0;
					continue;
				}
				stdin_done = 1;         /* hung up or closed */
			} else if (stdin_done) {
				usleep((useconds_t)wait_ms * 1000);
			}
		}
	}
	return 0;
}

/* ---- the rest ---- */

static void usage(FILE *f)
{
	fputs("usage: vm COMMAND [ARGS]   (D: a domain's name or id)\n"
	      "  list                  every domain: mode, memory, weight, state, CPU time, entries\n"
	      "  create [-p] [-c] CFG  a domain from an xl-style config (its kernel and initrd are\n"
	      "                        read from the paths it names); -p leaves it paused, -c attaches\n"
	      "  destroy D             stop it now and free its memory\n"
	      "  pause D, unpause D    stop scheduling it, and let it go again\n"
	      "  weight D N            its scheduler weight (1-65535; default 256)\n"
	      "  memory D MiB          the most memory a pv domain may balloon up to\n"
	      "  console D             attach to its console; Ctrl-\\ detaches\n"
	      "  save D FILE           stop D and keep it in FILE (pv domains)\n"
	      "  restore [-p] [-u] FILE [NAME]  a domain from FILE, going on where it stopped\n"
	      "                        (-p paused; -u its checksum unchecked: a file edited by\n"
	      "                        hand, to test the hypervisor's own checks)\n"
	      "  snapshot D TAG        keep D's state now (it goes on); rollback D TAG returns to it\n"
	      "  clone D NAME          a second domain from D's state now, named NAME\n"
	      "  migrate D HOST        move D to the machine at the end of the serial line HOST\n"
	      "                        (e.g. ttyS1), whose Domain 0 runs vm receive\n"
	      "  receive [HOST] [-1]   take in the domains migrated over HOST (-1: one, then stop)\n"
	      "  top [-n N]            CPU share and exits per second, every second (q quits)\n"
	      "  help                  this text\n", f);
}

static int simple(const char *verb, uint32_t cmd, const char *who, uint32_t arg)
{
	struct rv_domctl_info info;
	uint32_t id = lookup(who, &info);
	long r = domctl(cmd, id, arg, 0);
	if (r < 0) {
		const char *why = strerror((int)-r);
		if (r == -RV_EALREADY)
			why = "it is not paused";
		else if (r == -RV_EINVAL && (cmd == RV_DOMCTL_pause || cmd == RV_DOMCTL_destroy))
			why = "Domain 0 cannot do that to itself";
		else if (r == -RV_EBUSY)
			why = "it holds more than that now";
		else if (r == -RV_ERANGE)
			why = "out of range";
		else if (r == -RV_EOPNOTSUPP)
			why = "only a pv domain's memory can change";
		die("%s %s (domain %u): %s", verb, info.name, id, why);
	}
	return 0;
}

static uint32_t number(const char *verb, const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v > 0xffffffffu)
		die("%s: '%s' is not a number", verb, s);
	return (uint32_t)v;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	const char *v = argv[1];
	int n = argc - 2;
	char **a = argv + 2;
	if (!strcmp(v, "list") && n == 0)
		return cmd_list();
	if (!strcmp(v, "create"))
		return cmd_create(n, a);
	if (!strcmp(v, "destroy") && n == 1)
		return simple(v, RV_DOMCTL_destroy, a[0], 0);
	if (!strcmp(v, "pause") && n == 1)
		return simple(v, RV_DOMCTL_pause, a[0], 0);
	if (!strcmp(v, "unpause") && n == 1)
		return simple(v, RV_DOMCTL_unpause, a[0], 0);
	if (!strcmp(v, "weight") && n == 2)
		return simple(v, RV_DOMCTL_set_weight, a[0], number(v, a[1]));
	if (!strcmp(v, "memory") && n == 2) {
		uint32_t mib = number(v, a[1]);
		if (mib == 0 || mib > 1024)
			die("memory: %u MiB: give 1 to 1024", mib);
		return simple(v, RV_DOMCTL_set_memory, a[0], mib * 1024);
	}
	if (!strcmp(v, "console") && n == 1) {
		struct rv_domctl_info info;
		uint32_t id = lookup(a[0], &info);
		return console_attach(id, info.name);
	}
	if (!strcmp(v, "top"))
		return cmd_top(n, a);
	if (!strcmp(v, "save") && n == 2)
		return cmd_save(a[0], a[1], 0);
	if (!strcmp(v, "restore") && n >= 1) {
		int paused = 0, k = 0;
		for (; k < n && a[k][0] == '-'; k++) {
			if (!strcmp(a[k], "-p"))
				paused = 1;
			else if (!strcmp(a[k], "-u"))
				unchecked = 1;
			else
				break;
		}
		if (n - k >= 1 && n - k <= 2 && (k == n || a[k][0] != '-'))
			return cmd_restore(a[k], n - k == 2 ? a[k + 1] : NULL, paused);
	}
	if (!strcmp(v, "snapshot") && n == 2) {
		struct rv_domctl_info info;
		char path[512];
		lookup(a[0], &info);
		snapshot_path(info.name, a[1], path, sizeof(path));
		return cmd_save(a[0], path, 1);
	}
	if (!strcmp(v, "rollback") && n == 2)
		return cmd_rollback(a[0], a[1]);
	if (!strcmp(v, "clone") && n == 2)
		return cmd_clone(a[0], a[1]);
	if (!strcmp(v, "migrate") && n == 2)
		return cmd_migrate(a[0], a[1]);
	if (!strcmp(v, "receive") && n <= 2)
		return cmd_receive(n, a);
	fprintf(stderr, "vm: '%s' with %d argument%s: unknown command\n", v, n, n == 1 ? "" : "s");
	usage(stderr);
	return 1;
}
