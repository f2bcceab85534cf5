/* Timer tick and the nanosecond clock (see time.h). */
#include "time.h"
#include "clock.h"
#include "cmdline.h"
#include "console.h"
#include "dispatch.h"
#include "errno.h"
#include "panic.h"
#include "pit.h"
#include "sched.h"
#include "printk.h"
#include "cpu.h"
#include "x86.h"
#include "rtc.h"

uint32_t timer_hz = TIMER_HZ_DEFAULT;
uint64_t wallclock_at_boot;
volatile uint64_t timer_ticks;

static struct clock_scale tsc_scale;
static uint64_t tsc_at_boot;            /* the clock's origin: time 0 */

void time_mark_boot(void)
{
	if (cpu_features.tsc)
		tsc_at_boot = rdtsc();
}
static uint32_t timer_hz_real;

static int set_timer_hz(const char *v)
{
	uint32_t hz;
	if (parse_uint(v, &hz) || hz < TIMER_HZ_MIN || hz > TIMER_HZ_MAX)
		return -EINVAL;
	timer_hz = hz;
	return 0;
}
CMDLINE_OPTION(timer_hz, "timer_hz", set_timer_hz, "an integer from 19 to 10000",
	       "periodic timer frequency in Hz (default 100)");

static void timer_interrupt(unsigned irq)
{
	timer_ticks++;
	sched_tick();
	console_tick();
}

void time_init(void)
{
	if (!cpu_features.tsc)
		panic("this CPU has no TSC: ringvisor needs it for its clock");
	uint64_t hz = pit_calibrate_tsc(50);
	if (clock_scale_init(&tsc_scale, hz))
		panic("TSC calibration failed (measured %llu Hz)", (unsigned long long)hz);
	if (!tsc_at_boot)
		tsc_at_boot = rdtsc();
	timer_hz_real = pit_start_periodic(timer_hz);
	irq_register(0, timer_interrupt, "timer (PIT)");
	uint64_t rtc = rtc_read_epoch();
	wallclock_at_boot = rtc ? rtc - time_now_ns() / 1000000000ull : 0;
	pr_info("timer: PIT at %u Hz (asked %u), TSC %llu.%03llu MHz%s, clock in ns from the TSC\n",
		timer_hz_real, timer_hz, (unsigned long long)(hz / 1000000),
		(unsigned long long)(hz / 1000 % 1000),
		cpu_features.invariant_tsc ? " (invariant)" : "");
}

uint64_t time_now_ns(void)
{
	return clock_scale_apply(&tsc_scale, rdtsc() - tsc_at_boot);
}

uint64_t time_tsc_mul(void)
{
	return tsc_scale.mult;
}

uint64_t time_tsc_hz(void)
{
	return tsc_scale.hz;
}

void time_wait_ticks(uint32_t ticks)
{
	uint64_t until = timer_ticks + ticks;
	uint32_t flags = read_eflags();
	while (timer_ticks < until)
		irq_enable_and_halt();
	write_eflags(flags);
}

void time_dump(void)
{
	uint64_t ns = time_now_ns();
	printk("time: %llu.%09llu s since boot, %llu ticks at %u Hz, TSC %llu Hz\n",
	       (unsigned long long)(ns / 1000000000ull), (unsigned long long)(ns % 1000000000ull),
	       (unsigned long long)timer_ticks, timer_hz_real, (unsigned long long)tsc_scale.hz);
}
