# Host unit tests (cmocka): the pure C files of lib/ and the hypervisor
# compiled for the host.
#
# One binary per tests/unit/test_<name>.c, linked with the lib and hv sources
# it tests (unit_src_<name>). Host objects live under $(BUILD)/unit/obj/, apart
# from the 32-bit objects under $(BUILD)/lib/ and $(BUILD)/hv/. Every lib and
# hv file is compiled with snprintf/vsnprintf renamed so that ours and the host
# libc's (the oracle in test_format) coexist in one binary; cmdline.c calls the
# renamed one too. lib files see lib/include only.

UNIT_DIR   := $(BUILD)/unit
UNIT_OBJ   := $(UNIT_DIR)/obj
UNIT_NAMES := savefile vsave format cmdline frame pagetable clock elf domconfig pagetype pagetype_preempt pagetype_random runq rtc console_line console_forgery console_ring vdev decode vpit vpic vrtc vuart vpost vpci vkbd vlapic vioapic pctables vide emulate vacpipm bzimage vdev_fuzz btscan shadow shadow_small btpatch btvcpu fwd ring grant chan_front
UNIT_TESTS := $(addprefix $(UNIT_DIR)/test_,$(UNIT_NAMES))

UNIT_INC    := -iquote hv/include -iquote hv/arch/x86/include -iquote hv/pv -iquote lib/include -Iinclude \
               -iquote tests/unit
UNIT_RENAME := -Dvsnprintf=rv_vsnprintf -Dsnprintf=rv_snprintf

unit_src_savefile  := lib/savefile.c
unit_src_vsave     := hv/vdev/save.c hv/vdev/pic.c hv/vdev/pit.c hv/vdev/rtc.c hv/vdev/uart.c hv/vdev/kbd.c \
                      hv/vdev/lapic.c hv/vdev/ioapic.c hv/vdev.c lib/rtc.c
unit_src_format    := lib/format.c
unit_src_cmdline   := hv/cmdline.c lib/format.c
unit_src_frame     := lib/frame.c
unit_src_pagetable := lib/pagetable.c
unit_src_clock     := lib/clock.c
unit_src_elf       := lib/elf.c lib/format.c
unit_src_domconfig := hv/domconfig.c hv/cmdline.c lib/format.c
unit_src_pagetype  := hv/pv/pagetype.c tests/unit/pagetype_fixture.c
unit_src_pagetype_preempt := $(unit_src_pagetype)
unit_src_pagetype_random  := $(unit_src_pagetype)
unit_src_runq      := hv/runq.c
unit_src_vdev      := hv/vdev.c
unit_src_vpit      := hv/vdev/pit.c hv/vdev.c
unit_src_vpic      := hv/vdev/pic.c hv/vdev.c
unit_src_vrtc      := hv/vdev/rtc.c hv/vdev.c
unit_src_vuart     := hv/vdev/uart.c hv/vdev.c
unit_src_vpost     := hv/vdev/post.c hv/vdev.c
unit_src_vpci      := hv/vdev/pci.c hv/vdev.c
unit_src_vkbd      := hv/vdev/kbd.c hv/vdev.c
unit_src_vlapic    := hv/vdev/lapic.c hv/vdev.c
unit_src_vioapic   := hv/vdev/ioapic.c hv/vdev/lapic.c hv/vdev.c
unit_src_pctables  := hv/vdev/pctables.c
unit_src_vacpipm   := hv/vdev/acpipm.c hv/vdev.c
unit_src_vide      := hv/vdev/ide.c hv/vdev.c
unit_src_vdev_fuzz := hv/vdev/pic.c hv/vdev/pit.c hv/vdev/rtc.c hv/vdev/uart.c hv/vdev/kbd.c hv/vdev/pci.c \
                      hv/vdev/post.c hv/vdev/lapic.c hv/vdev/ioapic.c hv/vdev/acpipm.c hv/vdev/ide.c hv/vdev.c lib/rtc.c
unit_src_rtc       := lib/rtc.c
unit_src_console_line := hv/console_line.c tests/unit/console_line_fixture.c tests/unit/term_model.c
unit_src_console_forgery := $(unit_src_console_line)
unit_src_console_ring := hv/console_ring.c
unit_src_ring      :=
unit_src_grant     := lib/grant.c
unit_src_chan_front := lib/chan_front.c
unit_src_decode    := lib/decode.c
unit_src_bzimage   := hv/loader/bzimage.c lib/format.c
unit_libs_decode   := -lcapstone   # the oracle (libcapstone-dev)
unit_src_emulate   := hv/emul/emulate.c hv/emul/strings.c hv/emul/alu.c lib/decode.c
unit_src_btscan    := hv/bt/scan.c lib/decode.c
unit_libs_btscan   := -lcapstone   # the oracle for the random blocks
unit_src_shadow    := hv/bt/shadow.c hv/bt/shadow_sync.c lib/pagetable.c lib/format.c
# ... and again with the cache's limits tiny, so that every eviction runs.
unit_src_shadow_small := tests/unit/shadow_small.c tests/unit/shadow_sync_small.c lib/pagetable.c lib/format.c
unit_src_btpatch   := hv/bt/patch.c hv/bt/scan.c lib/decode.c
# The patch cache's tests exercise its limits: built with small ones.
BTPATCH_LIMITS     := -DBT_PATCH_PAGES=16 -DBT_PATCH_BLOCKS=32 -DBT_PATCH_SITES=64
$(UNIT_OBJ)/hv/bt/patch.o $(UNIT_OBJ)/tests/unit/test_btpatch.o: HOSTCFLAGS += $(BTPATCH_LIMITS)
# System-call forwarding: the server core on a real temporary tree, the
# host kernel's own calls (openat2 RESOLVE_IN_ROOT) its oracle.
unit_src_fwd       := lib/fwd_server.c lib/fwd_client.c
unit_src_btvcpu    := hv/bt/vcpu.c hv/bt/vcpu_desc.c hv/bt/vcpu_branch.c lib/decode.c

unit_objs = $(UNIT_OBJ)/tests/unit/test_$(1).o $(patsubst %.c,$(UNIT_OBJ)/%.o,$(unit_src_$(1)))
UNIT_OBJS := $(sort $(foreach t,$(UNIT_NAMES),$(call unit_objs,$(t))))

$(UNIT_OBJ)/hv/%.o: hv/%.c
	@mkdir -p $(@D)
	$(call say,HOSTCC,$@)$(HOSTCC) $(HOSTCFLAGS) $(UNIT_INC) $(UNIT_RENAME) -c $< -o $@

$(UNIT_OBJ)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(call say,HOSTCC,$@)$(HOSTCC) $(HOSTCFLAGS) $(LIB_INC) $(UNIT_RENAME) -c $< -o $@

$(UNIT_OBJ)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(call say,HOSTCC,$@)$(HOSTCC) $(HOSTCFLAGS) $(UNIT_INC) -c $< -o $@

define unit_test_rule
$(UNIT_DIR)/test_$(1): $(call unit_objs,$(1))
	$$(call say,HOSTLD,$$@)$$(HOSTCC) $$(HOSTCFLAGS) -o $$@ $$^ $$(unit_libs_$(1)) $$(HOSTLDLIBS)
endef
$(foreach t,$(UNIT_NAMES),$(eval $(call unit_test_rule,$(t))))

# test_bzimage reads Debian's kernel, fetched by tools/setup.sh (mk/linux.mk).
$(UNIT_DIR)/test_bzimage: | $(BUILD)/linux/vmlinuz

.PHONY: unit-build
unit-build: $(UNIT_TESTS)

-include $(UNIT_OBJS:.o=.d)
