/* hv/bt/shadow.c with the small limits of test_shadow_small.c */
#define SHADOW_LIMITS_SMALL
#include "../../hv/bt/shadow.c"
