# pv test guests: tests/guests/NAME/*.c + tests/guests/lib -> build/guests/NAME.elf,
# loaded as a module by the stock hypervisor (tests.cfg: envs = pv). The guest
# library uses lib/ (formatter, strings, the hypercall stub and the time
# reader; mk/lib.mk) and the TEST RESULT reporter shared with the test
# kernels (tests/lib). No include path here names the hypervisor's directories.

GL_SRCS   := $(wildcard tests/guests/lib/*.c tests/guests/lib/*.S)
GL_OBJS   := $(patsubst %,$(BUILD)/%.o,$(basename $(GL_SRCS))) $(TESTS_LIB_OBJS) $(LIB_FOR_GUESTS)
GUEST_NAMES := $(sort $(filter-out lib,$(notdir $(patsubst %/,%,$(dir $(wildcard tests/guests/*/*.c))))))
GUEST_ELFS  := $(patsubst %,$(BUILD)/guests/%.elf,$(GUEST_NAMES))
GUEST_INC   := -iquote tests/guests/lib -iquote tests/lib -iquote lib/include -Iinclude
GUEST_LDS   := tests/guests/lib/guest.ld

$(BUILD)/tests/guests/%.o: tests/guests/%.c | check-toolchain
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(KCFLAGS) $(GUEST_INC) -c $< -o $@
$(BUILD)/tests/guests/%.o: tests/guests/%.S | check-toolchain
	@mkdir -p $(@D)
	$(call say,AS,$@)$(CC) $(KASFLAGS) $(GUEST_INC) -c $< -o $@

guest_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/guests/$(1)/*.c))
$(BUILD)/guests/%.elf: $$(call guest_objs,$$*) $(GL_OBJS) $(GUEST_LDS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(KLDFLAGS) -T $(GUEST_LDS) -o $@ $(filter %.o,$^) $(KLIBGCC)

-include $(wildcard $(BUILD)/tests/guests/*/*.d $(BUILD)/tests/guests/lib/*.d)
