/* cpu/decode/decode.c: Zydis output -> our compact struct insn, and the decoded
 * block cache. The hot path never calls Zydis: blocks are decoded once per
 * (physical address, mode) and reused until their page is written. */
#include "cpu/decode/decode.h"

#include <Zydis/Zydis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cpu/decode/fastpath.h"
#include "cpu/fault.h"
#include "cpu/memory/mem.h"
#include "machine/machine.h"
#include "svm/vmcb.h"
#include "vmx/vmcs.h"

/* --- the handler table, from every handlers_*.def --- */
static insn_fn *handler_table[ZYDIS_MNEMONIC_MAX_VALUE + 1];
/* the exits column (handlers_all.def), read twice: VM exit reasons by
 * mnemonic (VX), and SVM exit codes by mnemonic (SX), with every reason or
 * code some instruction raises. An SVM exit code is a bit: the CR and DR
 * read/write codes (00h-3Fh) one bit per group of 16, the codes from 60h
 * one bit each (svm_exit_bit). */
typedef unsigned __int128 exit_set;
static exit_set exit_table[ZYDIS_MNEMONIC_MAX_VALUE + 1], insn_exit_reasons;
static exit_set svm_exit_table[ZYDIS_MNEMONIC_MAX_VALUE + 1], insn_svm_exits;
static bool handler_table_ready;

#define SVM_EXIT_BIT(code) ((code) < 0x40 ? (code) >> 4 : (code) - 0x60 + 4)
_Static_assert(SVM_EXIT_BIT(SVM_EXIT_IDLE_HLT) < 128, "an instruction's exit code fits exit_set");
static int svm_exit_bit(u64 code)
{
	if (code < 0x40)
		return (int)(code >> 4);
	if (code < 0x60 || code - 0x60 + 4 >= 128)
		return -1; /* exceptions, events, #NPF...: no instruction's own */
	return (int)(code - 0x60 + 4);
}

insn_fn exec_ud;
void exec_ud(struct cpu *c, const struct insn *i)
{
	cpu_ud(c);
}

static void build_handler_table(void)
{
	for (unsigned k = 0; k <= ZYDIS_MNEMONIC_MAX_VALUE; k++)
		handler_table[k] = exec_ud;
#define H(m, fn) handler_table[ZYDIS_MNEMONIC_##m] = fn;
#define HX(m, fn, exits)                                   \
	handler_table[ZYDIS_MNEMONIC_##m] = fn;            \
	exit_table[ZYDIS_MNEMONIC_##m] = (exits);          \
	insn_exit_reasons |= (exits);
#define VX(name) ((exit_set)1 << EXIT_REASON_##name)
#define SX(name) 0
#include "cpu/decode/handlers_all.def"
#undef SX
#undef VX
#undef HX
#undef H
#define H(m, fn)
#define HX(m, fn, exits)                                   \
	svm_exit_table[ZYDIS_MNEMONIC_##m] = (exits);      \
	insn_svm_exits |= (exits);
#define VX(name) 0
#define SX(name) ((exit_set)1 << SVM_EXIT_BIT(SVM_EXIT_##name))
#include "cpu/decode/handlers_all.def"
#undef SX
#undef VX
#undef HX
#undef H
	handler_table_ready = true;
}

bool insn_can_exit(unsigned mnemonic, unsigned reason)
{
	if (!handler_table_ready)
		build_handler_table();
	if (reason >= 128 || !((insn_exit_reasons >> reason) & 1))
		return true; /* not an instruction's own exit (APIC access, EPT...) */
	return mnemonic <= ZYDIS_MNEMONIC_MAX_VALUE && ((exit_table[mnemonic] >> reason) & 1);
}

bool insn_can_svm_exit(unsigned mnemonic, u64 exitcode)
{
	if (!handler_table_ready)
		build_handler_table();
	int b = svm_exit_bit(exitcode);
	if (b < 0 || !((insn_svm_exits >> b) & 1))
		return true; /* not an instruction's own exit (#NPF, events...) */
	return mnemonic <= ZYDIS_MNEMONIC_MAX_VALUE && ((svm_exit_table[mnemonic] >> b) & 1);
}

insn_fn *decode_handler(unsigned mnemonic)
{
	if (!handler_table_ready)
		build_handler_table();
	return mnemonic <= ZYDIS_MNEMONIC_MAX_VALUE ? handler_table[mnemonic] : exec_ud;
}

/* --- Zydis decoders, one per mode --- */
static ZydisDecoder decoders[MODE_LONG64 + 1];
static bool decoders_ready;

static void init_decoders(void)
{
	static const struct { ZydisMachineMode mm; ZydisStackWidth sw; } modes[] = {
		[MODE_REAL] = { ZYDIS_MACHINE_MODE_REAL_16, ZYDIS_STACK_WIDTH_16 },
		[MODE_VM86] = { ZYDIS_MACHINE_MODE_REAL_16, ZYDIS_STACK_WIDTH_16 },
		[MODE_PROT16] = { ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16 },
		[MODE_PROT32] = { ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32 },
		[MODE_COMPAT16] = { ZYDIS_MACHINE_MODE_LONG_COMPAT_16, ZYDIS_STACK_WIDTH_16 },
		[MODE_COMPAT32] = { ZYDIS_MACHINE_MODE_LONG_COMPAT_32, ZYDIS_STACK_WIDTH_32 },
		[MODE_LONG64] = { ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64 },
	};
	for (unsigned m = 0; m <= MODE_LONG64; m++)
		ZydisDecoderInit(&decoders[m], modes[m].mm, modes[m].sw);
	decoders_ready = true;
}

static u8 seg_of(ZydisRegister r)
{
	switch (r) {
	case ZYDIS_REGISTER_ES: return SEG_ES;
	case ZYDIS_REGISTER_CS: return SEG_CS;
	case ZYDIS_REGISTER_SS: return SEG_SS;
	case ZYDIS_REGISTER_DS: return SEG_DS;
	case ZYDIS_REGISTER_FS: return SEG_FS;
	case ZYDIS_REGISTER_GS: return SEG_GS;
	default: return SEG_NONE;
	}
}

/* general register index: 0-15, 16-19 for AH CH DH BH, REG_RIP, or REG_NONE */
static u8 gpr_of(ZydisRegister r)
{
	if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH)
		return (u8)(16 + (r - ZYDIS_REGISTER_AH));
	if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL)
		return (u8)(r - ZYDIS_REGISTER_AL);
	if (r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_R15B)
		return (u8)(4 + (r - ZYDIS_REGISTER_SPL));
	if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W)
		return (u8)(r - ZYDIS_REGISTER_AX);
	if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D)
		return (u8)(r - ZYDIS_REGISTER_EAX);
	if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15)
		return (u8)(r - ZYDIS_REGISTER_RAX);
	if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP || r == ZYDIS_REGISTER_IP)
		return REG_RIP;
	return REG_NONE;
}

static void convert_reg(ZydisRegister r, struct opnd *o)
{
	switch (ZydisRegisterGetClass(r)) {
	case ZYDIS_REGCLASS_GPR8: case ZYDIS_REGCLASS_GPR16:
	case ZYDIS_REGCLASS_GPR32: case ZYDIS_REGCLASS_GPR64:
		o->kind = OPK_REG;
		o->reg = gpr_of(r);
		break;
	case ZYDIS_REGCLASS_SEGMENT: o->kind = OPK_SREG; o->reg = seg_of(r); break;
	case ZYDIS_REGCLASS_CONTROL: o->kind = OPK_CR; o->reg = (u8)ZydisRegisterGetId(r); break;
	case ZYDIS_REGCLASS_DEBUG: o->kind = OPK_DR; o->reg = (u8)ZydisRegisterGetId(r); break;
	case ZYDIS_REGCLASS_XMM: o->kind = OPK_XMM; o->reg = (u8)ZydisRegisterGetId(r); break;
	case ZYDIS_REGCLASS_X87: o->kind = OPK_ST; o->reg = (u8)ZydisRegisterGetId(r); break;
	case ZYDIS_REGCLASS_MMX: o->kind = OPK_MMX; o->reg = (u8)ZydisRegisterGetId(r); break;
	default: o->kind = OPK_NONE; break;
	}
}

static void convert_mem(struct insn *out, const ZydisDecodedInstruction *zi,
			const ZydisDecodedOperand *op)
{
	out->flags |= INSN_F_HAS_MEM;
	out->base = gpr_of(op->mem.base);
	out->index = gpr_of(op->mem.index);
	out->scale = op->mem.scale ? (u8)__builtin_ctz(op->mem.scale) : 0;
	out->disp = op->mem.disp.has_displacement ? op->mem.disp.value : 0;
	out->seg = seg_of(op->mem.segment);
	/* SDM Vol.2A "32-Bit Addressing Forms with the SIB Byte" and "Special
	 * Cases of REX Encodings": SIB.base = 101b with ModRM.mod = 00b means
	 * disp32 and no base, whatever REX.B says. Zydis 4.0 gets this wrong
	 * with a 67h prefix in 64-bit mode (it reports base R13D and no
	 * displacement; found by the differential tier), so decode it here. */
	bool legacy = zi->encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY;
	bool vex = zi->encoding == ZYDIS_INSTRUCTION_ENCODING_VEX;
	if (zi->machine_mode == ZYDIS_MACHINE_MODE_LONG_64 && zi->address_width == 32 &&
	    (legacy || vex) && zi->raw.sib.offset &&
	    zi->raw.modrm.mod == 0 && zi->raw.sib.base == 5 && zi->raw.disp.size == 32) {
		/* raw VEX.X is stored as encoded, i.e. inverted */
		bool x = legacy ? zi->raw.rex.X != 0 : zi->raw.vex.X == 0;
		unsigned idx = zi->raw.sib.index | (x ? 8u : 0u);
		out->base = REG_NONE;
		out->index = idx == 4 ? REG_NONE : (u8)idx;
		out->scale = zi->raw.sib.scale;
		out->disp = zi->raw.disp.value;
	}
}

/* instructions after which the block must end: they may change what the
 * step loop checks only at block boundaries (IF, TF, DR7, shadows, mode),
 * or always leave the straight line. A conditional branch does not end a
 * block: when it is not taken, execution goes on in the same block (the
 * step loop leaves a block whenever RIP is not the fall-through). */
static bool ends_block(const ZydisDecodedInstruction *zi)
{
	switch (zi->meta.category) {
	case ZYDIS_CATEGORY_UNCOND_BR:
	case ZYDIS_CATEGORY_CALL: case ZYDIS_CATEGORY_RET:
	case ZYDIS_CATEGORY_INTERRUPT: case ZYDIS_CATEGORY_SYSCALL:
	case ZYDIS_CATEGORY_SYSRET: case ZYDIS_CATEGORY_SYSTEM:
	case ZYDIS_CATEGORY_FLAGOP: case ZYDIS_CATEGORY_SEGOP:
	case ZYDIS_CATEGORY_IO: case ZYDIS_CATEGORY_IOSTRINGOP:
	case ZYDIS_CATEGORY_VTX: case ZYDIS_CATEGORY_SMAP:
		return true;
	default:
		break;
	}
	return false;
}

/* a control-transfer instruction, counted by the PMU's branch instructions
 * retired event (SDM Vol.3B "Pre-defined Architectural Performance Events":
 * "Branch Instructions Retired ... counts branch instructions at
 * retirement"; AMD's Retired Branch Instructions, C2H). Each of these
 * categories ends a block or is a conditional branch, so INSN_F_JUMPS is
 * set too. */
static bool is_branch_insn(const ZydisDecodedInstruction *zi)
{
	switch (zi->meta.category) {
	case ZYDIS_CATEGORY_COND_BR: case ZYDIS_CATEGORY_UNCOND_BR:
	case ZYDIS_CATEGORY_CALL: case ZYDIS_CATEGORY_RET:
	case ZYDIS_CATEGORY_INTERRUPT: case ZYDIS_CATEGORY_SYSCALL:
	case ZYDIS_CATEGORY_SYSRET:
		return true;
	default:
		return false;
	}
}

/* the instruction-wide fields: handler, sizes, prefixes, block flags */
static void convert_header(const ZydisDecodedInstruction *zi, struct insn *out)
{
	out->fn = decode_handler(zi->mnemonic);
	out->mnemonic = (u16)zi->mnemonic;
	out->len = zi->length;
	out->osize = (u8)(zi->operand_width / 8);
	out->asize = (u8)(zi->address_width / 8);
	out->base = out->index = REG_NONE;
	out->seg = SEG_DS;
	out->cc = zi->opcode & 0xf;
	out->opcode = zi->opcode;
	switch (zi->opcode_map) {
	case ZYDIS_OPCODE_MAP_DEFAULT: out->opmap = OPMAP_1BYTE; break;
	case ZYDIS_OPCODE_MAP_0F: out->opmap = OPMAP_0F; break;
	case ZYDIS_OPCODE_MAP_0F38: out->opmap = OPMAP_0F38; break;
	case ZYDIS_OPCODE_MAP_0F3A: out->opmap = OPMAP_0F3A; break;
	default: out->opmap = OPMAP_OTHER; break;
	}
	out->lock = (zi->attributes & ZYDIS_ATTRIB_HAS_LOCK) != 0;
	if (zi->attributes & ZYDIS_ATTRIB_HAS_REPNE)
		out->rep = PFX_REPNE;
	else if (zi->attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE))
		out->rep = PFX_REP;
	if (ends_block(zi))
		out->flags |= INSN_F_BRANCH | INSN_F_JUMPS;
	if (zi->meta.category == ZYDIS_CATEGORY_COND_BR || (out->rep &&
	    zi->meta.category == ZYDIS_CATEGORY_STRINGOP))
		out->flags |= INSN_F_JUMPS;
	if (zi->meta.category == ZYDIS_CATEGORY_COND_BR ||
	    zi->meta.category == ZYDIS_CATEGORY_INTERRUPT)
		out->flags |= INSN_F_COND;
	if (zi->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
		out->flags |= INSN_F_FAR;
	if (is_branch_insn(zi))
		out->flags |= INSN_F_BRINSN;
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_POPF: case ZYDIS_MNEMONIC_POPFD: case ZYDIS_MNEMONIC_POPFQ:
	case ZYDIS_MNEMONIC_WRMSR: case ZYDIS_MNEMONIC_HLT: case ZYDIS_MNEMONIC_XSETBV:
	case ZYDIS_MNEMONIC_RSM: case ZYDIS_MNEMONIC_SWAPGS:
	case ZYDIS_MNEMONIC_LMSW: case ZYDIS_MNEMONIC_CLTS:
	case ZYDIS_MNEMONIC_STI: case ZYDIS_MNEMONIC_CLI: case ZYDIS_MNEMONIC_PAUSE:
		out->flags |= INSN_F_ENDBLOCK;
		break;
	default:
		break;
	}
}

/* one visible operand into out->op[out->nops - 1] (o) */
static void convert_operand(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *op,
			    struct insn *out, struct opnd *o, bool *have_mem, unsigned *nimm)
{
	o->size = (u16)(op->size / 8);
	switch (op->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		convert_reg(op->reg.value, o);
		/* MOV to SS / CRn / DRn / POP SS end the block */
		if (out->nops == 1 && (o->kind == OPK_SREG || o->kind == OPK_CR ||
				       o->kind == OPK_DR))
			out->flags |= INSN_F_ENDBLOCK;
		break;
	case ZYDIS_OPERAND_TYPE_MEMORY:
		o->kind = OPK_MEM;
		/* SDM "Page-Fault Exceptions": the read of a read-modify-write
		 * operand already faults as a write */
		if ((op->actions & ZYDIS_OPERAND_ACTION_MASK_READ) &&
		    (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			out->flags |= INSN_F_RMW;
		if (!*have_mem) {
			convert_mem(out, zi, op);
			*have_mem = true;
		}
		break;
	case ZYDIS_OPERAND_TYPE_POINTER:
		o->kind = OPK_PTR;
		out->imm = op->ptr.offset;
		out->imm2 = op->ptr.segment;
		break;
	case ZYDIS_OPERAND_TYPE_IMMEDIATE:
		o->kind = OPK_IMM;
		o->reg = (u8)*nimm; /* which immediate: 0 -> imm, 1 -> imm2 */
		if ((*nimm)++ == 0)
			out->imm = op->imm.value.u;
		else
			out->imm2 = op->imm.value.u;
		break;
	default:
		o->kind = OPK_NONE;
		break;
	}
}

enum decode_status decode_insn(unsigned mode, const u8 *bytes, unsigned len, struct insn *out)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];

	if (!decoders_ready)
		init_decoders();
	ZyanStatus st = ZydisDecoderDecodeFull(&decoders[mode], bytes, len, &zi, zo);
	if (!ZYAN_SUCCESS(st)) {
		if (st == ZYDIS_STATUS_NO_MORE_DATA)
			return len >= 15 ? DECODE_TOO_LONG : DECODE_NEED_MORE;
		if (st == ZYDIS_STATUS_INSTRUCTION_TOO_LONG)
			return DECODE_TOO_LONG;
		return DECODE_INVALID;
	}
	memset(out, 0, sizeof(*out));
	convert_header(&zi, out);

	bool have_mem = false;
	unsigned nimm = 0;
	for (unsigned k = 0; k < zi.operand_count; k++) {
		const ZydisDecodedOperand *op = &zo[k];
		bool visible = k < zi.operand_count_visible;
		if (op->type == ZYDIS_OPERAND_TYPE_MEMORY && !have_mem &&
		    op->mem.type != ZYDIS_MEMOP_TYPE_MIB) {
			/* the first memory operand names the segment; for string
			 * instructions prefer the source (DS:rSI, overridable) */
			u8 b = gpr_of(op->mem.base);
			if (visible || b != RDI || k + 1 == zi.operand_count) {
				convert_mem(out, &zi, op);
				have_mem = true;
			}
		}
		if (!visible || out->nops >= INSN_MAX_OPS)
			continue;
		struct opnd *o = &out->op[out->nops++];
		convert_operand(&zi, op, out, o, &have_mem, &nimm);
	}
	if (out->flags & INSN_F_ENDBLOCK)
		out->flags |= INSN_F_JUMPS;
	insn_specialise(out, mode);
	return DECODE_OK;
}

void decode_disasm(unsigned mode, u64 rip, const u8 *bytes, unsigned len, char *buf,
		   unsigned buflen)
{
	static const ZydisMachineMode mm[] = {
		ZYDIS_MACHINE_MODE_REAL_16, ZYDIS_MACHINE_MODE_REAL_16,
		ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_MACHINE_MODE_LEGACY_32,
		ZYDIS_MACHINE_MODE_LONG_COMPAT_16, ZYDIS_MACHINE_MODE_LONG_COMPAT_32,
		ZYDIS_MACHINE_MODE_LONG_64,
	};
	ZydisDisassembledInstruction di;
	if (ZYAN_SUCCESS(ZydisDisassembleIntel(mm[mode], rip, bytes, len, &di)))
		snprintf(buf, buflen, "%s", di.text);
	else
		snprintf(buf, buflen, "(bad)");
}

/* --- fetching --- */

/* Copy up to `want` instruction bytes at linear address lin into buf,
 * stopping at the end of lin's page. Returns the number copied. */
static unsigned fetch_page(struct cpu *c, u64 lin, u8 *buf, unsigned want, gpa_t *gpa)
{
	struct tlb_entry *e = mem_translate(c, lin, ACC_X);
	unsigned off = (unsigned)(lin & 0xfff);
	unsigned n = 0x1000 - off < want ? 0x1000 - off : want;
	*gpa = e->gpa | off;
	if (e->host)
		memcpy(buf, e->host + off, n);
	else
		for (unsigned k = 0; k < n; k++)
			buf[k] = (u8)phys_read(&c->machine->mem, *gpa + k, 1);
	return n;
}

static u64 cs_linear(const struct cpu *c, u64 rip)
{
	if (c->mode == MODE_LONG64)
		return rip;
	return (c->seg[SEG_CS].base + rip) & 0xffffffffull;
}

/* SDM "Limit Checking": fetching past the CS limit raises #GP(0) */
static void check_cs_limit(struct cpu *c, u64 rip, unsigned len)
{
	if (c->mode == MODE_LONG64)
		return;
	if (rip + len - 1 > c->seg[SEG_CS].limit)
		cpu_gp0(c);
}

static void raise_decode_error(struct cpu *c, enum decode_status st)
{
	if (st == DECODE_TOO_LONG) {
		/* SDM: an instruction longer than 15 bytes raises #GP(0). The CPU
		 * fetches at most 15 bytes: a not-present page holding any of
		 * them faults first, one holding only the 16th never does (both
		 * seen on hardware by the differential tier) */
		u64 lin0 = cs_linear(c, c->rip), lin15 = cs_linear(c, c->rip + 14);
		if ((lin15 >> 12) != (lin0 >> 12))
			mem_translate(c, lin15 & ~0xfffull, ACC_X); /* CR2 = the page start */
		cpu_gp0(c);
	}
	cpu_ud(c);
}

/* decode one instruction at c->rip that crosses a page or is not cacheable */
static void decode_uncached(struct cpu *c, struct block *b)
{
	u8 buf[16];
	gpa_t gpa, gpa2;
	u64 lin = cs_linear(c, c->rip);
	unsigned n = fetch_page(c, lin, buf, 15, &gpa);
	enum decode_status st = decode_insn(c->mode, buf, n, &b->insns[0]);
	/* The CPU fetches the whole instruction before it can find it
	 * invalid, so an invalid encoding that runs into the next page takes
	 * that page's #PF first (seen on hardware by the differential tier).
	 * XXX(sdm): Zydis gives no length for invalid encodings, so a short
	 * invalid instruction ending exactly at a page end followed by an
	 * unmapped page also fetches (and faults on) the next page. */
	if ((st == DECODE_NEED_MORE || st == DECODE_INVALID) && n < 15) {
		fetch_page(c, cs_linear(c, c->rip + n), buf + n, 15 - n, &gpa2);
		st = decode_insn(c->mode, buf, 15, &b->insns[0]);
	}
	if (st != DECODE_OK)
		raise_decode_error(c, st);
	check_cs_limit(c, c->rip, b->insns[0].len);
	b->gpa = gpa;
	b->mode = c->mode;
	b->n = 1;
	b->bytes = b->insns[0].len;
	b->gen = UINT32_MAX; /* never matches: not cached */
}

void icache_forget_linear_page(struct cpu *c, u64 lin)
{
	if (!c->icache)
		return;
	for (unsigned k = 0; k < (1u << JCACHE_BITS); k++) {
		struct jump_entry *j = &c->icache->jc[k];
		unsigned mode = (unsigned)(j->key >> 32) & 0xff;
		u64 l = mode == MODE_LONG64 ? j->rip : (j->cs_base + j->rip) & 0xffffffffull;
		if (!((l ^ lin) >> j->pshift))
			j->key = ~0ull; /* matches no fetch key */
	}
}

void icache_drop(struct cpu *c)
{
	free(c->icache);
	c->icache = NULL;
}

static void jump_fill(struct cpu *c, struct block *b, i64 page, u8 pshift)
{
	struct jump_entry *j = jump_slot(c->icache, c->rip);
	j->pshift = pshift;
	j->rip = c->rip;
	j->key = jump_key(c);
	j->cs_base = c->seg[SEG_CS].base;
	j->cs_limit = c->seg[SEG_CS].limit;
	j->serial = b->serial;
	j->gen = &c->machine->mem.code_gen[page];
	j->want_gen = b->gen;
	j->b = b;
}

const struct block *icache_lookup_slow(struct cpu *c)
{
	static struct block scratch; /* single-threaded: one uncached block at a time */
	struct physmem *pm = &c->machine->mem;
	u64 lin = cs_linear(c, c->rip);
	struct tlb_entry *e = mem_translate(c, lin, ACC_X);
	gpa_t gpa = e->gpa | (lin & 0xfff);
	i64 page = physmem_page_index(pm, gpa);
	if (unlikely(page < 0 || !e->host)) {
		decode_uncached(c, &scratch); /* code in MMIO: decode every time */
		return &scratch;
	}
	if (unlikely(!c->icache)) {
		c->icache = calloc(1, sizeof(*c->icache));
		if (!c->icache)
			die("out of host memory for the instruction cache");
	}
	unsigned slot = (unsigned)((gpa ^ (gpa >> ICACHE_BITS) ^ c->mode) & ((1u << ICACHE_BITS) - 1));
	struct block *b = &c->icache->blocks[slot];
	if (likely(b->gpa == gpa && b->mode == c->mode && b->gen == pm->code_gen[page] && b->n)) {
		jump_fill(c, b, page, e->pshift);
		return b;
	}

	/* decode a new block: up to BLOCK_MAX_INSNS, within this page */
	const u8 *host = e->host;
	unsigned off = (unsigned)(lin & 0xfff);
	u64 rip = c->rip;
	b->n = 0;
	b->bytes = 0;
	b->serial = ++c->icache->serial;
	/* the jump cache must not hand out this slot for its old contents */
	for (unsigned k = 0; k < (1u << JCACHE_BITS); k++)
		if (c->icache->jc[k].b == b)
			c->icache->jc[k].key = ~0ull; /* matches no fetch key */
	while (b->n < BLOCK_MAX_INSNS) {
		unsigned avail = 0x1000 - off < 15 ? 0x1000 - off : 15;
		struct insn *in = &b->insns[b->n];
		enum decode_status st = decode_insn(c->mode, host + off, avail, in);
		if (st != DECODE_OK) {
			if (b->n)
				break; /* later instructions are decoded when reached */
			if (st == DECODE_NEED_MORE || (st == DECODE_INVALID && avail < 15)) {
				decode_uncached(c, &scratch); /* crosses the page */
				return &scratch;
			}
			raise_decode_error(c, st);
		}
		if (c->mode != MODE_LONG64 && rip + in->len - 1 > c->seg[SEG_CS].limit) {
			if (b->n)
				break;
			cpu_gp0(c);
		}
		b->bytes = (u16)(b->bytes + in->len);
		off += in->len;
		rip += in->len;
		/* a compare and the Jcc after it become one dispatch */
		if (!(b->n && insn_fuse(&b->insns[b->n - 1], in, c->mode)))
			b->n++;
		if (in->flags & (INSN_F_BRANCH | INSN_F_ENDBLOCK) || off >= 0x1000)
			break;
	}
	b->gpa = gpa;
	b->mode = c->mode;
	b->gen = pm->code_gen[page];
	if (!pm->code_pages[page]) {
		pm->code_pages[page] = 1;
		for (int k = 0; k < c->machine->nr_cpus; k++)
			tlb_protect_code(c->machine->cpus[k], gpa);
	}
	jump_fill(c, b, page, e->pshift);
	return b;
}
