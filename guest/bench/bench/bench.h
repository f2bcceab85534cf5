/*
 * The benchmarks of guest/bench/bench.c (its /init harness) and the table
 * it runs them from; each benchmark is in guest/bench/bench/benchmarks.c.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#define PAGE            4096u
#define STAT_PATH       "/bin/bench_exit"       /* a file in the initramfs */
#define OPEN_PATH       "/etc/bench.conf"
#define EXEC_PATH       "/bin/bench_exit"       /* exits at once (bench_exit.c) */
#define MMAP_BYTES      (1024u * 1024u)
#define PF_ROUND_PAGES  2048                    /* 8 MiB of fresh pages a round */
/* fork_exec's execs in all. Under QEMU's software CPU the first write to a
 * frame that last held code QEMU translated is slow (it throws that code
 * away): about 170 us a page on the machine this was written on. ringos
 * hands out frames next-fit, going round all of memory, so once the execs
 * have gone round once every exec loads into such frames and costs some
 * 4 times as much (docs/performance.md). 90 execs of the 740 KB bench_exit
 * stay within one round of a 96 MiB domain, so every trial measures the
 * same thing natively and under ringvisor; and it comes after every
 * benchmark that allocates, which would otherwise meet those frames. */
#define EXEC_BUDGET     90

struct bench {
	const char *name;
	const char *what;               /* what one operation is */
	int ops_per_iter;               /* operations per iteration */
	long round_max;                 /* most iterations between pre and post (0: any) */
	long budget;                    /* most iterations in all, calibration too (0: any) */
	int (*init)(void);              /* once, before the trials */
	int (*pre)(long n);             /* before each round, untimed */
	int (*run)(long n);             /* the timed part: n iterations */
	int (*post)(long n);            /* after each round, untimed */
	void (*fini)(void);             /* once, after the trials */
};

/* In this order: fork_exec, the only one that runs new code, comes last
 * but the control (see EXEC_BUDGET). */
#define NBENCH 12
extern const struct bench benches[NBENCH];

/* page_fault's run, and where its pages come from (1: the heap, grown by
 * brk; 0: mmap), which the harness reports with its result. */
int b_page_fault(long n);
extern int pf_use_brk;

/* Why the current benchmark failed (the harness prints it). */
void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...);

#endif
