# The Linux guest of hw domains (docs/linux.md): Debian's 32-bit kernel and
# a busybox initramfs, both under $(BUILD)/linux/.
#   $(BUILD)/linux/vmlinuz         linux-image-<version>-686's kernel, fetched by
#                                  tools/setup.sh (its `uname -r` in version)
#   $(BUILD)/linux/initramfs.cpio  busybox and its applet links (the same
#                                  busybox-static:i386 as ringos) with
#                                  guest/linux/init as /init
# Needs mk/ringos.mk (BUSYBOX, its applet list) and mk/ringos-host.mk (MKCPIO).

LINUX_DIR       := $(BUILD)/linux
LINUX_VMLINUZ   := $(LINUX_DIR)/vmlinuz
LINUX_INITRAMFS := $(LINUX_DIR)/initramfs.cpio
LINUX_FILES     := $(shell find guest/linux -type f ! -name init 2>/dev/null | sort)

$(LINUX_VMLINUZ):
	@echo "error: $@ is missing: run 'make setup' (as root) to fetch linux-image-686:i386's kernel"; exit 1

# Like ringos's busybox.cpio (mk/ringos.mk), but /init is our script and
# there is no inittab: the kernel runs /init, which runs the shell.
$(LINUX_INITRAMFS): guest/linux/init $(LINUX_FILES) $(BUSYBOX) $(BUILD)/busybox/applets $(MKCPIO)
	@mkdir -p $(@D)
	$(call say,CPIO,$@)$(MKCPIO) $@ guest/linux/init:init $(BUSYBOX):bin/busybox \
	    $(foreach f,$(LINUX_FILES),$(f):$(patsubst guest/linux/%,%,$(f))) \
	    $$(sed 's|^|-l |; s|$$|:/bin/busybox|' $(BUILD)/busybox/applets) \
	    -d root -d tmp -d proc -d sys -d dev

.PHONY: linux
linux: $(LINUX_VMLINUZ) $(LINUX_INITRAMFS)

# The tests boot it (tests/scripts/linux_hw.sh).
test-build: linux
