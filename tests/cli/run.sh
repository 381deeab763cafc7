#!/bin/sh
# tests/cli/run.sh: the command line and the image loader, seen from outside.
#   O=o/dbg sh tests/cli/run.sh
# Env: O (build dir), EMU (default $O/nestbox), TIMEOUT (seconds, default 30).
# Fixtures are generated into $O/tests/cli/ by tests/cli/mkimage.py.
# Prints one "PASS: cli: NAME" or "FAIL: cli: NAME: why" line per check.
O=${O:-o/dbg}
EMU=${EMU:-$O/nestbox}
TIMEOUT=${TIMEOUT:-30}
dir=$O/tests/cli
here=$(dirname "$0")

if [ ! -x "$EMU" ]; then
	echo "FAIL: cli: emulator $EMU not found"
	exit 1
fi
mkdir -p "$dir" || exit 1
if ! python3 "$here/mkimage.py" "$dir"; then
	echo "FAIL: cli: cannot generate fixtures"
	exit 1
fi

pass() { echo "PASS: cli: $1"; }
fail() { echo "FAIL: cli: $1: $2"; }

run() { # emulator args...: sets $status, fills $dir/out and $dir/err
	timeout "$TIMEOUT" "$EMU" "$@" > "$dir/out" 2> "$dir/err" < /dev/null
	status=$?
}

# stderr of a passing run may carry only lines containing "warning"
stderr_clean() { ! grep -v -i 'warning' "$dir/err" | grep -q .; }

first_err() { head -n 1 "$dir/err"; }

# expect_error NAME TEXT args...: non-zero exit and TEXT in stderr
expect_error() {
	name=$1 text=$2
	shift 2
	run "$@"
	if [ "$status" -eq 0 ]; then
		fail "$name" "exit status 0, want an error"
	elif [ "$status" -eq 124 ]; then
		fail "$name" "timed out"
	elif ! grep -q -F -- "$text" "$dir/err"; then
		fail "$name" "stderr lacks '$text': $(first_err)"
	else
		pass "$name"
	fi
}

# expect_load_error NAME IMAGE REASON: "could not load kernel" plus the reason
expect_load_error() {
	expect_error "$1" "could not load kernel '$dir/$2'" -kernel "$dir/$2"
	if [ "$status" -ne 0 ] && ! grep -q -F -- "$3" "$dir/err"; then
		fail "$1 reason" "stderr lacks '$3': $(first_err)"
	fi
}

# expect_probe NAME TEXT args...: exit 0 and TEXT on stdout
expect_probe() {
	name=$1 text=$2
	shift 2
	run "$@"
	if [ "$status" -ne 0 ]; then
		fail "$name" "exit status $status: $(first_err)"
	elif ! grep -q -F -- "$text" "$dir/out"; then
		fail "$name" "stdout lacks '$text'"
	else
		pass "$name"
	fi
}

# expect_boot NAME STATUS OUTPUT args...: the guest ran, exited with STATUS,
# printed OUTPUT (empty: nothing) on stdout and nothing but warnings on stderr
expect_boot() {
	name=$1 want=$2 text=$3
	shift 3
	run "$@"
	if [ "$status" -ne "$want" ]; then
		fail "$name" "exit status $status, want $want: $(first_err)"
	elif [ -n "$text" ] && [ "$(cat "$dir/out")" != "$text" ]; then
		fail "$name" "stdout '$(head -c 80 "$dir/out")', want '$text'"
	elif [ -z "$text" ] && [ -s "$dir/out" ]; then
		fail "$name" "stdout should be empty: '$(head -c 80 "$dir/out")'"
	elif ! stderr_clean; then
		fail "$name" "stderr: $(first_err)"
	else
		pass "$name"
	fi
}

# expect_guest_end NAME IMAGE TEXT: a guest that dies ends the run with
# status 2 and a message naming what happened (never a host crash or hang)
expect_guest_end() {
	run -kernel "$dir/$2" -serial none -display none -no-reboot
	if [ "$status" -ne 2 ]; then
		fail "$1" "exit status $status, want 2: $(first_err)"
	elif ! grep -q -F -- "$3" "$dir/err"; then
		fail "$1" "stderr lacks '$3': $(first_err)"
	else
		pass "$1"
	fi
}

expect_guest_end guest-jumps-to-unmapped jump-unmapped.elf "guest triple fault"
expect_guest_end guest-triple-fault triple.elf "guest triple fault (shutdown) on CPU 0 at RIP 0x40006"
expect_guest_end guest-halts-forever hlt-forever.elf "every CPU is halted"

# --- images the loader must refuse ---
expect_error missing-image "could not load kernel" -kernel "$dir/does-not-exist.elf"
expect_load_error empty-image empty.elf "empty"
expect_load_error truncated-elf truncated.elf "truncated ELF header"
expect_load_error not-elf notelf.bin "not a multiboot or ELF image"
expect_load_error phdr-past-eof phoff.elf "program headers"
expect_load_error segment-past-eof phdrpast.elf "past the end of the file"
expect_load_error oversized-image bigbss.elf "outside RAM"
expect_load_error vga-hole vgaload.elf "VGA/BIOS"
expect_load_error wrong-machine badmachine.elf "not i386"
expect_load_error aout-truncated aouttrunc.bin "truncated"
expect_error missing-initrd "could not load initrd" \
	-kernel "$dir/exit0.elf" -initrd "$dir/no-such-env"
expect_error directory-image "not a regular file" -kernel "$dir"

# --- bad option values name the option ---
expect_error bad-m-text "-m" -kernel "$dir/exit0.elf" -m lots
expect_error bad-m-small "too small" -kernel "$dir/exit0.elf" -m 1k
expect_error bad-m-large "too large" -kernel "$dir/exit0.elf" -m 2T
expect_error bad-m-suffix "-m" -kernel "$dir/exit0.elf" -m 4Q
expect_error bad-smp-zero "-smp" -kernel "$dir/exit0.elf" -smp 0
expect_error bad-smp-65 "out of range" -kernel "$dir/exit0.elf" -smp 65
expect_error bad-smp-topology "topology" -kernel "$dir/exit0.elf" -smp 2,cores=3
expect_error bad-smp-key "-smp" -kernel "$dir/exit0.elf" -smp 2,bogus=1
expect_error unknown-option "unknown option '-foo'" -foo
expect_error unknown-option-dashdash "unknown option '--frobnicate'" --frobnicate
expect_error missing-argument "needs an argument" -kernel
expect_error stray-argument "unexpected argument" disk.img
expect_error no-kvm-accel "KVM" -kernel "$dir/exit0.elf" -machine accel=kvm
expect_error no-enable-kvm "KVM" -kernel "$dir/exit0.elf" -enable-kvm
expect_error machine-q35 "q35" -kernel "$dir/exit0.elf" -machine q35
expect_error machine-usb-on "no USB controller" -kernel "$dir/exit0.elf" -machine pc,usb=on
expect_error machine-bad-prop "see -machine pc,help" -kernel "$dir/exit0.elf" -machine nosuch=1
expect_error unknown-device "'virtio-net-pci' is not a device" -device virtio-net-pci
expect_error serial-tcp "-serial" -kernel "$dir/exit0.elf" -serial tcp:localhost:4444
expect_error display-gtk "-display" -kernel "$dir/exit0.elf" -display gtk
expect_error debug-exit-prop "iosize" -device isa-debug-exit,iosize=9
expect_error log-unknown "unknown log category" -kernel "$dir/exit0.elf" -d bogus
expect_error icount-shift "-icount" -kernel "$dir/exit0.elf" -icount shift=99
# VMX capabilities by QEMU's names: nestbox's own set only, unknown names named
expect_error cpu-vmx-unimplemented "VMX feature 'vmx-mbec' (Mode-based execute control for EPT) is not implemented" \
	-kernel "$dir/exit0.elf" -cpu max,+vmx,+vmx-mbec
expect_error cpu-vmx-unknown "unknown VMX feature 'vmx-nosuch'" \
	-kernel "$dir/exit0.elf" -cpu max,+vmx,-vmx-nosuch

# --- probes runners make ---
expect_probe help QEMU --help
expect_probe help-single-dash QEMU -help
expect_probe help-h QEMU -h
expect_probe version "QEMU emulator version 7.2.0" --version
expect_probe version-single-dash "nestbox version" -version
for d in isa-debug-exit pc-testdev pci-testdev; do
	expect_probe "device-list-$d" "name \"$d\"" -device '?'
done
expect_probe device-help-isa "bus ISA" -device help
expect_probe device-help-pci 'name "pci-testdev", bus PCI' -device help
expect_probe device-props "iobase" -device isa-debug-exit,help
expect_probe machine-list "pc " -machine '?'
expect_probe machine-help "i440FX" -machine help
expect_probe machine-props "pit=<OnOffAuto>" -machine pc,help
expect_probe log-help "exec" -d help
run -cpu '?'
if [ "$status" -eq 0 ] && [ -s "$dir/out" ]; then pass cpu-list; else fail cpu-list "status $status"; fi
# every model, alias and version of QEMU 7.2's list (qemu-7.2-cpu-help.txt is
# `qemu-system-x86_64 -cpu help` of Debian 12's QEMU), in QEMU's layout, and
# every feature flag name QEMU knows
qemu_help=$here/qemu-7.2-cpu-help.txt
run -cpu help
sed -n '1,/^$/p' "$qemu_help" > "$dir/qemu-models"
sed -n '1,/^$/p' "$dir/out" > "$dir/our-models"
if cmp -s "$dir/our-models" "$dir/qemu-models"; then
	pass cpu-help-models-as-qemu
else
	fail cpu-help-models-as-qemu "$(diff "$dir/our-models" "$dir/qemu-models" | head -n 3 | tr '\n' ' ')"
fi
sed -n '/^Recognized CPUID flags/,$p' "$qemu_help" | tail -n +2 | tr -s ' ' '\n' | grep . | sort -u > "$dir/qemu-flags"
sed -n '/^Recognized CPUID flags/,/^$/p;/^Recognized VMX/,$p' "$dir/out" | grep -v '^Recognized' | \
	tr -s ' ' '\n' | tr -d '*' | grep . | sort -u > "$dir/our-flags"
missing=$(comm -23 "$dir/qemu-flags" "$dir/our-flags" | tr '\n' ' ')
if [ -z "$missing" ]; then pass cpu-help-flags-as-qemu; else fail cpu-help-flags-as-qemu "missing: $missing"; fi

# --- booting (needs the CPU core) ---
hello=nestbox-cli
expect_boot runner-command-line 1 "$hello" \
	--no-reboot -nodefaults -global kvm-pit.lost_tick_policy=discard \
	-device pc-testdev -device isa-debug-exit,iobase=0xf4,iosize=0x4 -display none \
	-serial stdio -device pci-testdev -machine accel=tcg -kernel "$dir/exit0.elf" -smp 2 \
	-cpu max,+svm -m 4g -append "test filters ..." -initrd "$dir/env"
for code in 0 1 3; do
	expect_boot "exit-status-code-$code" $(( (code << 1) | 1 )) "$hello" \
		-kernel "$dir/exit$code.elf"
done
expect_boot dashdash-options 3 "$hello" --kernel "$dir/exit1.elf" --m 64M --smp 1 --no-reboot
# command lines from public suites' configurations
expect_boot cpu-opteron-vendor 1 "$hello" -kernel "$dir/exit0.elf" -cpu Opteron_G1,vendor=AuthenticAMD
expect_boot cpu-ivybridge-phys-bits 1 "$hello" -kernel "$dir/exit0.elf" \
	-cpu IvyBridge,phys-bits=36,host-phys-bits=off
expect_boot cpu-max-svm-skinit 1 "$hello" -kernel "$dir/exit0.elf" -cpu max,+svm,+skinit
if grep -q "warning: nestbox doesn't support requested feature: CPUID.80000001H:ECX.skinit" "$dir/err"; then
	pass cpu-unimplemented-flag-warns
else
	fail cpu-unimplemented-flag-warns "$(first_err)"
fi
expect_boot cpu-versioned-alias 1 "$hello" -kernel "$dir/exit0.elf" -cpu Skylake-Server-noTSX-IBRS,+kvmclock
expect_error cpu-unknown-flag "unknown CPU feature 'nosuchflag'" -kernel "$dir/exit0.elf" -cpu max,+nosuchflag
expect_error cpu-enforce-unimplemented "'avx2' is not implemented" -kernel "$dir/exit0.elf" \
	-cpu Haswell,+avx2,enforce
expect_boot cpu-vmx-edits 1 "$hello" -kernel "$dir/exit0.elf" \
	-cpu max,+vmx,-vmx-hlt-exit,-vmx-ept,vmx-rdseed-exit=off
expect_boot boot-state 1 "" -kernel "$dir/bootstate.elf" -m 128M -initrd "$dir/env" \
	-append "hello"
expect_boot aout-kludge 7 "$hello" -kernel "$dir/aout.bin"
expect_boot elf64-plain 3 "$hello" -kernel "$dir/elf64.elf"
expect_boot elf64-multiboot 3 "$hello" -kernel "$dir/elf64mb.elf"
# linked at 32 KiB over the usual boot information page: it moves after the
# image; the image then drops to real mode
expect_boot multiboot-at-32k 1 "$hello" -kernel "$dir/low32k.elf"
expect_boot elf32-no-multiboot-header 1 "$hello" -kernel "$dir/plain32.elf"
expect_boot qemu-accepted-extras 1 "$hello" -kernel "$dir/exit0.elf" -name t -vga none \
	-monitor none -nographic -overcommit cpu-pm=on -machine pc,accel=kvm:tcg -accel tcg \
	-icount shift=2 -seed 7 -m 1.5G -smp 4,cores=2,threads=1
expect_boot machine-properties 1 "$hello" -kernel "$dir/exit0.elf" \
	-machine pc,pit=off,hpet=off,smm=off,vmport=off,pic=on,acpi=on,sata=off,usb=off \
	-machine kernel-irqchip=split -M pc-i440fx-7.2
rm -f "$dir/serial.txt"
expect_boot serial-file 1 "" -kernel "$dir/exit0.elf" -serial "file:$dir/serial.txt"
if [ "$(cat "$dir/serial.txt" 2>/dev/null)" = "$hello" ]; then
	pass serial-file-content
else
	fail serial-file-content "file has '$(head -c 80 "$dir/serial.txt" 2>/dev/null)'"
fi
expect_boot serial-none 1 "" -kernel "$dir/exit0.elf" -serial none
# --- outputs never destroy inputs; odd files and failed writes are clear ---
cp "$dir/exit0.elf" "$dir/victim.elf"
expect_error serial-file-is-kernel "refusing to overwrite an input" \
	-kernel "$dir/victim.elf" -serial "file:$dir/victim.elf"
if cmp -s "$dir/exit0.elf" "$dir/victim.elf"; then pass serial-file-is-kernel-intact
else fail serial-file-is-kernel-intact "the image was changed"; fi
cp "$dir/env" "$dir/victim.env"
ln -f "$dir/victim.env" "$dir/victim-link.env"
expect_error serial-file-is-initrd "is the -initrd file" \
	-kernel "$dir/exit0.elf" -initrd "$dir/victim.env" -serial "file:$dir/victim-link.env"
if cmp -s "$dir/env" "$dir/victim.env"; then pass serial-file-is-initrd-intact
else fail serial-file-is-initrd-intact "the module was changed"; fi
# the serial file is opened after the image is read: a load error leaves it alone
echo keep > "$dir/serial-keep.txt"
expect_error serial-file-after-load "could not load kernel" \
	-kernel "$dir/empty.elf" -serial "file:$dir/serial-keep.txt"
if [ "$(cat "$dir/serial-keep.txt")" = keep ]; then pass serial-file-opened-after-load
else fail serial-file-opened-after-load "truncated before the image was read"; fi
rm -f "$dir/fifo" && mkfifo "$dir/fifo"
expect_error fifo-kernel "not a regular file (a FIFO)" -kernel "$dir/fifo"
expect_error fifo-initrd "could not load initrd '$dir/fifo': not a regular file (a FIFO)" \
	-kernel "$dir/exit0.elf" -initrd "$dir/fifo"
expect_error chardev-kernel "not a regular file (a character device)" -kernel /dev/zero
rm -f "$dir/fifo"
expect_error serial-dev-full "serial output '/dev/full': write error: No space left on device" \
	-kernel "$dir/exit0.elf" -serial file:/dev/full
if [ "$status" -eq 1 ] && [ "$(grep -c 'write error' "$dir/err")" -eq 1 ]; then
	pass serial-dev-full-once
else
	fail serial-dev-full-once "status $status (want 1), $(grep -c 'write error' "$dir/err") reports"
fi
expect_error serial-open-fails "cannot open serial output file '$dir/no/such/dir': No such file" \
	-kernel "$dir/exit0.elf" -serial "file:$dir/no/such/dir"

run -kernel "$dir/exit0.elf" -counters
if [ "$status" -eq 1 ] && grep -q 'counters: .*instructions=' "$dir/err"; then
	pass counters
else
	fail counters "status $status: $(first_err)"
fi

# --- -d categories (README.md "Diagnostics") and -D ---
# expect_log NAME CATEGORY IMAGE PATTERN [args]: the run logs a line matching
# PATTERN (grep -E) under [CATEGORY], and the guest ends as it does without -d
expect_log() {
	name=$1 cat=$2 image=$3 pattern=$4
	shift 4
	run -kernel "$image" -d "$cat" "$@"
	if [ "$status" -eq 124 ]; then
		fail "$name" "timed out"
	elif ! grep -q -E -- "^\[$cat\] $pattern" "$dir/err"; then
		fail "$name" "no '[$cat] $pattern' line: $(first_err)"
	else
		pass "$name"
	fi
}
expect_log log-exec exec "$dir/exit0.elf" "cpu0 0x400[0-9a-f]+: out dx, al"
expect_log log-exec-order exec "$dir/exit0.elf" "cpu0 0x400[0-9a-f]+: mov dx, 0x3F8"
expect_log log-int int "$dir/triple.elf" "cpu0 deliver vector 13 \(exception\) error 0 cpl 0 rip 0x[0-9a-f]+"
expect_log log-cpu cpu "$dir/exit0.elf" "cpu0 mode real -> protected32 at rip 0x[0-9a-f]+ cpl 0 cr0 0x11"
expect_log log-guest guest "$dir/debugcon.elf" "cpu0 hello from the guest$"
if [ "$status" -eq 1 ]; then pass log-guest-port-reads-e9; else fail log-guest-port-reads-e9 "status $status"; fi
# vmx (and the reserved svm) print nothing for a guest that uses neither
run -kernel "$dir/exit0.elf" -d vmx,svm
if [ "$status" -eq 1 ] && ! grep -q . "$dir/err"; then pass log-vmx-svm-quiet
else fail log-vmx-svm-quiet "status $status: $(first_err)"; fi
# the categories' lines that need paging and long mode come from the demo guest
demo=$O/tests/guest/demo.elf
if [ -f "$demo" ]; then
	expect_log log-mmu mmu "$demo" "cpu0 #PF lin 0x[0-9a-f]+ err (0|0x[0-9a-f]+) \(not present, .*4-level paging: PML4E@0x[0-9a-f]+=0x[0-9a-f]+ .*PDE@0x[0-9a-f]+=0$"
	expect_log log-cpu-long cpu "$demo" "cpu0 mode compat32 -> long64 at rip 0x[0-9a-f]+ cpl 0 cr0 0x8"
	expect_log log-int-pf int "$demo" "cpu0 deliver vector 14 \(exception\) error (0|0x[0-9a-f]+) cpl 0 rip 0x[0-9a-f]+"
	expect_log log-vmx vmx "$demo" "cpu0 VM exit CPUID \(10\) qualification 0, L2 rip 0x[0-9a-f]+ -> L1 rip 0x[0-9a-f]+$" -cpu max,+vmx
	expect_log log-svm svm "$demo" "cpu0 #VMEXIT VMMCALL \(0x81\) exitinfo1 0 exitinfo2 0, L2 rip 0x[0-9a-f]+ -> L1 rip 0x[0-9a-f]+$" -cpu max,+svm
	# a failed VM entry names the wrong control bits by their SDM names and
	# shows the guest segment registers for a segment row
	ec=$O/tests/guest/vmx_entry_checks.elf
	[ -f "$ec" ] &&
		expect_log log-vmx-ctl-bits vmx "$ec" "cpu0   must be 1, is 0: bit 1 \(reserved\)$" -cpu max,+vmx
	[ -f "$ec" ] &&
		expect_log log-vmx-cr vmx "$ec" "cpu0   must be 1, is 0: CR0 bit 5 NE$" -cpu max,+vmx
	[ -f "$O/tests/guest/vmx_v86.elf" ] &&
		expect_log log-vmx-segs vmx "$O/tests/guest/vmx_v86.elf" "cpu0   guest CS   selector 0x1000 base 0x10000 limit 0xffff access rights 0xfb$" -cpu max,+vmx
	# a VMRUN that fails a check shows the save- and control-area fields
	[ -f "$O/tests/guest/svm_checks.elf" ] &&
		expect_log log-svm-fields svm "$O/tests/guest/svm_checks.elf" "cpu0   save area: EFER 0x500 CR0 0x[0-9a-f]+ CR3 0x[0-9a-f]+ CR4 0x[0-9a-f]+ DR6 0xffff0ff0 DR7 0x400 CS attrib 0x[0-9a-f]+ CPL 0$" -cpu max,+svm
	[ -f "$O/tests/guest/pci_bus.elf" ] &&
		expect_log log-dev dev "$O/tests/guest/pci_bus.elf" "unassigned (read|in) 0x[0-9a-f]+/[1248]$"
else
	echo "SKIP: cli: log-mmu (no $demo: make guests)"
fi
rm -f "$dir/log.txt"
run -kernel "$dir/triple.elf" -d int,cpu -D "$dir/log.txt"
if grep -q '^\[int\] cpu0 deliver vector 13' "$dir/log.txt" 2>/dev/null && \
   grep -q '^\[cpu\] ' "$dir/log.txt" && ! grep -q '^\[' "$dir/err"; then
	pass log-file-D
else
	fail log-file-D "log file: $(head -c 80 "$dir/log.txt" 2>/dev/null); stderr: $(first_err)"
fi
cp "$dir/exit0.elf" "$dir/victim2.elf"
expect_error log-file-is-kernel "refusing to overwrite an input" \
	-kernel "$dir/victim2.elf" -d int -D "$dir/victim2.elf"
cmp -s "$dir/exit0.elf" "$dir/victim2.elf" && pass log-file-is-kernel-intact || \
	fail log-file-is-kernel-intact "the image was changed"
truncate -s 6M "$dir/big.env"
expect_error initrd-too-large "could not load initrd '$dir/big.env'" \
	-kernel "$dir/exit0.elf" -initrd "$dir/big.env" -m 8M
expect_error cpu-empty "-cpu: needs a CPU model" -kernel "$dir/exit0.elf" -cpu ""
expect_error log-empty-list "names no log category" -kernel "$dir/exit0.elf" -d ""
expect_error gdb-wait-alone "-S waits for a debugger" -kernel "$dir/exit0.elf" -S
expect_error gdb-bad-spec "-gdb: 'tcp:0.0.0.0:1234' is not supported" \
	-kernel "$dir/exit0.elf" -gdb tcp:0.0.0.0:1234

# --- no -kernel: the bundled demo guest beside the binary ---
if [ -f "$O/tests/guest/demo.elf" ]; then
	run
	if [ "$status" -eq 1 ] && grep -q '^PASS:' "$dir/out" && stderr_clean; then
		pass demo-guest
	else
		fail demo-guest "exit status $status: $(first_err)"
	fi
fi
# a copy of the binary with no demo guest beside it says so
mkdir -p "$dir/bin" && cp "$EMU" "$dir/bin/nestbox"
real_emu=$EMU
EMU=$dir/bin/nestbox
expect_error demo-guest-missing "bundled demo guest" -m 64M
mkdir -p "$dir/o/rel" && cp "$real_emu" "$dir/o/rel/nestbox"
EMU=$dir/o/rel/nestbox
expect_error demo-guest-missing-rel-hint "build it with 'make MODE=rel guests'" -m 64M
EMU=$real_emu
exit 0
