/*
 * Boot flow. Called from boot.S with the multiboot magic and information,
 * paging off. Each step below needs the ones before it:
 *
 *   console -> banner -> boot info + command line -> CPU features
 *   -> frame pool -> page tables + switch region (paging on)
 *   -> GDT/IDT/TSS -> PIC, timer, clock -> console input -> idle
 */
#include "hv.h"
#include "cmdline.h"
#include "console.h"
#include "cpu.h"
#include "dispatch.h"
#include "errno.h"
#include "mm.h"
#include "panic.h"
#include "pic.h"
#include "printk.h"
#include "mode.h"
#include "sched.h"
#include "time.h"
#include "apic_timer.h"
#include "x86.h"

extern const struct cmdline_option __cmdline_opts_start[], __cmdline_opts_end[];

void cmdline_options(const struct cmdline_option **start, size_t *n)
{
	*start = __cmdline_opts_start;
	*n = (size_t)(__cmdline_opts_end - __cmdline_opts_start);
}

static int set_loglevel(const char *v)
{
	int level = v ? loglevel_parse(v) : -1;
	if (level < 0)
		return -EINVAL;
	printk_loglevel = level;
	return 0;
}
CMDLINE_OPTION(loglevel, "loglevel", set_loglevel, "0-7 or emerg..debug",
	       "console log level (default info)");

static void report_cmdline_problem(const char *msg)
{
	printk(LOG_WARNING "warning: %s\n", msg);
}

static void parse_cmdline(const char *cmdline)
{
	const struct cmdline_option *opts;
	size_t n;

	cmdline_options(&opts, &n);
	cmdline_parse(cmdline, opts, n, report_cmdline_problem);
}

void hv_start(uint32_t magic, const struct multiboot_info *mbi);
void hv_start(uint32_t magic, const struct multiboot_info *mbi)
{
	console_early_init();
	printk(LOG_NOTICE "\n");
	printk(LOG_NOTICE "%s %s: a type-1 hypervisor for 32-bit x86 (ABI %u.%u)\n", HV_NAME,
	       HV_VERSION, RV_ABI_MAJOR, RV_ABI_MINOR);

	if (multiboot_parse(magic, mbi, &boot_info))
		panic("not started by a multiboot loader (magic %#x)", magic);
	parse_cmdline(boot_info.cmdline);
	console_apply_options();

	cpu_detect();
	time_mark_boot();
	pr_info("cpu: %s %s (family %#x model %#x stepping %u)%s%s%s%s\n", cpu_features.vendor,
		cpu_features.brand, cpu_features.family, cpu_features.model,
		cpu_features.stepping, cpu_features.nx ? " nx" : "",
		cpu_features.pge ? " pge" : "", cpu_features.svm ? " svm" : "",
		cpu_features.fxsave_leak ? " fxsave-leak" : "");
	if (cpu_features.svm)
		pr_info("svm: revision %u, %u ASIDs, nested paging %s, nrip-save %s, vmcb clean bits %s, "
			"decode assists %s\n", cpu_features.svm_rev, cpu_features.svm_asids,
			cpu_features.svm_npt ? "yes" : "no", cpu_features.svm_nrips ? "yes" : "no",
			cpu_features.svm_vmcb_clean ? "yes" : "no",
			cpu_features.svm_decode_assists ? "yes" : "no");
	boot_info_print(&boot_info);

	memory_init(&boot_info);
	mm_init(&boot_info);
	cpu_load_tables();
	pic_init(VEC_IRQ_BASE);
	cpu_enable_fpu();
	time_init();
	apic_timer_init();
	modes_init(memory_ram_top());
	console_enable_input();
	irq_enable();

	if (test_main) {
		test_main();
		panic("test_main() returned without a result");
	}
	memory_mark_before_domains();
	domains_boot(&boot_info);
	pr_info("boot complete in %llu us. Console keys: 'h' for help, Ctrl-] moves the keyboard "
		"to the next domain\n", (unsigned long long)(time_now_ns() / 1000));
	idle_enter();
}
