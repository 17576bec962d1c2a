/* SPDX-License-Identifier: MIT */
/*
 * x86.h - just enough of an x86-64 instruction decoder to follow control
 * flow through compiler output: the length of every instruction, and what
 * kind of control transfer it is. Internal to libkcov-sim-cover.
 */
#ifndef KSIM_COVER_X86_H
#define KSIM_COVER_X86_H

#include <stddef.h>
#include <stdint.h>

enum x86_kind {
	X86_OTHER,		/* falls through */
	X86_CALL,		/* call rel32: target set */
	X86_CALL_IND,		/* call through a register or memory */
	X86_JMP,		/* jmp rel8/rel32: target set */
	X86_JCC,		/* jcc, loop, jrcxz: target set, also falls through */
	X86_JMP_IND,		/* jmp through a register or memory */
	X86_RET,		/* ret, iret, far ret */
	X86_TRAP,		/* ud2, ud0/1, hlt, int3: never falls through */
};

struct x86_insn {
	uint8_t		len;
	uint8_t		kind;		/* enum x86_kind */
	uint8_t		map;		/* 0: one-byte; 1: 0f; 2: 0f38; 3: 0f3a */
	uint8_t		op;		/* opcode byte in its map */
	uint8_t		rex;		/* REX byte, 0 if none */
	int8_t		mod, reg, rm;	/* ModRM fields, REX bits applied to
					 * reg and rm; mod -1: no ModRM */
	int8_t		base, index;	/* SIB (REX applied), -1 if none */
	uint8_t		scale;
	uint8_t		rip_rel;	/* memory operand is disp(%rip): the
					 * address is next instruction + disp */
	int64_t		disp;
	uint64_t	target;		/* branches: absolute target */
};

/*
 * Decode the instruction at @p (@avail bytes readable), located at link-time
 * address @addr. Returns its length, or 0 when the bytes are no valid
 * 64-bit instruction (or it would run past @avail).
 */
unsigned int ksim_x86_decode(const uint8_t *p, size_t avail, uint64_t addr,
			     struct x86_insn *out);

#endif /* KSIM_COVER_X86_H */
