#!/usr/bin/env bash
# linux_hw.sh with npt = off: Debian's Linux in a hw domain with shadow
# paging under SVM (hv/hw/shadow.c): the same session, the same checks.
LINUX_HW_NPT=off exec bash tests/scripts/linux_hw.sh
