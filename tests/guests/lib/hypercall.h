/*
 * Typed hypercall wrappers for pv test guests, over the one int $0x82 stub
 * that ringos's pv port uses too (lib/include/pv_guest.h).
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include "pv_guest.h"
#include <public/hypercall.h>
#include <public/errno.h>
#include <public/domctl.h>
#include <public/grant_table.h>

static inline int32_t hv_console_write(const void *buf, uint32_t n)
{
	return hypercall(RV_HC_console_io, RV_CONSOLEIO_write, n, (uint32_t)buf, 0, 0);
}
static inline int32_t hv_console_read(void *buf, uint32_t n)
{
	return hypercall(RV_HC_console_io, RV_CONSOLEIO_read, n, (uint32_t)buf, 0, 0);
}
static inline int32_t hv_set_trap_table(const struct rv_trap_info *t, uint32_t n)
{
	return hypercall(RV_HC_set_trap_table, (uint32_t)t, n, 0, 0, 0);
}
static inline int32_t hv_stack_switch(uint32_t ss, uint32_t esp)
{
	return hypercall(RV_HC_stack_switch, ss, esp, 0, 0, 0);
}
static inline int32_t hv_set_callbacks(void (*event)(void), void (*failsafe)(void))
{
	return hypercall(RV_HC_set_callbacks, (uint32_t)event, (uint32_t)failsafe, 0, 0, 0);
}
static inline int32_t hv_set_timer(uint64_t deadline_ns)
{
	return hypercall(RV_HC_set_timer, (uint32_t)deadline_ns, (uint32_t)(deadline_ns >> 32), 0, 0, 0);
}
static inline int32_t hv_sched_op(uint32_t cmd, uint32_t a1, uint32_t a2)
{
	return hypercall(RV_HC_sched_op, cmd, a1, a2, 0, 0);
}
static inline int32_t hv_yield(void)
{
	return hv_sched_op(RV_SCHEDOP_yield, 0, 0);
}
static inline int32_t hv_block(void)
{
	return hv_sched_op(RV_SCHEDOP_block, 0, 0);
}
static inline int32_t hv_shutdown(uint32_t reason, uint32_t code)
{
	return hv_sched_op(RV_SCHEDOP_shutdown, reason, code);
}
static inline int32_t hv_fpu_taskswitch(uint32_t set)
{
	return hypercall(RV_HC_fpu_taskswitch, set, 0, 0, 0, 0);
}
static inline int32_t hv_update_descriptor(uint32_t slot, uint64_t desc)
{
	return hypercall(RV_HC_update_descriptor, slot, (uint32_t)desc, (uint32_t)(desc >> 32), 0, 0);
}
static inline int32_t hv_version(uint32_t cmd)
{
	return hypercall(RV_HC_version, cmd, 0, 0, 0, 0);
}
static inline int32_t hv_multicall(struct rv_multicall_entry *calls, uint32_t n)
{
	return hypercall(RV_HC_multicall, (uint32_t)calls, n, 0, 0, 0);
}
static inline int32_t hv_evtchn_op(uint32_t cmd, uint32_t a1, uint32_t a2)
{
	return hypercall(RV_HC_event_channel_op, cmd, a1, a2, 0, 0);
}

static inline int32_t hv_mmu_update(const struct rv_mmu_update *req, uint32_t n, uint32_t *done)
{
	return hypercall(RV_HC_mmu_update, (uint32_t)req, n, (uint32_t)done, 0, 0);
}
static inline int32_t hv_mmuext_op(const struct rv_mmuext_op *op, uint32_t n, uint32_t *done)
{
	return hypercall(RV_HC_mmuext_op, (uint32_t)op, n, (uint32_t)done, 0, 0);
}
static inline int32_t hv_mmuext(uint32_t cmd, uint32_t arg1)
{
	struct rv_mmuext_op op = { cmd, arg1, 0, 0 };
	return hv_mmuext_op(&op, 1, 0);
}
static inline int32_t hv_update_va_mapping(uint32_t va, uint64_t pte, uint32_t flags)
{
	return hypercall(RV_HC_update_va_mapping, va, (uint32_t)pte, (uint32_t)(pte >> 32), flags, 0);
}
static inline int32_t hv_memory_op(uint32_t cmd, struct rv_memory_reservation *r)
{
	return hypercall(RV_HC_memory_op, cmd, (uint32_t)r, 0, 0, 0);
}

static inline int32_t hv_domctl(uint32_t cmd, uint32_t a1, uint32_t a2, uint32_t a3)
{
	return hypercall(RV_HC_domctl, cmd, a1, a2, a3, 0);
}

static inline int32_t hv_grant_table_op(uint32_t cmd, void *ops, uint32_t count)
{
	return hypercall(RV_HC_grant_table_op, cmd, (uint32_t)ops, count, 0, 0);
}

#endif
