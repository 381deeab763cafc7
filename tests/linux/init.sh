#!/bin/sh
# /init of the Linux guest's initramfs (tools/mkinitramfs.py): mount the
# pseudo file systems, then either run the checks (nestbox.test on the
# command line: tests/linux/checks.sh) or give a shell on the console.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# load kvm_intel or kvm_amd, whichever the CPU offers (the KVM initramfs,
# o/linux/initrd-kvm.cpio), and print the parameters KVM chose
load_kvm() {
	insmod /irqbypass.ko && insmod /kvm.ko
	if grep -qw vmx /proc/cpuinfo; then
		insmod /kvm-intel.ko
	elif grep -qw svm /proc/cpuinfo; then
		insmod /ccp.ko && insmod /kvm-amd.ko
	fi
	for p in /sys/module/kvm_intel/parameters/* /sys/module/kvm_amd/parameters/*; do
		[ -r "$p" ] && echo "kvm parameter ${p##*/}: $(cat "$p")"
	done | grep -E ' (ept|vpid|unrestricted_guest|enable_apicv|flexpriority|pml|enable_shadow_vmcs|preemption_timer|npt|nrips|vgif|vnmi|avic|vls|lbrv|nested): '
}
case " $(cat /proc/cmdline) " in
*" nestbox.test "*)
	sh /checks.sh
	poweroff -f
	;;
*" nestbox.reboot "*)
	reboot -f
	;;
*" nestbox.kvm "*)
	# Linux with KVM as L1 (tests/linux/run-kvm.sh): run L2 guests through
	# /dev/kvm
	load_kvm
	/kvmtest
	echo "nestbox.kvm done"
	poweroff -f
	;;
*" nestbox.kvmlinux "*)
	# Linux as L2 (tests/linux/run-kvm.sh): this kernel again, under KVM
	load_kvm
	/kvmlinux /vmlinux /initrd-l2.cpio "console=ttyS0 earlycon=uart8250,io,0x3f8 quiet acpi=off pci=off reboot=t"
	echo "nestbox.kvmlinux done"
	poweroff -f
	;;
*" nestbox.perf "*)
	# Linux's perf in the guest (tests/linux/run-perf.sh): perf stat of the
	# same workload twice, through the loader of perf's own libraries
	for k in 1 2; do
		/perf/lib/ld-linux-x86-64.so.2 --library-path /perf/lib /perf/perf stat -x, \
			-e instructions:u,cycles:u,instructions,cycles /perfloop 2>&1 |
			sed "s/^/perf run $k: /"
	done
	echo "nestbox.perf done"
	poweroff -f
	;;
*" nestbox.kvmshell "*)
	# make run-linux-kvm: KVM loaded, then the shell (/kvmtest runs L2s)
	load_kvm
	;;
*" nestbox.bench "*)
	# tools/bench-linux.py: the time to this banner is the time to the shell
	echo "nestbox: busybox shell (poweroff -f ends the machine)"
	poweroff -f
	;;
esac
echo "nestbox: busybox shell (poweroff -f ends the machine)"
exec setsid cttyhack sh
