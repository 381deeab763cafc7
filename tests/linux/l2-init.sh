#!/bin/sh
# /init of the L2 Linux (tests/linux/kvmlinux.c): say so on the console,
# write the mark kvmlinux waits for to an address outside every memory slot
# (an MMIO exit to L1's user space), and reset (reboot=t: a triple fault)
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
echo "L2 user space: $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU, $(cat /proc/uptime)"
devmem 0xd0000000 32 0x600d
reboot -f
