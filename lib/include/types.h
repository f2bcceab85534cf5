/* Basic types and helpers used everywhere in the hypervisor. */
#ifndef LIB_TYPES_H
#define LIB_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint64_t paddr_t;       /* physical (machine) address */
typedef uint32_t vaddr_t;       /* hypervisor virtual address */
typedef uint32_t pfn_t;         /* physical frame number */

#define PAGE_SHIFT      12
#define PAGE_SIZE       (1u << PAGE_SHIFT)
#define PAGE_MASK       (~(PAGE_SIZE - 1))

#define KiB             (1024u)
#define MiB             (1024u * 1024u)

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)  (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b)       ((a) < (b) ? (a) : (b))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))

#define __packed        __attribute__((packed))
#define __aligned(n)    __attribute__((aligned(n)))
#define __noreturn      __attribute__((noreturn))
#define __printf(a, b)  __attribute__((format(printf, a, b)))
#define __section(s)    __attribute__((section(s)))
#define __used          __attribute__((used))
#define unlikely(x)     __builtin_expect(!!(x), 0)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

/* Compile-time layout checks (seL4's compile_assert). */
#define BUILD_ASSERT(cond, msg) _Static_assert(cond, msg)

#endif
