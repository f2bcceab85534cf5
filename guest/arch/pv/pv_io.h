/* ringos pv port: what arch.c, io.c and gnttab.c tell each other (Domain 0's
 * IDE channel, the machine frames behind our memory). */
#ifndef RINGOS_PV_IO_H
#define RINGOS_PV_IO_H

#include "types.h"

/* The hypervisor gave us the IDE channel (start_info.ide_irq_port). */
bool pv_has_ide(void);
/* Its event port fired: the driver's interrupt handler, if attached. */
void pv_ide_interrupt(void);
/* The same for the second serial port (start_info.serial_irq_port). */
bool pv_has_serial(void);
void pv_serial_interrupt(void);

/* The event upcall found these ports pending (bit i: port first + i):
 * the dynamic ones go to their handlers (evtchn.c). */
void pv_evtchn_dispatch(unsigned first, uint32_t bits);

/* The start-info page (its device table: rvio.c). */
struct rv_start_info;
const struct rv_start_info *pv_start_info(void);

/* The machine frame behind our physical address pa (the p2m). */
uint32_t pv_mfn_of(paddr_t pa);

#endif
