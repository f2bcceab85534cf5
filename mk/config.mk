# Toolchain, flags and QEMU settings shared by every component.

BUILD     ?= build
CC        ?= gcc
HOSTCC    ?= gcc
QEMU      ?= qemu-system-x86_64
# A CPU model with SVM, NX and PAE (see ../shared/probes). TCG only: never -accel kvm.
QEMU_CPU  ?= EPYC
QEMU_MEM  ?= 128
QEMU_BASE  = -machine pc -accel tcg -cpu $(QEMU_CPU) -m $(QEMU_MEM) -display none \
             -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4

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
              -fsanitize=address,undefined -fno-omit-frame-pointer -MMD -MP
HOSTLDLIBS := -lcmocka -fsanitize=address,undefined

# Say what to install instead of failing with a cryptic error.
.PHONY: check-toolchain
check-toolchain:
	@command -v $(CC) >/dev/null || { echo "error: no C compiler: apt-get install gcc (or: make setup)"; exit 1; }
	@test -f "$(KLIBGCC)" || { echo "error: no 32-bit libgcc: apt-get install gcc-multilib (or: make setup)"; exit 1; }
