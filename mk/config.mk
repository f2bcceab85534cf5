# Toolchain, flags and QEMU settings shared by every component.

BUILD     ?= build
CC        ?= gcc
HOSTCC    ?= gcc
# QEMU, CPU model and memory come from tools/qemu-env.sh (one place for all).
QEMU      ?= $(shell . tools/qemu-env.sh; echo $$QEMU)
QEMU_CPU  ?= $(shell . tools/qemu-env.sh; echo $$QEMU_CPU)
QEMU_CPU_I386 ?= $(shell QEMU_CPU='$(QEMU_CPU)'; . tools/qemu-env.sh; echo $$QEMU_CPU_I386)
QEMU_MEM  ?= $(shell . tools/qemu-env.sh; echo $$QEMU_MEM)
QEMU_MACHINE ?= $(shell . tools/qemu-env.sh; echo $$QEMU_MACHINE)
QEMU_BASE  = $(QEMU_MACHINE) -m $(QEMU_MEM) -cpu $(QEMU_CPU)
export QEMU QEMU_CPU QEMU_CPU_I386 QEMU_MEM QEMU_MACHINE

# Freestanding 32-bit code for the hypervisor and the test kernels.
# Frame pointers stay on so that panic() can print a backtrace.
KCFLAGS := -m32 -march=i686 -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
           -fno-asynchronous-unwind-tables -fno-omit-frame-pointer -fno-builtin -fno-tree-loop-distribute-patterns \
           -mno-sse -mno-mmx -mno-80387 -mgeneral-regs-only \
           -O2 -g -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -MMD -MP
KASFLAGS := -m32 -g -MMD -MP
KLDFLAGS := -m32 -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
            -Wl,--no-warn-rwx-segments
KLIBGCC  := $(shell $(CC) -m32 -print-libgcc-file-name 2>/dev/null)

# Host unit tests: the same pure C files, compiled for the host with cmocka.
HOSTCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
              -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -MMD -MP
HOSTLDLIBS := -lcmocka -fsanitize=address,undefined

# Terse build output; `make V=1` shows the commands.
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

# Say what to install instead of failing with a cryptic error.
.PHONY: check-toolchain
check-toolchain:
	@command -v $(CC) >/dev/null || { echo "error: no C compiler: apt-get install gcc (or: make setup)"; exit 1; }
	@printf 'unsigned long long d(unsigned long long a, unsigned long long b) { return a / b; }\nvoid _start(void) { d(1, 2); }\n' | \
	    $(CC) -m32 -ffreestanding -nostdlib -static -x c - -x none $(KLIBGCC) -o /dev/null 2>/dev/null || \
	    { echo "error: cannot link 32-bit code with libgcc: apt-get install gcc-multilib (or: make setup)"; exit 1; }
