# ringos, the guest OS (docs/ringos.md). The pc port today:
#   build/ringos-pc.elf   guest/kernel + guest/arch/pc, a multiboot kernel
# It shares nothing with the hypervisor but lib/ (formatter, strings, frame
# pool, PAE helpers, ELF validator; the pc port also the 8259, 8254 and CMOS
# drivers; mk/lib.mk) and include/public. No include path here names the hypervisor's directories.

RINGOS_KSRCS  := $(wildcard guest/kernel/*.c guest/kernel/*.S)
RINGOS_PC_SRCS := $(wildcard guest/arch/pc/*.c guest/arch/pc/*.S)
RINGOS_INC    := -iquote guest/include -iquote lib/include -Iinclude
RINGOS_PC_ELF := $(BUILD)/ringos-pc.elf

ringos_obj = $(patsubst %,$(BUILD)/ringos/%.o,$(basename $(1)))
RINGOS_PC_OBJS := $(call ringos_obj,$(RINGOS_KSRCS) $(RINGOS_PC_SRCS)) $(LIB_FOR_RINGOS) $(LIB_FOR_PC) \
		  $(LIB_FOR_FWD)

# Kernel stacks are KSTACK_SIZE (8 KiB): no function may take a big part of one.
RINGOS_CFLAGS := $(KCFLAGS) -Wframe-larger-than=1024

$(BUILD)/ringos/%.o: %.c | check-toolchain
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(RINGOS_CFLAGS) $(RINGOS_INC) -c $< -o $@
$(BUILD)/ringos/%.o: %.S | check-toolchain
	@mkdir -p $(@D)
	$(call say,AS,$@)$(CC) $(KASFLAGS) $(RINGOS_INC) -c $< -o $@

$(RINGOS_PC_ELF): $(RINGOS_PC_OBJS) guest/arch/pc/ringos.ld
	$(call say,LD,$@)$(CC) $(KLDFLAGS) -T guest/arch/pc/ringos.ld -o $@ $(RINGOS_PC_OBJS) $(KLIBGCC)

# The pv port: the same kernel, ring 1 under ringvisor.
RINGOS_PV_SRCS := $(wildcard guest/arch/pv/*.c guest/arch/pv/*.S)
RINGOS_PV_ELF  := $(BUILD)/ringos-pv.elf
RINGOS_PV_OBJS := $(call ringos_obj,$(RINGOS_KSRCS) $(RINGOS_PV_SRCS)) $(LIB_FOR_RINGOS) $(LIB_FOR_PV) \
		  $(LIB_FOR_FWD)

$(RINGOS_PV_ELF): $(RINGOS_PV_OBJS) guest/arch/pv/ringos.ld
	$(call say,LD,$@)$(CC) $(KLDFLAGS) -T guest/arch/pv/ringos.ld -o $@ $(RINGOS_PV_OBJS) $(KLIBGCC)

-include $(RINGOS_PC_OBJS:.o=.d) $(RINGOS_PV_OBJS:.o=.d)

.PHONY: ringos
ringos: $(RINGOS_PC_ELF) $(RINGOS_PV_ELF)

# User programs: ordinary static i386 executables, built with the host gcc.
USER_SRCS := $(wildcard guest/user/*.c)
USER_BINS := $(patsubst guest/user/%.c,$(BUILD)/user/%,$(USER_SRCS))
USER_CFLAGS := -m32 -static -O2 -Wall -Wextra -Werror

# static_pie.c is a position-independent static executable (ET_DYN).
$(BUILD)/user/static_pie: USER_CFLAGS := -m32 -static-pie -fPIE -O2 -Wall -Wextra -Werror

$(BUILD)/user/%: guest/user/%.c $(wildcard guest/user/*.h) | check-toolchain
	@mkdir -p $(@D)
	$(call say,USERCC,$@)$(CC) $(USER_CFLAGS) $< -o $@

# One initramfs per test program: it is /init; every program is in /bin.
INITRAMFS := $(patsubst guest/user/%.c,$(BUILD)/initramfs/%.cpio,$(USER_SRCS))

$(BUILD)/initramfs/%.cpio: $(BUILD)/user/% $(USER_BINS) guest/user/motd.txt $(MKCPIO)
	@mkdir -p $(@D)
	$(call say,CPIO,$@)$(MKCPIO) $@ $<:init guest/user/motd.txt:etc/motd \
	    $(foreach b,$(USER_BINS),$(b):bin/$(notdir $(b)))

ringos: $(USER_BINS) $(INITRAMFS)

# The busybox system: Debian's busybox-static for i386 (fetched by
# tools/setup.sh into $(BUILD)/busybox) as /bin/busybox, a link for each of
# its applets (as `busybox --install -s` would make), /init -> busybox
# (busybox init, reading guest/rootfs/etc/inittab) and guest/rootfs/.
BUSYBOX      := $(BUILD)/busybox/bin/busybox
ROOTFS_FILES := $(shell find guest/rootfs -type f 2>/dev/null | sort)
BUSYBOX_CPIO := $(BUILD)/initramfs/busybox.cpio

$(BUSYBOX):
	@echo "error: $@ is missing: run 'make setup' (as root) to fetch busybox-static:i386"; exit 1

# The applet list is what the binary itself prints: the host kernel cannot
# run an i386 program, so it runs under qemu-i386 (Debian's qemu-user,
# installed by tools/setup.sh; docs/testing.md). No build step runs a guest
# binary on the host any other way.
QEMU_USER ?= qemu-i386
$(BUILD)/busybox/applets: $(BUSYBOX)
	$(call say,GEN,$@)$(QEMU_USER) $(BUSYBOX) --list-full | grep -v '^bin/busybox$$' | sort > $@.tmp && \
	    test -s $@.tmp && mv $@.tmp $@

$(BUSYBOX_CPIO): $(BUSYBOX) $(BUILD)/busybox/applets $(ROOTFS_FILES) $(MKCPIO)
	@mkdir -p $(@D)
	$(call say,CPIO,$@)$(MKCPIO) $@ $(BUSYBOX):bin/busybox -l init:/bin/busybox \
	    $(foreach f,$(ROOTFS_FILES),$(f):$(patsubst guest/rootfs/%,%,$(f))) \
	    $$(sed 's|^|-l |; s|$$|:/bin/busybox|' $(BUILD)/busybox/applets) \
	    -d root -d tmp -d proc -d dev

ringos: $(BUSYBOX_CPIO)

# Domain 0's toolstack (guest/toolstack/vm.c; docs/control.md): an ordinary
# static i386 program that also sees the public ABI and ringos's uapi.
TOOLSTACK := $(BUILD)/toolstack/vm
TOOLSTACK_SRC := guest/toolstack/vm.c guest/toolstack/backend.c guest/toolstack/blkback.c \
		 guest/toolstack/fsback.c lib/savefile.c lib/fwd_server.c
# The forwarding server's limits in Domain 0 (guest/toolstack/fsback.c): a
# ringos process has 64 descriptors; 40 handles + 12 held by a walk + stdio,
# /dev/rvctl and the export fit.
TOOLSTACK_FWD := -DFWD_HANDLES=40 -DFWD_HELD=12
$(TOOLSTACK): $(TOOLSTACK_SRC) guest/toolstack/backend.h lib/include/savefile.h lib/include/fwd_server.h \
	      include/public/domctl.h include/public/save.h include/public/start_info.h \
	      include/public/io/blkif.h include/public/io/fsif.h include/public/io/channel.h \
	      guest/include/uapi/rvctl.h | check-toolchain
	@mkdir -p $(@D)
	$(call say,USERCC,$@)$(CC) $(USER_CFLAGS) $(TOOLSTACK_FWD) -Iinclude -iquote guest/include \
	    -iquote lib/include -iquote guest/toolstack $(TOOLSTACK_SRC) -o $@

# The system-call forwarding server's core (lib/fwd_server.c; docs/io.md,
# "System-call forwarding"), built with the same flags as the toolstack so
# Domain 0's server program is a link away.
FWD_SERVER_OBJ := $(BUILD)/toolstack/fwd_server.o
$(FWD_SERVER_OBJ): lib/fwd_server.c lib/include/fwd_server.h include/public/io/fsif.h | check-toolchain
	@mkdir -p $(@D)
	$(call say,USERCC,$@)$(CC) $(USER_CFLAGS) -Iinclude -iquote lib/include -c $< -o $@

ringos: $(FWD_SERVER_OBJ)

# Domain 0's initramfs: the busybox system, the toolstack as /bin/vm, the
# images it creates domains from in /boot, and their configs in /etc/vm.
DOM0_FILES := $(shell find guest/dom0 -type f 2>/dev/null | sort)
DOM0_CPIO  := $(BUILD)/initramfs/dom0.cpio
$(DOM0_CPIO): $(BUSYBOX) $(BUILD)/busybox/applets $(ROOTFS_FILES) $(DOM0_FILES) $(TOOLSTACK) \
	      $(RINGOS_PV_ELF) $(RINGOS_PC_ELF) $(BUSYBOX_CPIO) $(MKCPIO)
	@mkdir -p $(@D)
	$(call say,CPIO,$@)$(MKCPIO) $@ $(BUSYBOX):bin/busybox -l init:/bin/busybox \
	    $(foreach f,$(ROOTFS_FILES),$(f):$(patsubst guest/rootfs/%,%,$(f))) \
	    $(foreach f,$(DOM0_FILES),$(f):$(patsubst guest/dom0/%,%,$(f))) \
	    $$(sed 's|^|-l |; s|$$|:/bin/busybox|' $(BUILD)/busybox/applets) \
	    $(TOOLSTACK):bin/vm $(RINGOS_PV_ELF):boot/ringos-pv.elf \
	    $(RINGOS_PC_ELF):boot/ringos-pc.elf $(BUSYBOX_CPIO):boot/busybox.cpio \
	    -d root -d tmp -d proc -d dev

ringos: $(DOM0_CPIO)

# Domain 0's disk: an ext2 image (made by mkfs.ext2 from e2fsprogs, which
# tools/setup.sh checks) holding the images the toolstack creates domains
# from (/boot), their configs (/vm), the files domain's disk image
# (vm/files.img) and the directory it gets forwarded (/export), given to QEMU as the machine's IDE
# disk by `make run`. Made once and then kept: what Domain 0 writes there
# survives a restart of the machine (`make disk-reset` makes it afresh).
DOM0_DISK      := $(BUILD)/dom0-disk.img
DOM0_DISK_SIZE := 256M
DOM0_DISK_TREE := $(BUILD)/dom0-disk.tree
$(DOM0_DISK): | $(RINGOS_PV_ELF) $(RINGOS_PC_ELF) $(BUSYBOX_CPIO)
	@rm -rf $(DOM0_DISK_TREE) && mkdir -p $(DOM0_DISK_TREE)/boot $(DOM0_DISK_TREE)/vm $(DOM0_DISK_TREE)/save
	@cp $(RINGOS_PV_ELF) $(RINGOS_PC_ELF) $(BUSYBOX_CPIO) $(DOM0_DISK_TREE)/boot/
	@cp guest/dom0/etc/vm/*.cfg $(DOM0_DISK_TREE)/vm/
	@mkdir -p $(DOM0_DISK_TREE)/export $(DOM0_DISK_TREE)/files.tree
	@echo "Domain 0's /disk/export, the files domain's /host (vm/files.cfg)" > $(DOM0_DISK_TREE)/export/README
	@echo "the files domain's own disk, /dev/xvda at /mnt (vm/files.cfg)" > $(DOM0_DISK_TREE)/files.tree/README
	@PATH=$$PATH:/usr/sbin:/sbin mkfs.ext2 -q -F -b 4096 -d $(DOM0_DISK_TREE)/files.tree \
	    $(DOM0_DISK_TREE)/vm/files.img 16M >/dev/null && rm -rf $(DOM0_DISK_TREE)/files.tree
	$(call say,MKFS,$@)PATH=$$PATH:/usr/sbin:/sbin mkfs.ext2 -q -F -L ringvisor -b 4096 \
	    -d $(DOM0_DISK_TREE) $@.tmp $(DOM0_DISK_SIZE) >/dev/null && mv $@.tmp $@
	@rm -rf $(DOM0_DISK_TREE)

.PHONY: disk-reset
disk-reset:
	rm -f $(DOM0_DISK)
	@$(MAKE) --no-print-directory $(DOM0_DISK)

# The chan test's Domain 0 (tests/dom0/chantest.c; docs/io.md, "Channels";
# tests.cfg [chan]): a static i386 program like the toolstack, /init of an
# initramfs that also holds the frontends it creates, in /boot.
CHANTEST      := $(BUILD)/tests/dom0/chantest
CHANTEST_CPIO := $(BUILD)/initramfs/chan-dom0.cpio
$(CHANTEST): tests/dom0/chantest.c tests/guests/chanfront/chan_test.h guest/include/uapi/rvctl.h \
	     include/public/domctl.h include/public/start_info.h | check-toolchain
	@mkdir -p $(@D)
	$(call say,USERCC,$@)$(CC) $(USER_CFLAGS) -Iinclude -iquote guest/include \
	    -iquote tests/guests/chanfront $< -o $@
$(CHANTEST_CPIO): $(CHANTEST) $(BUILD)/guests/chanfront.elf $(RINGOS_PV_ELF) \
		  $(BUILD)/initramfs/rvio_clients.cpio $(MKCPIO)
	@mkdir -p $(@D)
	$(call say,CPIO,$@)$(MKCPIO) $@ $(CHANTEST):init $(BUILD)/guests/chanfront.elf:boot/chanfront.elf \
	    $(RINGOS_PV_ELF):boot/ringos-pv.elf $(BUILD)/initramfs/rvio_clients.cpio:boot/rvio_clients.cpio \
	    -d dev -d proc -d tmp

ringos: $(CHANTEST_CPIO)
