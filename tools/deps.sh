#!/bin/sh
# Install the Debian packages nestbox needs when they are missing (root), or
# name them in a clear message (not root). Runs apt-get update at most once.
need=""
[ -f /usr/include/Zydis/Zydis.h ] || need="$need libzydis-dev"
[ -f /usr/include/cmocka.h ] || need="$need libcmocka-dev"
[ -f /usr/include/zstd.h ] || need="$need libzstd-dev"
command -v gdb >/dev/null 2>&1 || need="$need gdb"
command -v gcc >/dev/null 2>&1 || need="$need gcc"
command -v ld >/dev/null 2>&1 || need="$need binutils"
command -v python3 >/dev/null 2>&1 || need="$need python3"
# the Linux guest's initramfs (tests/linux/test.mk) is made from it
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' ||
	need="$need busybox-static"
# Linux's perf, which the Linux guest's checks run (tests/linux/checks.sh)
dpkg-query -W -f='${Status}' linux-perf 2>/dev/null | grep -q 'ok installed' ||
	need="$need linux-perf"
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "nestbox: missing Debian packages:$need" >&2
	echo "nestbox: install them with: sudo apt-get install$need" >&2
	exit 1
fi
echo "nestbox: installing Debian packages:$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "nestbox: apt-get update failed" >&2; exit 1; }
apt-get install -y -qq $need >/dev/null || { echo "nestbox: apt-get install$need failed" >&2; exit 1; }
