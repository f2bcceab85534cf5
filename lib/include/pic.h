/* 8259A programmable interrupt controllers (master + slave). */
#ifndef LIB_PIC_H
#define LIB_PIC_H

#include "types.h"

/* Remap IRQ 0-15 to vectors base..base+15 and mask them all. */
void pic_init(uint8_t base);
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
void pic_eoi(unsigned irq);
/* True if IRQ 7/15 was spurious (not in service): then send no EOI for it. */
bool pic_is_spurious(unsigned irq);

#endif
