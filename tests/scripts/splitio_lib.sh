# The start of the split-I/O scenarios (splitio_*.sh, fwdio_*.sh): the ext2
# helpers (ext2_lib.sh: ext2_tree, ext2_cpio, ata_image), a session
# (session.sh: $work, QEMU's settings, cleanup at exit) and Domain 0's shell
# (dom0_lib.sh: machine, check, type, dom0_boot, dom0_halt), with Domain 0's
# prompt, a patient TYPE_WAIT (vm create starts backends) and $img, the IDE
# image dom0_boot gives Domain 0. Source it first.
. tests/scripts/ext2_lib.sh
rm -rf "$work"          # ext2_lib's scratch directory: session.sh makes the one used
. tests/scripts/session.sh
. tests/scripts/dom0_lib.sh
PROMPT='dom0:[^ ]*# '
TYPE_WAIT=180
img=$work/disk.img
