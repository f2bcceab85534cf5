# The hypervisor: every C and assembly file under hv/, and lib/ (mk/lib.mk),
# become hv.elf. Test kernels (mk/tests.mk) link the same objects with a
# test's own code.

# Every folder of hv/ joins by being there: a technique (hv/pv/, hv/bt/,
# hv/hw/) or device models (hv/vdev/) need no change here.
HV_SRCS_C := $(filter-out hv/arch/x86/asm-offsets.c,$(sort $(wildcard hv/*.c hv/*/*.c hv/arch/x86/*.c)))
HV_SRCS_S := $(sort $(wildcard hv/arch/x86/*.S))
HV_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(HV_SRCS_C)) $(patsubst %.S,$(BUILD)/%.o,$(HV_SRCS_S)) \
             $(LIB_FOR_HV)
HV_LDS    := hv/arch/x86/hv.ld
HV_ELF    := $(BUILD)/hv/hv.elf
HV_INC    := -iquote hv/include -iquote hv/arch/x86/include -iquote lib/include -iquote $(BUILD)/include -Iinclude
ASM_OFFSETS := $(BUILD)/include/asm-offsets.h

$(BUILD)/hv/%.o: hv/%.c | check-toolchain
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(KCFLAGS) $(HV_INC) -c $< -o $@

$(BUILD)/hv/%.o: hv/%.S $(ASM_OFFSETS) | check-toolchain
	@mkdir -p $(@D)
	$(call say,AS,$@)$(CC) $(KASFLAGS) $(HV_INC) -c $< -o $@

# Structure offsets for assembly, generated from the C structs.
$(ASM_OFFSETS): hv/arch/x86/asm-offsets.c hv/arch/x86/include/cpu.h hv/arch/x86/include/switch.h | check-toolchain
	@mkdir -p $(@D)
	$(call say,GEN,$@)$(CC) $(KCFLAGS) $(HV_INC) -S $< -o $(BUILD)/asm-offsets.s
	@{ echo "/* generated from hv/arch/x86/asm-offsets.c: do not edit */"; \
	   echo "#ifndef ASM_OFFSETS_H"; echo "#define ASM_OFFSETS_H"; \
	   sed -n 's/.*->\([A-Z_0-9]*\) \$$\{0,1\}\([0-9]*\).*/#define \1 \2/p' $(BUILD)/asm-offsets.s; \
	   echo "#endif"; } > $@

$(HV_ELF): $(HV_OBJS) $(HV_LDS)
	$(call say,LD,$@)$(CC) $(KLDFLAGS) -T $(HV_LDS) -o $@ $(HV_OBJS) $(KLIBGCC)

-include $(HV_OBJS:.o=.d)
