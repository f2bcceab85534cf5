# hw test guests: tests/hwguests/NAME/*.c + tests/hwguests/lib ->
# build/hwguests/NAME.elf, multiboot v1 kernels that the stock hypervisor
# runs as hw (SVM) domains (tests.cfg: envs = hwguest; docs/hw-tests.md).
# They use lib/ for the formatter, strings, and the 8259A/8254 helpers,
# and the TEST RESULT reporter of tests/lib; nothing of hv/.

HWG_LIB_SRCS := $(wildcard tests/hwguests/lib/*.c tests/hwguests/lib/*.S)
HWG_LIB_OBJS := $(patsubst %,$(BUILD)/%.o,$(basename $(HWG_LIB_SRCS))) $(TESTS_LIB_OBJS) \
		$(call lib_objs,format string pic pit)
HWG_NAMES    := $(sort $(filter-out lib,$(notdir $(patsubst %/,%,$(dir $(wildcard tests/hwguests/*/*.c))))))
HWG_ELFS     := $(patsubst %,$(BUILD)/hwguests/%.elf,$(HWG_NAMES))
HWG_INC      := -iquote tests/hwguests/lib -iquote tests/lib -iquote lib/include -Iinclude
HWG_LDS      := tests/hwguests/lib/hwg.ld

$(BUILD)/tests/hwguests/%.o: tests/hwguests/%.c | check-toolchain
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(KCFLAGS) $(HWG_INC) -c $< -o $@
$(BUILD)/tests/hwguests/%.o: tests/hwguests/%.S | check-toolchain
	@mkdir -p $(@D)
	$(call say,AS,$@)$(CC) $(KASFLAGS) $(HWG_INC) -c $< -o $@

hwg_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/hwguests/$(1)/*.c))
$(BUILD)/hwguests/%.elf: $$(call hwg_objs,$$*) $(HWG_LIB_OBJS) $(HWG_LDS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(KLDFLAGS) -T $(HWG_LDS) -o $@ $(filter %.o,$^) $(KLIBGCC)

.PHONY: hwguests
hwguests: $(HWG_ELFS)
test-build: $(HWG_ELFS)

-include $(wildcard $(BUILD)/tests/hwguests/*/*.d $(BUILD)/tests/hwguests/lib/*.d)

# The ide guest's disk: a 2 MiB ext2 image made by mkfs.ext2 (e2fsprogs),
# so the guest reads a superblock known from outside.
$(BUILD)/hwguests/disk.img:
	@mkdir -p $(@D)
	$(call say,MKFS,$@)rm -f $@ && mkfs.ext2 -q -F -b 1024 $@ 2048 > /dev/null
test-build: $(BUILD)/hwguests/disk.img

# The real-mode guest: a raw image linked at 0x7c00 (a boot sector's
# place), started by a config with realmode = 0x7c00 (tests/data/realmode.cfg).
$(BUILD)/hwguests/realmode.bin: tests/hwguests/realmode/realmode.S | check-toolchain
	@mkdir -p $(@D)
	$(call say,AS,$@)$(CC) -m32 -nostdlib -static -Wl,--oformat=binary -Wl,-Ttext=0x7c00 \
	    -Wl,-e,_start -o $@ $<
test-build: $(BUILD)/hwguests/realmode.bin
