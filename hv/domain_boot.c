/*
 * The domains described at boot. Each multiboot module is one of:
 *   - a guest kernel (ELF, or a Linux bzImage for a hw domain): a domain,
 *     configured by the words of the module's command line
 *     ("guest.elf name=web memory=16M weight=512");
 *   - a domain config file (xl.cfg style, docs/ARCHITECTURE.md), recognised by
 *     a path ending in ".cfg", naming its kernel and initrd modules by path or
 *     file name;
 *   - data another domain refers to (an initrd).
 * A domain that cannot be built is refused with its reason; the others boot.
 */
#include "hv.h"
#include "domain.h"
#include "bzimage.h"
#include "domconfig.h"
#include "format.h"
#include "mm.h"
#include "printk.h"
#include "mode.h"
#include "sched.h"
#include "string.h"

static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

static const void *module_data(const struct boot_module *m)
{
	return phys_to_virt(m->start);
}

static size_t module_size(const struct boot_module *m)
{
	return (size_t)(m->end - m->start);
}

static bool is_elf(const struct boot_module *m)
{
	return module_size(m) >= 4 && !memcmp(module_data(m), elf_magic, 4);
}

/* An ELF file, or a Linux bzImage (a kernel for a hw domain). */
static bool is_kernel(const struct boot_module *m)
{
	return is_elf(m) || bzimage_is(module_data(m), module_size(m));
}

/* The module's path: the first word of its command line. */
static void module_path(const struct boot_module *m, char *buf, size_t n)
{
	size_t i = 0;
	const char *s = m->cmdline;
	while (*s == ' ')
		s++;
	while (s[i] && s[i] != ' ' && i + 1 < n) {
		buf[i] = s[i];
		i++;
	}
	buf[i] = '\0';
}

static const char *basename_of(const char *p)
{
	const char *slash = strchr(p, '/');
	while (slash) {
		p = slash + 1;
		slash = strchr(p, '/');
	}
	return p;
}

/* The module a config names: by exact path, else by file name. */
static int find_module(const struct boot_info *bi, const char *name)
{
	char path[DOMCFG_PATH_MAX];
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < bi->nmodules; i++) {
			module_path(&bi->modules[i], path, sizeof(path));
			if (pass == 0 ? !strcmp(path, name) :
			    !strcmp(basename_of(path), basename_of(name)))
				return (int)i;
		}
	}
	return -1;
}

/* A disk image is one domain's: the guest writes it. */
static bool disk_taken[BOOT_MAX_MODULES];
/* A module some domain took as its initrd is data, even an ELF file (Domain
 * 0 may hold kernels to create domains from): not a domain of its own. */
static bool initrd_taken[BOOT_MAX_MODULES];

/* The disk module cfg names, into cfg: 0, or nonzero with the reason told. */
static int find_disk(const struct boot_info *bi, struct domain_config *cfg, const char *source)
{
	if (!cfg->disk[0])
		return 0;
	int m = find_module(bi, cfg->disk);
	const char *why = NULL;
	if (cfg->mode == DOM_MODE_PV)
		why = ": only hw and bt domains have an emulated disk";
	else if (m < 0)
		why = " is not among the modules";
	else if (disk_taken[m])
		why = " is another domain's disk already";
	else if (module_size(&bi->modules[m]) < 512 || module_size(&bi->modules[m]) % 512)
		why = " is not a whole number of 512-byte sectors";
	if (why) {
		pr_err("domain '%s' (%s): disk '%s'%s: refused\n", cfg->name, source, cfg->disk, why);
		return -1;
	}
	disk_taken[m] = true;
	cfg->disk_data = (void *)module_data(&bi->modules[m]);
	cfg->disk_size = module_size(&bi->modules[m]);
	return 0;
}

static void build_one(const struct boot_info *bi, struct domain_config *cfg, int kmod,
		      const char *source)
{
	char err[160];
	const void *initrd = NULL;
	size_t initrd_size = 0;

	if (!mode_find(cfg->mode)) {
		pr_err("domain '%s' (%s): mode %s is not available yet: refused\n", cfg->name, source,
		       dom_mode_name(cfg->mode));
		return;
	}
	if (cfg->initrd[0]) {
		int im = find_module(bi, cfg->initrd);
		if (im < 0) {
			pr_err("domain '%s' (%s): initrd '%s' is not among the modules: refused\n",
			       cfg->name, source, cfg->initrd);
			return;
		}
		initrd = module_data(&bi->modules[im]);
		initrd_taken[im] = true;
		initrd_size = module_size(&bi->modules[im]);
	}
	if (find_disk(bi, cfg, source))
		return;
	if (cfg->fs[0]) {
		pr_err("domain '%s' (%s): fs '%s': a forwarded file tree is served by Domain 0's "
		       "toolstack (vm create): refused\n", cfg->name, source, cfg->fs);
		return;
	}
	if (cfg->realmode && cfg->mode != DOM_MODE_HW) {
		pr_err("domain '%s' (%s): realmode: only a hw domain starts in real mode: refused\n",
		       cfg->name, source);
		return;
	}
	if (cfg->privileged && domain_privileged()) {
		pr_err("domain '%s' (%s): privileged: Domain 0 is '%s' already: refused\n", cfg->name,
		       source, domain_privileged()->name);
		return;
	}
	struct domain *d = domain_alloc(cfg->name);
	if (!d) {
		pr_err("domain '%s' (%s): no free domain slot or memory: refused\n", cfg->name, source);
		return;
	}
	const struct boot_module *km = &bi->modules[kmod];
	if (domain_build(d, cfg, module_data(km), module_size(km), initrd, initrd_size, err,
			 sizeof(err))) {
		pr_err("domain '%s' (%s): %s: refused\n", d->name, source, err);
		domain_destroy(d);
		return;
	}
	sched_start(d);
}

/* Domain 0 (privileged = 1) is built first, whichever module describes it;
 * each module is parsed in both passes and built in its own. A parse error
 * is told once, in the second pass. */
unsigned domains_boot(const struct boot_info *bi)
{
	bool used_as_kernel[BOOT_MAX_MODULES] = { false };
	struct domain_config cfg;
	char err[160], source[48];

	for (int pass = 0; pass < 2; pass++) {
		bool want_privileged = pass == 0;
		/* Config files first: they claim their kernel modules. */
		for (size_t i = 0; i < bi->nmodules; i++) {
			const struct boot_module *m = &bi->modules[i];
			char path[DOMCFG_PATH_MAX];
			module_path(m, path, sizeof(path));
			size_t len = strlen(path);
			if (len < 4 || strcmp(path + len - 4, ".cfg"))
				continue;       /* data for some domain (an initrd), or a kernel */
			snprintf(source, sizeof(source), "config %s", basename_of(path));
			domconfig_defaults(&cfg);
			if (domconfig_parse_file(module_data(m), module_size(m), &cfg, err, sizeof(err))) {
				if (pass)
					pr_err("domain (%s): %s: refused\n", source, err);
				continue;
			}
			int k = find_module(bi, cfg.kernel);
			if (k >= 0 && cfg.privileged != want_privileged) {
				used_as_kernel[k] = true;       /* its pass builds it */
				continue;
			}
			/* realmode = : the kernel is a raw image (a boot sector). */
			if (k < 0 || (!cfg.realmode && !is_kernel(&bi->modules[k]))) {
				if (cfg.privileged == want_privileged)
					pr_err("domain '%s' (%s): kernel '%s' is %s: refused\n", cfg.name,
					       source, cfg.kernel, k < 0 ? "not among the modules" :
					       "neither an ELF file nor a Linux bzImage");
				continue;
			}
			used_as_kernel[k] = true;
			build_one(bi, &cfg, k, source);
		}
		for (size_t i = 0; i < bi->nmodules; i++) {
			const struct boot_module *m = &bi->modules[i];
			if (!is_kernel(m) || used_as_kernel[i] || initrd_taken[i])
				continue;
			snprintf(source, sizeof(source), "module %zu", i);
			domconfig_defaults(&cfg);
			if (domconfig_parse_words(m->cmdline, &cfg, err, sizeof(err))) {
				if (pass)
					pr_err("domain (%s): %s: refused\n", source, err);
				continue;
			}
			if (cfg.privileged == want_privileged)
				build_one(bi, &cfg, (int)i, source);
		}
	}
	unsigned n = domain_count_alive();
	pr_info("%u domain%s ready\n", n, n == 1 ? "" : "s");
	return n;
}
