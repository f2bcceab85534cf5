/* printf-style formatting into a buffer (no I/O): used by printk and tests. */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include "types.h"

/*
 * C99 semantics: writes at most size bytes including the terminating NUL and
 * returns the length the full output would have had. Supports the flags
 * "-+ #0", width and precision (also "*"), the length modifiers hh h l ll z t j,
 * and the conversions d i u x X o c s p %. Unknown conversions are copied
 * through literally so that a bad format never crashes the hypervisor.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
