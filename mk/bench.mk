# Benchmarks (docs/performance.md): lmbench-style programs in guest/bench/,
# run natively and as a pv domain by tools/bench.sh.
#
#   make bench                 full run: build/bench/bench.csv, bench.png
#   make bench BENCH_SHORT=1   few iterations (what the bench_short test runs)
#   make bench-io              the I/O benchmark (docs/io.md, "Measured"):
#                              build/bench-io/bench_io.csv, bench_io.png
#   make bench-io BENCH_SHORT=1  its short mode (the bench_io_short test)
#
# build/initramfs/bench.cpio and bench-short.cpio differ only in
# /etc/bench.conf (the mode): /init is build/bench/bin/bench, and
# /bin/bench_exit is fork_exec's target.

# One program per guest/bench/NAME.c; a program's other files, if it has
# any, are guest/bench/NAME/*.c and *.h (bench's benchmarks).
BENCH_SRCS   := $(wildcard guest/bench/*.c)
BENCH_BINS   := $(patsubst guest/bench/%.c,$(BUILD)/bench/bin/%,$(BENCH_SRCS))
BENCH_CFLAGS := -m32 -static -O2 -Wall -Wextra -Werror
BENCH_CPIOS  := $(BUILD)/initramfs/bench.cpio $(BUILD)/initramfs/bench-short.cpio

$(foreach p,$(BENCH_SRCS:guest/bench/%.c=%),$(eval \
	$(BUILD)/bench/bin/$(p): guest/bench/hvcount.h $(wildcard guest/bench/$(p)/*.c guest/bench/$(p)/*.h)))

$(BUILD)/bench/bin/%: guest/bench/%.c | check-toolchain
	@mkdir -p $(@D)
	$(call say,USERCC,$@)$(CC) $(BENCH_CFLAGS) $(filter %.c,$^) -o $@

bench_cpio = $(MKCPIO) $@ $(BUILD)/bench/bin/bench:init \
	$(foreach b,$(filter-out %/bench %/bench_io,$(BENCH_BINS)),$(b):bin/$(notdir $(b))) $(1):etc/bench.conf

$(BUILD)/initramfs/bench.cpio: $(BENCH_BINS) guest/bench/full.conf $(MKCPIO)
	@mkdir -p $(@D)
	$(call say,CPIO,$@)$(call bench_cpio,guest/bench/full.conf)
$(BUILD)/initramfs/bench-short.cpio: $(BENCH_BINS) guest/bench/short.conf $(MKCPIO)
	@mkdir -p $(@D)
	$(call say,CPIO,$@)$(call bench_cpio,guest/bench/short.conf)

# The I/O benchmark's image: guest/bench/bench_io.c as /init, /tmp for its
# ramfs runs. Its mode and directory come from the kernel command line
# (bench_io_mode=, bench_io_dir=), so one image serves every run.
BENCH_IO_CPIO := $(BUILD)/initramfs/bench-io.cpio
$(BENCH_IO_CPIO): $(BUILD)/bench/bin/bench_io $(MKCPIO)
	@mkdir -p $(@D)
	$(call say,CPIO,$@)$(MKCPIO) $@ $(BUILD)/bench/bin/bench_io:init -d tmp -d dev -d proc

# The images are ringos images: built with the others (so `make test` has
# them for the bench_short and bench_io_short tests).
ringos: $(BENCH_CPIOS) $(BENCH_IO_CPIO)

.PHONY: bench bench-build bench-io bench-io-build
bench-build: $(HV_ELF) $(RINGOS_PC_ELF) $(RINGOS_PV_ELF) $(BENCH_CPIOS)
bench-io-build: $(HV_ELF) $(RINGOS_PC_ELF) $(RINGOS_PV_ELF) $(BENCH_IO_CPIO)

# As `make test`: install first, then build in a fresh make.
bench: setup
	@$(MAKE) --no-print-directory bench-build
	@bash tools/bench.sh $(if $(BENCH_SHORT),--short)
bench-io: setup
	@$(MAKE) --no-print-directory bench-io-build
	@bash tools/bench_io.sh $(if $(BENCH_SHORT),--short)
# The pv-blk column's Domain 0 (tools/bench_io.sh boot_pvblk).
bench-io-build: $(BUILD)/initramfs/dom0.cpio
