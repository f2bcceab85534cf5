/*
 * An exception nobody catches in the hypervisor: it must be reported (name,
 * error code, CR2, registers, backtrace) and end in panic(). The command
 * line picks the exception (fatal=de|ud|gp|pf); the harness checks the
 * report and the panic exit status (tests.cfg).
 */
#include "testlib.h"
#include "cmdline.h"
#include "errno.h"
#include "string.h"

static char which[8];

static int set_fatal(const char *v)
{
	return parse_string(v, which, sizeof(which));
}
CMDLINE_OPTION(fatal, "fatal", set_fatal, "de, ud, gp or pf", "exception to raise");

void test_main(void)
{
	/* Recognisable register values for the dump. */
	if (!strcmp(which, "pf"))
		__asm__ volatile("movl $0xaaaa1111, %%eax\n\t"
				 "movl $0xbbbb2222, %%ebx\n\t"
				 "movl $0xdeadb000, %%ecx\n\t"
				 "movl %%eax, (%%ecx)" : : : "eax", "ebx", "ecx", "memory");
	else if (!strcmp(which, "de"))
		__asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $7, %%eax\n\txorl %%edx, %%edx\n\tdivl %%ecx"
				 : : : "eax", "ecx", "edx");
	else if (!strcmp(which, "ud"))
		__asm__ volatile("ud2");
	else if (!strcmp(which, "gp"))
		__asm__ volatile("movl $0x1238, %%eax\n\tmovl %%eax, %%ds" : : : "eax");
	test_error("no exception raised for fatal='%s'", which);
}
