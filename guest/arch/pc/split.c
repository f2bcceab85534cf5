/*
 * ringos pc port: split devices, grants and event channels (rvio.h,
 * gnttab.h, evtchn.h) are a hypervisor's; a bare PC has none. A driver
 * finds no device slot, and every call says there is no such device, so
 * the generic kernel links and behaves the same on both ports.
 */
#include "rvio.h"
#include "gnttab.h"
#include "evtchn.h"
#include <public/errno.h>

const struct rv_device *rvio_device(unsigned slot)
{
	(void)slot;
	return NULL;
}

int rvio_connect(unsigned slot, struct rvio **out)
{
	(void)slot, (void)out;
	return -RV_ENODEV;
}

int rvio_call(struct rvio *c, const void *req, void *rsp, uint32_t timeout_ms)
{
	(void)c, (void)req, (void)rsp, (void)timeout_ms;
	return -RV_ENODEV;
}

uint16_t rvio_backend(const struct rvio *c)
{
	(void)c;
	return 0;
}

uint32_t rvio_slot_waits(const struct rvio *c)
{
	(void)c;
	return 0;
}

int32_t grant_access(uint16_t domid, paddr_t frame, bool readonly)
{
	(void)domid, (void)frame, (void)readonly;
	return -RV_ENODEV;
}

int32_t grant_access_ref(uint32_t ref, uint16_t domid, paddr_t frame, bool readonly)
{
	(void)ref, (void)domid, (void)frame, (void)readonly;
	return -RV_ENODEV;
}

int32_t grant_end(uint32_t ref)
{
	(void)ref;
	return -RV_ENODEV;
}

int32_t gnttab_map(uint16_t dom, uint32_t ref, bool readonly, void **va, uint32_t *handle)
{
	(void)dom, (void)ref, (void)readonly, (void)va, (void)handle;
	return -RV_ENODEV;
}

int32_t gnttab_unmap(void *va, uint32_t handle)
{
	(void)va, (void)handle;
	return -RV_ENODEV;
}

int32_t gnttab_copy_from(uint16_t dom, uint32_t ref, uint32_t off, void *dst, uint32_t len)
{
	(void)dom, (void)ref, (void)off, (void)dst, (void)len;
	return -RV_ENODEV;
}

int32_t gnttab_copy_to(uint16_t dom, uint32_t ref, uint32_t off, const void *src, uint32_t len)
{
	(void)dom, (void)ref, (void)off, (void)src, (void)len;
	return -RV_ENODEV;
}

int32_t gnttab_copy_batch(const struct gnttab_copy_req *req, unsigned n, int32_t *status)
{
	(void)req, (void)n, (void)status;
	return -RV_ENODEV;
}

int32_t evtchn_alloc_unbound(uint16_t remote)
{
	(void)remote;
	return -RV_ENODEV;
}

int32_t evtchn_bind_interdomain(uint16_t remote, uint32_t remote_port)
{
	(void)remote, (void)remote_port;
	return -RV_ENODEV;
}

int32_t evtchn_send(uint32_t port)
{
	(void)port;
	return -RV_ENODEV;
}

int32_t evtchn_close(uint32_t port)
{
	(void)port;
	return -RV_ENODEV;
}

int evtchn_handle(uint32_t port, void (*fn)(void *arg), void *arg)
{
	(void)port, (void)fn, (void)arg;
	return -RV_ENODEV;
}
