#!/bin/sh
# Fetch Debian's stock kernel for the release this machine runs, with
# Debian's own tools, into DIR (default o/linux), and print nothing else
# but errors. Result: DIR/vmlinuz (a bzImage), DIR/VERSION, and in
# DIR/modules the modules the KVM guest loads (kvm.ko, kvm-intel.ko,
# kvm-amd.ko and what they depend on: irqbypass.ko, ccp.ko).
#   linux-image-amd64 is a metapackage; its Depends names the real
#   package (linux-image-6.1.0-NN-amd64 on Debian 12). `apt-get download`
#   fetches that .deb without installing it; `dpkg-deb -x` unpacks it.
# Runs `apt-get update` once when apt knows no linux-image-amd64 yet.
set -e
dir=${1:-o/linux}
mkdir -p "$dir"
[ -s "$dir/vmlinuz" ] && [ -s "$dir/modules/kvm.ko" ] && exit 0
if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] || { echo "nestbox: apt knows no linux-image-amd64; run apt-get update as root" >&2; exit 1; }
	apt-get update -qq >/dev/null
fi
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || { echo "nestbox: cannot find the package linux-image-amd64 depends on" >&2; exit 1; }
tmp="$dir/tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
(cd "$tmp" && apt-get download -q "$pkg" >/dev/null) ||
	{ echo "nestbox: apt-get download $pkg failed" >&2; exit 1; }
dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/x"
ver=${pkg#linux-image-}
cp "$tmp/x/boot/vmlinuz-$ver" "$dir/vmlinuz.tmp"
cp "$tmp/x/boot/config-$ver" "$dir/config" 2>/dev/null || true
echo "$ver" > "$dir/VERSION"
mkdir -p "$dir/modules"
for m in arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-intel.ko arch/x86/kvm/kvm-amd.ko \
	virt/lib/irqbypass.ko drivers/crypto/ccp/ccp.ko; do
	cp "$tmp/x/lib/modules/$ver/kernel/$m" "$dir/modules/" ||
		{ echo "nestbox: $pkg has no $m" >&2; exit 1; }
done
rm -rf "$tmp"
# an unchanged kernel keeps its file (and its time: nothing rebuilds)
if cmp -s "$dir/vmlinuz.tmp" "$dir/vmlinuz"; then
	rm -f "$dir/vmlinuz.tmp"
else
	mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
fi
