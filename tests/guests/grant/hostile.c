#include "grant_test.h"
void hostile_main(void) { test_error("todo"); }
void accomplice_main(void) { test_error("todo"); }
