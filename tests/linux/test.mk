# The Linux guest (docs/linux.md): Debian's stock kernel, fetched with
# Debian's tools, and an initramfs made from busybox-static, cached under
# o/linux (shared by every MODE, never committed).
LINUX_DIR := o/linux
LINUX_KERNEL := $(LINUX_DIR)/vmlinuz
LINUX_VMLINUX := $(LINUX_DIR)/vmlinux
LINUX_INITRD := $(LINUX_DIR)/initrd.cpio
BUSYBOX := /bin/busybox

LINUX_KVM_INITRD := $(LINUX_DIR)/initrd-kvm.cpio
LINUX_MODULES := $(addprefix $(LINUX_DIR)/modules/,irqbypass.ko kvm.ko ccp.ko kvm-intel.ko kvm-amd.ko)

$(LINUX_KERNEL) $(LINUX_MODULES):
	@sh tools/fetch-linux.sh $(LINUX_DIR)

# the uncompressed kernel inside the bzImage (booted through PVH: no
# decompressor, a third of the instructions)
$(LINUX_VMLINUX): $(LINUX_KERNEL) tools/extract-vmlinux.py
	python3 tools/extract-vmlinux.py $(LINUX_KERNEL) $@

# with Linux's perf (Debian's linux-perf: /usr/bin/perf and the shared
# libraries it needs, under /perf) and its workload (tests/linux/perfloop.c)
PERF := /usr/bin/perf
$(LINUX_DIR)/perfloop: tests/linux/perfloop.c
	@mkdir -p $(LINUX_DIR)
	$(CC) -static -nostdlib -O2 -Wall -o $@ $<

$(LINUX_INITRD): tools/mkinitramfs.py tests/linux/init.sh tests/linux/checks.sh \
		$(LINUX_DIR)/perfloop | deps
	@mkdir -p $(LINUX_DIR)
	python3 tools/mkinitramfs.py $@ $(BUSYBOX) tests/linux/init.sh checks.sh=tests/linux/checks.sh \
		perfloop=$(LINUX_DIR)/perfloop perf/perf=elf:$(PERF)

# the KVM guest (docs/linux.md "Linux with KVM as L1"): the same init, plus
# Debian's KVM modules and kvmtest, a static /dev/kvm client that runs L2
$(LINUX_DIR)/kvmtest: tests/linux/kvmtest.c
	@mkdir -p $(LINUX_DIR)
	$(CC) -static -O2 -Wall -pthread -o $@ $<

$(LINUX_DIR)/kvmlinux: tests/linux/kvmlinux.c
	@mkdir -p $(LINUX_DIR)
	$(CC) -static -O2 -Wall -o $@ $<

# the L2 Linux's initramfs (tests/linux/l2-init.sh), inside the KVM one
$(LINUX_DIR)/initrd-l2.cpio: tools/mkinitramfs.py tests/linux/l2-init.sh | deps
	@mkdir -p $(LINUX_DIR)
	python3 tools/mkinitramfs.py $@ $(BUSYBOX) tests/linux/l2-init.sh

$(LINUX_KVM_INITRD): tools/mkinitramfs.py tests/linux/init.sh tests/linux/checks.sh \
		$(LINUX_DIR)/kvmtest $(LINUX_DIR)/kvmlinux $(LINUX_DIR)/initrd-l2.cpio \
		$(LINUX_VMLINUX) $(LINUX_MODULES) | deps
	python3 tools/mkinitramfs.py $@ $(BUSYBOX) tests/linux/init.sh checks.sh=tests/linux/checks.sh \
		kvmtest=$(LINUX_DIR)/kvmtest kvmlinux=$(LINUX_DIR)/kvmlinux \
		initrd-l2.cpio=$(LINUX_DIR)/initrd-l2.cpio vmlinux=$(LINUX_VMLINUX) \
		$(foreach m,$(LINUX_MODULES),$(notdir $(m))=$(m))

.PHONY: linux-guest linux-nestbox run-linux run-linux-kvm
linux-guest: $(LINUX_KERNEL) $(LINUX_VMLINUX) $(LINUX_INITRD) $(LINUX_KVM_INITRD)

# The test tier boots Linux with the optimised build whatever MODE is: a
# boot is ~3 G instructions, half a minute in rel but far longer at -O0
# (dbg) or under the sanitizers (docs/linux.md)
linux-nestbox:
	@$(MAKE) --no-print-directory MODE=rel o/rel/nestbox

# boot it interactively: a busybox shell on the serial console
# (`poweroff -f` or Ctrl-A x ends the run; LINUX_SMP / LINUX_MEM / LINUX_APPEND
# tune it)
LINUX_SMP ?= 1
LINUX_MEM ?= 256M
LINUX_APPEND ?= console=ttyS0
# (with the rel build: about a minute and a half of host CPU to the shell;
# LINUX_RUN_KERNEL=$(LINUX_VMLINUX) skips the decompressor, half a minute)
LINUX_RUN_KERNEL ?= $(LINUX_KERNEL)
# the same with KVM loaded in the guest (Linux as L1; /kvmtest runs L2s):
# LINUX_KVM_CPU=EPYC,+svm,+vgif for kvm_amd
LINUX_KVM_CPU ?= max,+vmx
run-linux-kvm: linux-nestbox linux-guest
	@o/rel/nestbox -cpu $(LINUX_KVM_CPU) -smp $(LINUX_SMP) -m 512M -kernel $(LINUX_VMLINUX) \
		-initrd $(LINUX_KVM_INITRD) -append "$(LINUX_APPEND) nestbox.kvmshell" \
		-serial mon:stdio -display none

run-linux: linux-nestbox linux-guest
	@o/rel/nestbox -smp $(LINUX_SMP) -m $(LINUX_MEM) -kernel $(LINUX_RUN_KERNEL) \
		-initrd $(LINUX_INITRD) -append "$(LINUX_APPEND)" -serial mon:stdio -display none
