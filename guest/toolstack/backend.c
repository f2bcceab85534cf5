/* What Domain 0's split-device backends share (backend.h; docs/io.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <public/domctl.h>
#include <public/start_info.h>
#include "backend.h"
#include "uapi/rvctl.h"

int backend_parse(char *spec, const char *def_name, struct backend *b, char *why, size_t n)
{
	char *name = strchr(spec, ','), *mode = NULL;

	if (name) {
		*name++ = 0;
		if ((mode = strchr(name, ',')))
			*mode++ = 0;
	}
	b->path = spec;
	b->name = name && *name ? name : def_name;
	b->readonly = false;
	if (!*spec) {
		snprintf(why, n, "no path");
		return -1;
	}
	if (strlen(b->name) >= sizeof(((struct rv_device *)0)->name)) {
		snprintf(why, n, "name '%.40s': longer than %zu characters", b->name,
			 sizeof(((struct rv_device *)0)->name) - 1);
		return -1;
	}
	if (mode && strcmp(mode, "w")) {
		if (strcmp(mode, "r")) {
			snprintf(why, n, "mode '%s': r (read-only) or w (read-write)", mode);
			return -1;
		}
		b->readonly = true;
	}
	return 0;
}

int backend_get(struct backend *b, void *req128)
{
	struct rvctl_chan_get g = { .chan = b->chan, .timeout_ms = 1000 };
	if (ioctl(b->ctl, RVCTL_CHAN_GET, &g) < 0)
		return -errno;
	memcpy(req128, g.req, sizeof(g.req));
	return 0;
}

int backend_put(struct backend *b, const void *rsp128)
{
	struct rvctl_chan_put p = { .chan = b->chan };
	memcpy(p.rsp, rsp128, sizeof(p.rsp));
	return ioctl(b->ctl, RVCTL_CHAN_PUT, &p) < 0 ? -errno : 0;
}

bool backend_domain_alive(const struct backend *b)
{
	struct rv_domctl_info info;
	struct rvctl_domctl d = { RV_DOMCTL_getinfo, { b->domid, (uint32_t)&info, sizeof(info) } };
	long id = ioctl(b->ctl, RVCTL_DOMCTL, &d);
	return id == (long)b->domid &&
	       (info.state == RV_DOMSTATE_running || info.state == RV_DOMSTATE_blocked ||
		info.state == RV_DOMSTATE_paused);
}

int backend_copy(struct backend *b, struct rvctl_copy *c)
{
	return ioctl(b->ctl, RVCTL_GNT_COPY, c) < 0 ? -errno : 0;
}

void backend_log(const struct backend *b, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "vm-back[%s]: ", b->tag);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
