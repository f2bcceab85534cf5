# Host unit tests (cmocka): the hypervisor's pure C files compiled for the host.
#
# One binary per tests/unit/test_<name>.c, linked with the hv sources it tests
# (unit_src_<name>). Host objects live under $(BUILD)/unit/obj/, apart from the
# 32-bit hypervisor objects under $(BUILD)/hv/. Every hv file is compiled with
# snprintf/vsnprintf renamed so that ours and the host libc's (the oracle in
# test_format) coexist in one binary; cmdline.c calls the renamed one too.

UNIT_DIR   := $(BUILD)/unit
UNIT_OBJ   := $(UNIT_DIR)/obj
UNIT_NAMES := format cmdline frame pagetable clock elf domconfig pagetype runq rtc console_line console_ring vdev
UNIT_TESTS := $(addprefix $(UNIT_DIR)/test_,$(UNIT_NAMES))

UNIT_INC    := -iquote hv/include -iquote hv/arch/x86/include -Iinclude -iquote tests/unit
UNIT_RENAME := -Dvsnprintf=rv_vsnprintf -Dsnprintf=rv_snprintf

unit_src_format    := hv/lib/format.c
unit_src_cmdline   := hv/cmdline.c hv/lib/format.c
unit_src_frame     := hv/frame.c
unit_src_pagetable := hv/arch/x86/pagetable.c
unit_src_clock     := hv/clock.c
unit_src_elf       := hv/elf.c hv/lib/format.c
unit_src_domconfig := hv/domconfig.c hv/cmdline.c hv/lib/format.c
unit_src_pagetype  := hv/pv/pagetype.c
unit_src_runq      := hv/runq.c
unit_src_vdev      := hv/vdev.c
unit_src_rtc       := hv/arch/x86/rtc.c
unit_src_console_line := hv/console_line.c
unit_src_console_ring := hv/console_ring.c

unit_objs = $(UNIT_OBJ)/tests/unit/test_$(1).o $(patsubst %.c,$(UNIT_OBJ)/%.o,$(unit_src_$(1)))
UNIT_OBJS := $(sort $(foreach t,$(UNIT_NAMES),$(call unit_objs,$(t))))

$(UNIT_OBJ)/hv/%.o: hv/%.c
	@mkdir -p $(@D)
	$(call say,HOSTCC,$@)$(HOSTCC) $(HOSTCFLAGS) $(UNIT_INC) $(UNIT_RENAME) -c $< -o $@

$(UNIT_OBJ)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(call say,HOSTCC,$@)$(HOSTCC) $(HOSTCFLAGS) $(UNIT_INC) -c $< -o $@

define unit_test_rule
$(UNIT_DIR)/test_$(1): $(call unit_objs,$(1))
	$$(call say,HOSTLD,$$@)$$(HOSTCC) $$(HOSTCFLAGS) -o $$@ $$^ $$(HOSTLDLIBS)
endef
$(foreach t,$(UNIT_NAMES),$(eval $(call unit_test_rule,$(t))))

.PHONY: unit-build
unit-build: $(UNIT_TESTS)

-include $(UNIT_OBJS:.o=.d)
