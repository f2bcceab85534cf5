# Tests: host unit tests (mk/unit.mk) and test kernels (tests/kernels/NAME/).
#
# A test kernel in the "hv" environment is the hypervisor linked with the
# test's own C files and tests/kernels/lib: its test_main() runs once the
# hypervisor is up (see hv/include/hv.h). The list of tests, with their
# environments, groups and timeouts, is tests/tests.cfg.

-include mk/unit.mk
-include mk/ringos-host.mk

# tests/lib: the TEST RESULT reporter of test kernels and test guests alike.
TESTS_LIB_SRCS := $(wildcard tests/lib/*.c)
TESTS_LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TESTS_LIB_SRCS))

$(BUILD)/tests/lib/%.o: tests/lib/%.c | check-toolchain
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(KCFLAGS) -iquote tests/lib $(LIB_INC) -c $< -o $@

TK_LIB_SRCS := $(wildcard tests/kernels/lib/*.c)
TK_LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TK_LIB_SRCS)) $(TESTS_LIB_OBJS)
TK_NAMES    := $(filter-out lib,$(notdir $(patsubst %/,%,$(dir $(wildcard tests/kernels/*/*.c)))))
TK_NAMES    := $(sort $(TK_NAMES))
TK_ELFS     := $(patsubst %,$(BUILD)/tests/%.elf,$(TK_NAMES))
# Test kernels may look inside a technique (hv/pv/ for its private headers).
TK_INC      := $(HV_INC) -iquote hv/pv -iquote tests/kernels/lib -iquote tests/lib

$(BUILD)/tests/kernels/%.o: tests/kernels/%.c | check-toolchain
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(KCFLAGS) $(TK_INC) -c $< -o $@

# build/tests/NAME.elf <- tests/kernels/NAME/*.c + test lib + hypervisor.
# (A function, because a literal % in a pattern rule's prerequisites would
# be replaced by the stem.)
tk_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/kernels/$(1)/*.c))
.SECONDEXPANSION:
$(BUILD)/tests/%.elf: $$(call tk_objs,$$*) $(TK_LIB_OBJS) $(HV_OBJS) $(HV_LDS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(KLDFLAGS) -T $(HV_LDS) -o $@ $(filter %.o,$^) $(KLIBGCC)

-include $(patsubst %.o,%.d,$(wildcard $(BUILD)/tests/kernels/*/*.o $(BUILD)/tests/kernels/lib/*.o $(BUILD)/tests/lib/*.o))

include mk/guests.mk

.PHONY: test-build
test-build: $(HV_ELF) $(TK_ELFS) $(GUEST_ELFS) $(UNIT_TESTS) ringos
