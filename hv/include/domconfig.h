/*
 * Domain configuration: what to boot and with how much. A domain is described
 * either by words on a multiboot module's command line
 *     kernel.elf name=web memory=16M weight=512 mode=pv cmdline="console=hvc0 quiet"
 * or by a config file in the style of Xen's xl.cfg, itself passed as a module:
 *     name = "web"
 *     kernel = "guest.elf"
 *     memory = 16          # MiB; also 16M, 4096K, 1G
 * Both are untrusted text; the parsers are pure (host unit tests drive them)
 * and refuse anything doubtful with a message naming the line or option.
 */
#ifndef HV_DOMCONFIG_H
#define HV_DOMCONFIG_H

#include "types.h"

enum dom_mode { DOM_MODE_PV = 0, DOM_MODE_BT, DOM_MODE_HW };

#define DOMCFG_NAME_MAX         32
#define DOMCFG_PATH_MAX         128
#define DOMCFG_CMDLINE_MAX      256

#define DOMCFG_MEMORY_DEFAULT_KIB (16u * 1024)
#define DOMCFG_MEMORY_MIN_KIB   128u                    /* 128 KiB: a minimal guest fits */
#define DOMCFG_MEMORY_MAX_KIB   (1024u * 1024)          /* 1 GiB */
#define DOMCFG_WEIGHT_DEFAULT   256u
#define DOMCFG_WEIGHT_MAX       65535u

struct domain_config {
	char name[DOMCFG_NAME_MAX];      /* [A-Za-z0-9_.-]+, 1..31 chars; "" = caller names it */
	char kernel[DOMCFG_PATH_MAX];    /* which module holds the kernel (matched later by the caller) */
	char initrd[DOMCFG_PATH_MAX];    /* optional; "" = none */
	char cmdline[DOMCFG_CMDLINE_MAX];/* the guest kernel's command line */
	uint32_t memory_kib;             /* default 16 MiB; 1 MiB..1 GiB, whole pages */
	enum dom_mode mode;              /* default pv */
	uint32_t weight;                 /* scheduler weight, default 256, 1..65535 */
	char disk[DOMCFG_PATH_MAX];      /* optional: the module holding its IDE disk image (hw, bt);
					  * a pv domain's: the toolstack's split disk (docs/io.md) */
	char fs[DOMCFG_PATH_MAX];        /* optional, pv: the toolstack's forwarded file tree (docs/io.md) */
	uint32_t realmode;               /* hw: 0, or the kernel is a raw image started here in real mode */
	bool patch;                      /* bt: scan-and-patch (default on); off: trap-and-emulate only */
	bool npt;                        /* hw: nested paging (default on); off: shadow paging */
	bool privileged;                 /* pv: Domain 0, may use domctl (default off) */
	/* Not parsed: the disk image itself, found among the boot modules by
	 * the caller (domain_boot.c) before the domain is built. */
	void *disk_data;
	size_t disk_size;
};

void domconfig_defaults(struct domain_config *cfg);

/*
 * xl.cfg-style text of len bytes (need not be NUL-terminated). Lines are
 * "key = value"; a value is "quoted" (no escapes: it cannot hold '"') or bare
 * (up to a blank or '#'); '#' starts a comment outside quotes; blank lines,
 * CRLF and a UTF-8 byte-order mark are fine; other control characters are
 * not. Keys: name kernel initrd cmdline memory mode weight disk realmode
 * patch npt privileged fs, each at most once (npt only with mode hw,
 * privileged only with mode pv). memory is in MiB,
 * or takes a K, M or G suffix. kernel is required.
 * Returns 0 with *cfg = defaults + the file, or -EINVAL with "line N: ..."
 * in err and *cfg untouched.
 */
int domconfig_parse_file(const char *text, size_t len, struct domain_config *cfg,
			 char *err, size_t errsize);

/*
 * Module command-line form: the first word is the kernel path, then key=value
 * words (a value may be "quoted with blanks"); the same keys except kernel,
 * the same checks. Returns 0 with *cfg = defaults + the words, or -EINVAL
 * with "option 'key': ..." in err and *cfg untouched.
 */
int domconfig_parse_words(const char *words, struct domain_config *cfg, char *err,
			  size_t errsize);

/*
 * cfg as config-file text that domconfig_parse_file reads back into the
 * same cfg (disk and realmode aside): what a save file keeps. The length,
 * or -ENOSPC when size is too small.
 */
#define DOMCFG_TEXT_MAX         1024
int domconfig_format(const struct domain_config *cfg, char *buf, size_t size);

/* Is v (n bytes) a domain name as a config's name key takes it (1 to 31 of
 * letters, digits, '_', '.', '-')? 0, or -EINVAL with the reason in msg. */
int domconfig_check_name(const char *v, size_t n, char *msg, size_t msz);

/* "pv", "bt", "hw" ("?" for anything else). */
const char *dom_mode_name(enum dom_mode m);

#endif
