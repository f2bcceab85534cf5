# ringos, the guest OS (docs/ringos.md). The pc port today:
#   build/ringos-pc.elf   guest/kernel + guest/arch/pc, a multiboot kernel
# It borrows the hypervisor's pure, freestanding library code (formatter,
# strings, frame pool, PAE helpers, ELF validator): the same source files,
# compiled again for the guest.

RINGOS_SHARED := hv/lib/format.c hv/lib/string.c hv/frame.c hv/arch/x86/pagetable.c hv/elf.c
RINGOS_KSRCS  := $(wildcard guest/kernel/*.c guest/kernel/*.S)
RINGOS_PC_SRCS := $(wildcard guest/arch/pc/*.c guest/arch/pc/*.S) hv/arch/x86/pic.c hv/arch/x86/pit.c
RINGOS_INC    := -iquote guest/include -iquote hv/include -iquote hv/arch/x86/include -Iinclude
RINGOS_PC_ELF := $(BUILD)/ringos-pc.elf

ringos_obj = $(patsubst %,$(BUILD)/ringos/%.o,$(basename $(1)))
RINGOS_PC_OBJS := $(call ringos_obj,$(RINGOS_SHARED) $(RINGOS_KSRCS) $(RINGOS_PC_SRCS))

$(BUILD)/ringos/%.o: %.c | check-toolchain
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(KCFLAGS) $(RINGOS_INC) -c $< -o $@
$(BUILD)/ringos/%.o: %.S | check-toolchain
	@mkdir -p $(@D)
	$(call say,AS,$@)$(CC) $(KASFLAGS) $(RINGOS_INC) -c $< -o $@

$(RINGOS_PC_ELF): $(RINGOS_PC_OBJS) guest/arch/pc/ringos.ld
	$(call say,LD,$@)$(CC) $(KLDFLAGS) -T guest/arch/pc/ringos.ld -o $@ $(RINGOS_PC_OBJS) $(KLIBGCC)

# The pv port: the same kernel, ring 1 under ringvisor.
RINGOS_PV_SRCS := $(wildcard guest/arch/pv/*.c guest/arch/pv/*.S)
RINGOS_PV_ELF  := $(BUILD)/ringos-pv.elf
RINGOS_PV_OBJS := $(call ringos_obj,$(RINGOS_SHARED) $(RINGOS_KSRCS) $(RINGOS_PV_SRCS))

$(RINGOS_PV_ELF): $(RINGOS_PV_OBJS) guest/arch/pv/ringos.ld
	$(call say,LD,$@)$(CC) $(KLDFLAGS) -T guest/arch/pv/ringos.ld -o $@ $(RINGOS_PV_OBJS) $(KLIBGCC)

-include $(RINGOS_PC_OBJS:.o=.d) $(RINGOS_PV_OBJS:.o=.d)

.PHONY: ringos
ringos: $(RINGOS_PC_ELF) $(RINGOS_PV_ELF)

# User programs: ordinary static i386 executables, built with the host gcc.
USER_SRCS := $(wildcard guest/user/*.c)
USER_BINS := $(patsubst guest/user/%.c,$(BUILD)/user/%,$(USER_SRCS))
USER_CFLAGS := -m32 -static -O2 -Wall -Wextra -Werror

$(BUILD)/user/%: guest/user/%.c | check-toolchain
	@mkdir -p $(@D)
	$(call say,USERCC,$@)$(CC) $(USER_CFLAGS) $< -o $@

# One initramfs per test program: it is /init; every program is in /bin.
INITRAMFS := $(patsubst guest/user/%.c,$(BUILD)/initramfs/%.cpio,$(USER_SRCS))

$(BUILD)/initramfs/%.cpio: $(BUILD)/user/% $(USER_BINS) guest/user/motd.txt $(MKCPIO)
	@mkdir -p $(@D)
	$(call say,CPIO,$@)$(MKCPIO) $@ $<:init guest/user/motd.txt:etc/motd \
	    $(foreach b,$(USER_BINS),$(b):bin/$(notdir $(b)))

ringos: $(USER_BINS) $(INITRAMFS)
