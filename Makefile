# ringvisor: top-level GNU Makefile.
#
#   make            build the hypervisor (build/hv/hv.elf)
#   make run        boot it in QEMU (TCG): two ringos VMs with busybox shells; Ctrl-] moves
#                   the keyboard between them and the hypervisor, Ctrl-a x quits
#   make run-native ringos with busybox on the bare (emulated) PC, the baseline
#   make bench      lmbench-style numbers, native ringos vs ringos under ringvisor
#   make debug      the same, stopped at the first instruction, gdb stub on :1234
#   make test       build and run every test (host unit tests + QEMU test kernels)
#   make density    how many minimal domains boot at once in 2 GiB
#
# Each component lives in its own mk/*.mk; this file only wires them together.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
# Keep intermediate objects (test-kernel .o files) so rebuilds stay incremental.
.SECONDARY:

include mk/config.mk
include mk/lib.mk
include mk/hv.mk
include mk/tests.mk
include mk/ringos.mk
include mk/bench.mk
include mk/hwguests.mk
include mk/linux.mk

.PHONY: all setup run run-demo run-linux run-dom0 run-native debug test density clean help

all: $(HV_ELF)

# Install whatever the build and the tests need (QEMU, gcc-multilib, cmocka, gdb).
# Idempotent and quiet when everything is already there.
setup:
	@bash tools/setup.sh

# The default VMs, described by configs/*.cfg: ringos with a busybox shell
# on its console three times, as a pv domain (vm1.cfg) and, the very
# ringos-pc.elf a bare PC boots, as a hw domain (vm2.cfg) and as a bt
# domain (vm3.cfg). `make run-linux` boots Linux
# as a hw domain beside vm1 (configs/linux.cfg). `make run-demo`
# boots the two small demo domains and ringos running its test suite
# instead; `make run-native` boots ringos alone on the bare (emulated) PC.
# Each module is "path args".
RUN_APPEND  ?= loglevel=info
RUN_MODULES ?= $(BUILD)/ringos-pv.elf,$(BUILD)/ringos-pc.elf,$(BUILD)/initramfs/busybox.cpio,$(BUILD)/initramfs/dom0.cpio,configs/dom0.cfg,configs/vm1.cfg,configs/vm2.cfg,configs/vm3.cfg
LINUX_MODULES := $(BUILD)/ringos-pv.elf,$(BUILD)/initramfs/busybox.cpio,configs/vm1.cfg,$(BUILD)/linux/vmlinuz,$(BUILD)/linux/initramfs.cpio,configs/linux.cfg
DOM0_MODULES := $(BUILD)/ringos-pv.elf,$(BUILD)/initramfs/dom0.cpio,configs/dom0.cfg,$(BUILD)/initramfs/busybox.cpio,configs/vm1.cfg
DEMO_MODULES := $(BUILD)/guests/demo.elf,configs/alpha.cfg,configs/beta.cfg,$(BUILD)/ringos-pv.elf,$(BUILD)/initramfs/suite.cpio,configs/ringos.cfg
RUN_DEPS    := $(HV_ELF) $(BUILD)/guests/demo.elf ringos $(BUILD)/dom0-disk.img
# The machine's IDE disk: Domain 0's (mk/ringos.mk, DOM0_DISK).
RUN_DRIVE   ?= -drive file=$(BUILD)/dom0-disk.img,format=raw,if=ide,index=0
RUN_MEM     ?= 512
NATIVE_APPEND ?= hostname=native

# run, debug and test install first, then build in a fresh make: what the
# toolchain checks found at parse time may have just been installed.
run: setup
	@$(MAKE) --no-print-directory run-now
run-demo: setup
	@$(MAKE) --no-print-directory run-now RUN_MODULES="$(DEMO_MODULES)"
run-dom0: setup
	@$(MAKE) --no-print-directory run-now RUN_MODULES="$(DOM0_MODULES)"
run-linux: setup
	@$(MAKE) --no-print-directory linux
	@$(MAKE) --no-print-directory run-now RUN_MODULES="$(LINUX_MODULES)" RUN_MEM=320
run-native: setup
	@$(MAKE) --no-print-directory run-native-now
debug: setup
	@$(MAKE) --no-print-directory debug-now
test: setup
	@$(MAKE) --no-print-directory test-build
	@bash tools/runtests.sh $(TEST_ARGS)

# What `make run` boots, for tests/scripts/make_run.sh.
.PHONY: print-run-modules
print-run-modules:
	@echo "$(RUN_MODULES)"

.PHONY: run-now run-native-now debug-now
run-now: $(RUN_DEPS)
	@echo "ringvisor: booting in QEMU (software CPU). Ctrl-a x quits QEMU, Ctrl-a c its monitor."
	@echo "           The keyboard starts with the hypervisor; Ctrl-] moves it to the next domain"
	@echo "           (dom0 -> vm1 -> vm2 -> vm3 -> hypervisor). Hypervisor keys: h help, e domains and their exits,"
	@echo "           d counters, m memory, t time. In a shell, poweroff ends that domain."
	$(QEMU) $(QEMU_MACHINE) -m $(RUN_MEM) -cpu $(QEMU_CPU) -serial mon:stdio $(RUN_DRIVE) -kernel $(HV_ELF) \
	    -append "console_cols=$$(tput cols 2>/dev/null || echo 80) $(RUN_APPEND)" -initrd "$(RUN_MODULES)"

run-native-now: ringos
	@echo "ringos on the bare PC in QEMU (software CPU), busybox on the console. Ctrl-a x quits; poweroff ends it."
	$(QEMU) $(QEMU_MACHINE) -m $(RUN_MEM) -cpu $(QEMU_CPU) -serial mon:stdio -kernel $(BUILD)/ringos-pc.elf \
	    -append "$(NATIVE_APPEND)" -initrd $(BUILD)/initramfs/busybox.cpio

debug-now: $(RUN_DEPS)
	@echo "ringvisor: QEMU is waiting for gdb on localhost:1234. In another terminal:"
	@echo "    gdb -x tools/gdbinit"
	@echo "gdb loads the symbols of $(HV_ELF), connects and stops at _start, then hv_start."
	@echo "(QEMU's i386 target is used here so that gdb sees 32-bit registers.)"
	qemu-system-i386 $(QEMU_MACHINE) -m $(RUN_MEM) -cpu $(QEMU_CPU_I386) -serial mon:stdio \
	    -kernel $(HV_ELF) -append "$(RUN_APPEND)" -initrd "$(RUN_MODULES)" -s -S

# How many minimal domains fit at once in 2 GiB, and the hypervisor's
# memory per domain (the density test, with its figures shown).
density: setup
	@$(MAKE) --no-print-directory test-build
	@bash tools/runtests.sh -k density -v | grep -E 'density:|PASS|FAIL'

clean:
	rm -rf $(BUILD)

help:
	@sed -n '3,10p' Makefile
