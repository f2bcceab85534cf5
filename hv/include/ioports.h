/*
 * Real I/O ports a domain's kernel may use itself (ioports.c): Domain 0's
 * IDE channel. They are opened in the TSS's I/O bitmap while that domain
 * runs and closed again before anything else runs, so no other domain (a
 * bt kernel in ring 1 included) ever reaches them.
 */
#ifndef HV_IOPORTS_H
#define HV_IOPORTS_H

#include "types.h"

struct domain;

/* d may use ports [first, first + count): 0, or -ENOSPC (four ranges at most). */
int ioports_grant(struct domain *d, uint16_t first, uint16_t count);
/* next is about to run (NULL: the hypervisor itself): the bitmap becomes its. */
void ioports_switch(struct domain *next);
/* d is going away: its ports are closed if they are open. */
void ioports_forget(struct domain *d);
/* Domain 0 gets the machine's primary IDE channel (option dom0_ide) and
 * its second serial port (dom0_com2, unless the console is there): their
 * ports, and their lines as its event ports EVTCHN_PORT_IDE and _SERIAL. */
void ioports_give_devices(struct domain *d);
bool ioports_ide_enabled(void);
bool ioports_com2_enabled(void);

#endif
