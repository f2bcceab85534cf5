# ringos's host side: the initramfs builder (tools/mkcpio) and the unit tests
# of the guest kernel's pure files (cpio parsing, ramfs, ext2).
#
# Include it right AFTER mk/unit.mk: unit.mk sets UNIT_NAMES and UNIT_INC
# with ":=", which would wipe anything added before it, so this file extends
# its lists and instantiates its rules for the ringos tests itself.

MKCPIO := $(BUILD)/tools/mkcpio

$(MKCPIO): tools/mkcpio.c
	@mkdir -p $(@D)
	$(call say,HOSTCC,$@)$(HOSTCC) -std=gnu11 -Wall -Wextra -Werror -O2 -o $@ $<

ifndef UNIT_OBJ
$(error mk/ringos-host.mk must be included after mk/unit.mk)
endif

RINGOS_UNIT_NAMES := cpio mkcpio ramfs_lookup ramfs_tree ramfs_cpio ata blkdev ext2 ext2_names ext2_mount ext2_random ext2_corrupt vfs
RINGOS_UNIT_TESTS := $(addprefix $(UNIT_DIR)/test_,$(RINGOS_UNIT_NAMES))

# The cpio tests share the archive checks (tests/unit/cpio_check.c), the
# three ramfs tests one fixture (tests/unit/ramfs_fixture.c).
unit_src_cpio  := guest/kernel/cpio.c tests/unit/cpio_check.c
unit_src_mkcpio := $(unit_src_cpio)
unit_src_ramfs := guest/kernel/ramfs.c guest/kernel/ramfs_lookup.c guest/kernel/ramfs_contents.c \
		  guest/kernel/ramfs_cpio.c guest/kernel/cpio.c tests/unit/ramfs_fixture.c
unit_src_ramfs_lookup := $(unit_src_ramfs)
unit_src_ramfs_tree   := $(unit_src_ramfs)
unit_src_ramfs_cpio   := $(unit_src_ramfs) tests/unit/cpio_check.c
# The ATA driver against the hypervisor's emulated IDE channel (its test
# sees both sides' headers, ringos's first); the block devices over a
# memory disk, their nodes in a ramfs of the shared fixture.
unit_src_ata    := guest/kernel/ata.c guest/kernel/ata_identify.c hv/vdev/ide.c hv/vdev.c
unit_src_blkdev := guest/kernel/blkdev.c $(unit_src_ramfs)
# The ext2 tests share tests/unit/ext2_fixture.c (images by mkfs.ext2, e2fsck).
unit_src_ext2 := guest/kernel/ext2_super.c guest/kernel/ext2_alloc.c guest/kernel/ext2_inode.c \
		 guest/kernel/ext2_file.c guest/kernel/ext2_dir.c guest/kernel/ext2_namei.c \
		 tests/unit/ext2_fixture.c
unit_src_ext2_names   := $(unit_src_ext2)
unit_src_ext2_mount   := $(unit_src_ext2)
unit_src_ext2_random  := $(unit_src_ext2)
unit_src_ext2_corrupt := $(unit_src_ext2)
# The VFS over ramfs and ext2 (its kernel side, vfs_host.c, is the test's own).
unit_src_vfs := guest/kernel/vfs.c guest/kernel/vfs_mount.c guest/kernel/vfs_lookup.c \
		guest/kernel/vfs_ramfs.c guest/kernel/vfs_ext2.c guest/kernel/ramfs.c \
		guest/kernel/ramfs_lookup.c guest/kernel/ramfs_contents.c $(unit_src_ext2)

UNIT_NAMES += $(RINGOS_UNIT_NAMES)
UNIT_TESTS += $(RINGOS_UNIT_TESTS)

# The guest kernel's files and their tests, for the host: ringos's headers
# (guest/include, its Linux numbers in guest/include/uapi) and lib's, never the hypervisor's.
RINGOS_UNIT_INC := -iquote guest/include -iquote lib/include -Iinclude -iquote tests/unit
$(foreach t,$(RINGOS_UNIT_NAMES),$(UNIT_OBJ)/tests/unit/test_$(t).o) \
    $(UNIT_OBJ)/tests/unit/ramfs_fixture.o $(UNIT_OBJ)/tests/unit/cpio_check.o \
    $(UNIT_OBJ)/tests/unit/ext2_fixture.o: UNIT_INC := $(RINGOS_UNIT_INC)
$(UNIT_OBJ)/tests/unit/test_ata.o: UNIT_INC := $(RINGOS_UNIT_INC) -iquote hv/include

$(UNIT_OBJ)/guest/%.o: guest/%.c
	@mkdir -p $(@D)
	$(call say,HOSTCC,$@)$(HOSTCC) $(HOSTCFLAGS) $(RINGOS_UNIT_INC) -c $< -o $@

$(foreach t,$(RINGOS_UNIT_NAMES),$(eval $(call unit_test_rule,$(t))))

# The cpio, mkcpio and ramfs tests run mkcpio (found through $BUILD, or $MKCPIO) on files they write.
$(RINGOS_UNIT_TESTS): | $(MKCPIO)

unit-build: $(RINGOS_UNIT_TESTS)

-include $(patsubst %.o,%.d,$(sort $(foreach t,$(RINGOS_UNIT_NAMES),$(call unit_objs,$(t)))))
