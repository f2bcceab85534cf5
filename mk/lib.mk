# lib/: freestanding code shared by the hypervisor, ringos (both ports) and
# the pv test guests (docs/ARCHITECTURE.md, "Shared code"): string, format,
# clock scaling, frame pool, ELF32, PAE tables, and the PC's 8259, 8254 and
# CMOS clock. It depends on nothing but itself and include/public, and is
# built once for i686; each kernel links the objects it needs (unused ones
# are simply not linked: they are listed by name below). The host unit tests
# compile lib sources for the host themselves (mk/unit.mk).
#
# Include-path rules: lib code and lib headers see lib/include (quotes) and
# include/ (<public/...>) only. Every user of lib adds -iquote lib/include.

LIB_INC    := -iquote lib/include -Iinclude
# lib/fwd_server.c is not freestanding (it calls the C library's *at
# functions): the unit tests and Domain 0's userland build it (mk/ringos.mk).
LIB_HOSTED := lib/fwd_server.c
LIB_SRCS   := $(filter-out $(LIB_HOSTED),$(sort $(wildcard lib/*.c)))
LIB_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
lib_objs    = $(patsubst %,$(BUILD)/lib/%.o,$(1))

# Kernel stacks in ringos are 8 KiB: no lib function may take a big part of one.
$(BUILD)/lib/%.o: lib/%.c | check-toolchain
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(KCFLAGS) -Wframe-larger-than=1024 $(LIB_INC) -c $< -o $@

# What each kernel takes from lib.
LIB_FOR_HV      = $(filter-out $(LIB_FOR_PV) $(LIB_FOR_FWD),$(LIB_OBJS))
LIB_FOR_RINGOS := $(call lib_objs,format string frame pagetable elf clock)
LIB_FOR_PC     := $(call lib_objs,pic pit rtc)
LIB_FOR_PV     := $(call lib_objs,pv_time grant chan_front)
# The client side of system-call forwarding: ringos's, when its glue comes.
LIB_FOR_FWD    := $(call lib_objs,fwd_client)
LIB_FOR_GUESTS := $(call lib_objs,format string clock pv_time savefile grant)

.PHONY: lib
lib: $(LIB_OBJS)

-include $(LIB_OBJS:.o=.d)
