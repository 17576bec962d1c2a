/* SPDX-License-Identifier: MIT */
/*
 * x86.c - x86-64 instruction lengths and control transfers (x86.h).
 *
 * Table-driven from the opcode maps of the architecture manuals: legacy
 * prefixes, REX, the one-byte map, 0f, 0f38, 0f3a, VEX (c4/c5) and EVEX
 * (62), each with its ModRM / SIB / displacement / immediate rules. Only
 * 64-bit mode. What compilers emit for ordinary C is all that must be
 * right; tests/cover_x86_test.c checks every instruction boundary of real
 * compiler output against objdump.
 */
#include <stdbool.h>
#include <string.h>

#include "compiler.h"
#include "x86.h"

/* Operand shapes of an opcode. */
#define M	0x01	/* ModRM follows */
#define I8	0x02	/* imm8 */
#define IZ	0x04	/* imm16 with 66, else imm32 */
#define I16	0x08	/* imm16 */
#define IV	0x10	/* imm32, imm64 with REX.W (mov r, imm) */
#define MOFFS	0x20	/* 8-byte address (4 with 67) */
#define BAD	0x40	/* invalid in 64-bit mode */
#define GRP3	0x80	/* f6/f7: immediate only for /0 and /1 */

static notrace unsigned int map0_shape(uint8_t op)
{
	if (op < 0x40) {
		if ((op & 7) < 4)
			return M;
		if ((op & 7) == 4)
			return I8;
		if ((op & 7) == 5)
			return IZ;
		return BAD;	/* push/pop seg, daa...: prefixes handled earlier */
	}
	if (op < 0x60)
		return 0;			/* rex (handled earlier), push, pop */
	switch (op) {
	case 0x60: case 0x61: case 0x82: case 0x9a: case 0xce: case 0xd4:
	case 0xd5: case 0xd6: case 0xea:
		return BAD;
	case 0x63: return M;
	case 0x68: return IZ;
	case 0x69: return M | IZ;
	case 0x6a: return I8;
	case 0x6b: return M | I8;
	case 0x80: case 0x83: case 0xc0: case 0xc1: case 0xc6: return M | I8;
	case 0x81: case 0xc7: return M | IZ;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3: return MOFFS;
	case 0xa8: return I8;
	case 0xa9: return IZ;
	case 0xc2: case 0xca: return I16;
	case 0xc8: return I16 | I8;
	case 0xcd: return I8;
	case 0xe4: case 0xe5: case 0xe6: case 0xe7: return I8;
	case 0xf6: case 0xf7: return M | GRP3;
	case 0xfe: case 0xff: return M;
	}
	if (op >= 0x84 && op <= 0x8f)
		return M;
	if (op >= 0xb0 && op <= 0xb7)
		return I8;
	if (op >= 0xb8 && op <= 0xbf)
		return IV;
	if ((op >= 0xd0 && op <= 0xd3) || (op >= 0xd8 && op <= 0xdf))
		return M;
	return 0;	/* 6c-6f, 90-9f, a4-a7, aa-af, c3, c9, cb-cf, d7, ec-ef, f1, f4-fd */
}

static notrace unsigned int map1_shape(uint8_t op)
{
	switch (op) {
	case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0b:
	case 0x0e: case 0x30: case 0x31: case 0x32: case 0x33: case 0x34:
	case 0x35: case 0x37: case 0x77: case 0xa0: case 0xa1: case 0xa2:
	case 0xa8: case 0xa9: case 0xaa:
		return 0;
	case 0x0f: /* 3DNow!: ModRM, then the opcode as an imm8 */
	case 0x70: case 0x71: case 0x72: case 0x73: case 0xa4: case 0xac:
	case 0xba: case 0xc2: case 0xc4: case 0xc5: case 0xc6:
		return M | I8;
	}
	if (op >= 0x80 && op <= 0x8f)
		return IZ;	/* jcc rel32 (66 is ignored for it in 64-bit mode) */
	if (op >= 0xc8 && op <= 0xcf)
		return 0;	/* bswap */
	return M;
}

/* VEX/EVEX maps: 0f keeps its imm8 opcodes, 0f3a always has one. */
static notrace unsigned int vex_shape(unsigned int map, uint8_t op)
{
	if (map == 3)
		return M | I8;
	if (map == 1 && (map1_shape(op) & I8))
		return M | I8;
	if (map == 1 && !map1_shape(op))
		return 0;	/* vzeroupper / vzeroall */
	return M;
}

/* ModRM, SIB and displacement at @p; returns bytes used or 0. */
static notrace unsigned int modrm(const uint8_t *p, size_t avail, uint8_t rex,
				  struct x86_insn *in)
{
	unsigned int n = 1, disp = 0;
	uint8_t b, sib;

	if (!avail)
		return 0;
	b = p[0];
	in->mod = (int8_t)(b >> 6);
	in->reg = (int8_t)(((b >> 3) & 7) | ((rex & 4) << 1));
	in->rm = (int8_t)((b & 7) | ((rex & 1) << 3));
	if (in->mod == 3)
		return 1;
	if ((b & 7) == 4) {
		if (avail < 2)
			return 0;
		sib = p[1];
		n = 2;
		in->scale = (uint8_t)(1u << (sib >> 6));
		in->index = (int8_t)(((sib >> 3) & 7) | ((rex & 2) << 2));
		if (in->index == 4)
			in->index = -1;		/* no index */
		in->base = (int8_t)((sib & 7) | ((rex & 1) << 3));
		if ((sib & 7) == 5 && in->mod == 0) {
			in->base = -1;		/* disp32, no base */
			disp = 4;
		}
	} else if ((b & 7) == 5 && in->mod == 0) {
		in->rip_rel = 1;
		disp = 4;
	} else {
		in->base = in->rm;
	}
	if (in->mod == 1)
		disp = 1;
	else if (in->mod == 2)
		disp = 4;
	if (avail < n + disp)
		return 0;
	if (disp == 1)
		in->disp = (int8_t)p[n];
	else if (disp == 4)
		in->disp = (int32_t)((uint32_t)p[n] | (uint32_t)p[n + 1] << 8 |
				     (uint32_t)p[n + 2] << 16 | (uint32_t)p[n + 3] << 24);
	return n + disp;
}

static notrace int64_t read_imm(const uint8_t *p, unsigned int size)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	if (size == 1)
		return (int8_t)v;
	if (size == 2)
		return (int16_t)v;
	if (size == 4)
		return (int32_t)v;
	return (int64_t)v;
}

/* What kind of transfer the decoded instruction is. */
static notrace void classify(struct x86_insn *in, int64_t rel, uint64_t next)
{
	uint8_t op = in->op;

	in->kind = X86_OTHER;
	if (in->map == 0) {
		if ((op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3))
			in->kind = X86_JCC;
		else if (op == 0xeb || op == 0xe9)
			in->kind = X86_JMP;
		else if (op == 0xe8)
			in->kind = X86_CALL;
		else if (op == 0xc3 || op == 0xc2 || op == 0xcb || op == 0xca ||
			 op == 0xcf)
			in->kind = X86_RET;
		else if (op == 0xf4 || op == 0xcc)
			in->kind = X86_TRAP;
		else if (op == 0xff && ((in->reg & 7) == 2 || (in->reg & 7) == 3))
			in->kind = X86_CALL_IND;
		else if (op == 0xff && ((in->reg & 7) == 4 || (in->reg & 7) == 5))
			in->kind = X86_JMP_IND;
	} else if (in->map == 1) {
		if (op >= 0x80 && op <= 0x8f)
			in->kind = X86_JCC;
		else if (op == 0x0b || op == 0xb9 || op == 0xff)
			in->kind = X86_TRAP;
	}
	if (in->kind == X86_JCC || in->kind == X86_JMP || in->kind == X86_CALL)
		in->target = next + (uint64_t)rel;
}

notrace unsigned int ksim_x86_decode(const uint8_t *p, size_t avail, uint64_t addr,
				     struct x86_insn *out)
{
	unsigned int n = 0, shape, isz = 0, used, map = 0;
	bool opsize = false, addrsize = false;
	uint8_t rex = 0, op;
	int64_t rel = 0;

	memset(out, 0, sizeof(*out));
	out->mod = out->reg = out->rm = out->base = out->index = -1;
	for (;; n++) {		/* legacy prefixes */
		if (n >= avail || n >= 14)
			return 0;
		op = p[n];
		if (op == 0x66)
			opsize = true;
		else if (op == 0x67)
			addrsize = true;
		else if (op != 0xf0 && op != 0xf2 && op != 0xf3 && op != 0x2e &&
			 op != 0x36 && op != 0x3e && op != 0x26 && op != 0x64 &&
			 op != 0x65)
			break;
	}
	if ((p[n] & 0xf0) == 0x40) {
		rex = p[n++];
		if (n >= avail)
			return 0;
	}
	op = p[n++];
	if (op == 0xc4 || op == 0xc5 || op == 0x62) {
		unsigned int plen = op == 0xc5 ? 1 : op == 0xc4 ? 2 : 3;

		if (rex || n + plen + 1 > avail)
			return 0;
		/* The payload's R/X/B bits are stored inverted. */
		rex = (uint8_t)(~p[n] >> 5 & 7);
		if (op == 0xc5) {
			rex &= 4;	/* only R */
			map = 1;
		} else {
			map = p[n] & (op == 0x62 ? 7 : 0x1f);
			if (op == 0xc4 && (p[n + 1] & 0x80))
				rex |= 8;
		}
		n += plen;
		op = p[n++];
		shape = vex_shape(map, op);
	} else if (op == 0x0f) {
		if (n >= avail)
			return 0;
		op = p[n++];
		if (op == 0x38 || op == 0x3a) {
			map = op == 0x38 ? 2 : 3;
			if (n >= avail)
				return 0;
			op = p[n++];
			shape = map == 3 ? M | I8 : M;
		} else {
			map = 1;
			shape = map1_shape(op);
		}
	} else {
		shape = map0_shape(op);
	}
	if (shape & BAD)
		return 0;
	out->map = (uint8_t)map;
	out->op = op;
	out->rex = rex;
	if (shape & M) {
		used = modrm(p + n, avail - n, rex, out);
		if (!used)
			return 0;
		n += used;
	}
	if (shape & GRP3)
		isz = (out->reg & 7) < 2 ? (op == 0xf6 ? 1 : opsize && !(rex & 8) ? 2 : 4) : 0;
	else if (shape & IV)
		isz = rex & 8 ? 8 : opsize ? 2 : 4;
	else if (shape & IZ)
		isz = map == 1 ? 4 : opsize && !(rex & 8) ? 2 : 4;
	else if (shape & MOFFS)
		isz = addrsize ? 4 : 8;
	if ((shape & I16) && (shape & I8))
		isz = 3;	/* enter */
	else if (shape & I16)
		isz = 2;
	else if (shape & I8)
		isz += 1;
	/* Branches with an 8-bit displacement. */
	if (map == 0 && ((op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3) ||
			 op == 0xeb))
		isz = 1;
	else if (map == 0 && (op == 0xe8 || op == 0xe9))
		isz = 4;	/* rel32 whatever 66 says, in 64-bit mode */
	if (n + isz > avail || n + isz > 15)
		return 0;
	if (isz && isz <= 8)
		rel = read_imm(p + n, isz == 3 ? 2 : isz);
	n += isz;
	out->len = (uint8_t)n;
	classify(out, rel, addr + n);
	return n;
}
