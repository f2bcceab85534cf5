# QEMU settings shared by the Makefile, the test harness and test scripts
# (sourced by sh/bash; mk/config.mk reads it too). Override from the
# environment, e.g. QEMU_CPU=qemu64,+svm make test.
#
# TCG only, never KVM (../shared/design/BRIEF.md). EPYC gives an AMD CPU with
# SVM, NX and PAE; the features TCG cannot emulate are switched off so that
# QEMU does not warn about them (nrip-save among them: TCG's SVM has no NRIP).
: "${QEMU:=qemu-system-x86_64}"
: "${QEMU_CPU:=EPYC,-rdseed,-sha-ni,-fxsr-opt,-misalignsse,-3dnowprefetch,-osvw,-topoext,-nrip-save,-xsavec}"
: "${QEMU_MEM:=128}"
# qemu-system-i386 (used by `make debug`, see tools/gdbinit) lacks long mode.
: "${QEMU_CPU_I386:=$QEMU_CPU,-syscall,-lm}"
# The machine every run uses (memory and CPU come separately). -nic none: no
# network card, so no option ROM is needed either.
: "${QEMU_MACHINE:=-machine pc -accel tcg -display none -no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=4}"
