/* Guest kernels for the hypervisor: lib's ELF32 loader (elf32.h) with the
 * hypervisor's limit, the switch region. */
#ifndef HV_ELF_H
#define HV_ELF_H

#include "elf32.h"
#include <public/ringvisor.h>

/* An ET_EXEC image whose segments end at or below RV_GUEST_VIRT_END. */
static inline int elf_parse(const void *data, size_t size, struct elf_image *img, char *err,
			    size_t errsize)
{
	static const struct elf_limits guest_kernel = {
		.virt_end = RV_GUEST_VIRT_END,
		.virt_end_is = "the hypervisor's switch region starts",
	};
	return elf_parse_limits(data, size, &guest_kernel, img, err, errsize);
}

#endif
