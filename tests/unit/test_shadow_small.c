/*
 * test_shadow.c again, with the shadow cache's limits made tiny (4 roots,
 * 8 tracked tables, 3 uses each, 16 reverse-map entries): the random
 * invariant then runs through every eviction path (roots, table records,
 * uses, writable entries made read-only for room).
 */
#define SHADOW_LIMITS_SMALL
#include "test_shadow.c"
