/* svm/insn.c: the SVM instructions (AMD APM Vol.2 "Secure Virtual Machine";
 * Vol.3 "VMRUN", "VMLOAD", "VMSAVE", "VMMCALL", "STGI", "CLGI", "INVLPGA",
 * "SKINIT"). */
#include "cpu/decode/insn.h"
#include "cpu/fault.h"
#include "svm/svm.h"

/* not yet implemented: #UD as on a processor without SVM */
void exec_vmrun(struct cpu *c, const struct insn *i) { cpu_ud(c); }
void exec_vmload(struct cpu *c, const struct insn *i) { cpu_ud(c); }
void exec_vmsave(struct cpu *c, const struct insn *i) { cpu_ud(c); }
void exec_vmmcall(struct cpu *c, const struct insn *i) { cpu_ud(c); }
void exec_stgi(struct cpu *c, const struct insn *i) { cpu_ud(c); }
void exec_clgi(struct cpu *c, const struct insn *i) { cpu_ud(c); }
void exec_invlpga(struct cpu *c, const struct insn *i) { cpu_ud(c); }
void exec_skinit(struct cpu *c, const struct insn *i) { cpu_ud(c); }
