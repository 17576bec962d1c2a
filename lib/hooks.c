/* SPDX-License-Identifier: MIT */
/*
 * hooks.c - the ten __sanitizer_cov_* entry points (spec section 4).
 *
 * Each hook: one gate load (mode and context in one word), a bounds check,
 * the counter store, then the entry. No locks, no calls on the hot path, no
 * atomic read-modify-write: an area has exactly one writer, its task.
 */
#include <stdio.h>

#include "internal.h"

/*
 * The coverage site a hook records (DESIGN 9): the return address when the
 * hook is called, the inlined copy's own address when link-time
 * optimisation inlines it into the site (__builtin_return_address(0) would
 * give the enclosing function's return address there: one PC for every
 * block of a function). Evaluate it once per record, after the gate.
 *
 * KSIM_HOOKS_CALLED: the build guarantees that nothing inlines the hooks
 * (CMake compiles this file with -fno-lto for the ordinary libraries), so
 * the return address it is, at no cost.
 *
 * Otherwise (the LTO form, or any build that may inline): the address just
 * past a lea that is part of the copy, so that a symbolizer's "pc - 1"
 * (a return address points past its call) falls into the site's own code;
 * built without debug info, the inlined lea carries the line of the call
 * it replaced. The out-of-line bodies live in a section of their own: a
 * label inside it means "called", and then the return address is the site.
 */
#if defined(KSIM_HOOKS_CALLED)
#define _SITE_IP_	((uintptr_t)__builtin_return_address(0))
#define GATE(t)		READ_ONCE((t)->gate)
#define HOOK_TEXT
#elif defined(__x86_64__) || defined(__aarch64__)
extern const char __start_kcov_sim_hooks[] KSIM_HIDDEN;
extern const char __stop_kcov_sim_hooks[] KSIM_HIDDEN;

#ifdef __x86_64__
#define HERE_ASM	"lea 1f(%%rip), %0\n1:"
#else
#define HERE_ASM	"adr %0, 1f\n1:"
#endif
/* volatile: one label per copy, never merged with another site's. */
#define _SITE_IP_ ({							\
	uintptr_t __here;						\
									\
	__asm__ volatile(HERE_ASM : "=r"(__here));			\
	unlikely(__here - (uintptr_t)__start_kcov_sim_hooks <		\
		 (uintptr_t)(__stop_kcov_sim_hooks -			\
			     __start_kcov_sim_hooks)) ?			\
		(uintptr_t)__builtin_return_address(0) : __here;	\
})
/*
 * Clang's cost model keeps most sites from inlining a hook (a site in a
 * rarely taken block gets a threshold of 45): the whole point of the LTO
 * form is that every site does. (GCC adds its calls after its inliner ran.)
 */
#ifdef __clang__
#define HOOK_TEXT	__attribute__((section("kcov_sim_hooks"), always_inline))
#else
/*
 * GCC's LTO decides what is used before its coverage pass adds the calls:
 * without these it drops the hooks, and the link fails.
 */
#define HOOK_TEXT	__attribute__((section("kcov_sim_hooks"), used,	\
				       externally_visible))
#endif
/*
 * An inlined copy reads the gate with a plain load: the compiler folds it
 * into the compare and shares one load among neighbouring sites (a block's
 * PC site and its CMP sites), which takes TRACE_PC from 0.55x to 0.45x of
 * the call floor in the benchmark. Only this thread changes its gate, and
 * only in calls (ioctl, simulated contexts, remote sections), after which
 * the compiler loads it again.
 */
#define GATE(t)		((t)->gate)
#else	/* no site address here: right only where nothing inlines a hook */
#define _SITE_IP_	((uintptr_t)__builtin_return_address(0))
#define GATE(t)		READ_ONCE((t)->gate)
#define HOOK_TEXT
#endif

/*
 * Each hook starts a 64-byte line of its own: packed back to back, the
 * few-byte fast paths of neighbouring hooks cost up to 15% of wall time
 * in the benchmark (front-end effects), whatever their instruction count.
 */
#define HOOK	KCOV_SIM_API notrace __attribute__((aligned(64))) HOOK_TEXT

/*
 * Canonicalise a return address (spec 4.2). Raw mode (with the optional
 * "KASLR" bias) is inline; the other modes, and golden recording, are a
 * tail call to a cold path, so the hot path needs no stack frame.
 */
static __always_inline notrace bool pc_mode_raw(void)
{
	return likely(!READ_ONCE(ksim_pc_mode));
}

static __always_inline notrace uint64_t raw_ip(uintptr_t ip)
{
	return ip - READ_ONCE(ksim_pc_bias);
}

static __always_inline notrace void pc_append(struct kcov_task *t, uint64_t ip)
{
	unsigned long *area = t->kcov_area;
	unsigned long pos;

	/* The first word is the count; the kernel trusts what the user wrote. */
	pos = READ_ONCE(area[0]) + 1;
	if (likely(pos < t->kcov_size)) {
		/*
		 * Counter first, entry second: a signal handler running
		 * instrumented code between the two stores takes the next
		 * slot, not ours (spec 6.2 #13).
		 */
		WRITE_ONCE(area[0], pos);
		barrier();
		WRITE_ONCE(area[pos], ip);
	}
}

/* A PC mode other than raw, or KCOV_SIM_RECORD: every PC comes here. */
static __cold notrace void pc_append_xlate(struct kcov_task *t, uintptr_t ip)
{
	if (READ_ONCE(ksim_pc_mode) & KSIM_PC_RECORD)
		ksim_record_pc(ip);
	pc_append(t, ksim_pc_xlate(ip));
}

void HOOK __sanitizer_cov_trace_pc(void)
{
	struct kcov_task *t = &ksim_current;
	uintptr_t ip;

	if (likely(GATE(t) != ksim_gate(KCOV_MODE_TRACE_PC)))
		return;
	barrier();	/* pairs with the barrier in kcov_start() */
	ip = _SITE_IP_;
	if (pc_mode_raw())
		pc_append(t, raw_ip(ip));
	else
		pc_append_xlate(t, ip);
}

/* The user made the count so large that the kernel's index wraps (case 57). */
static __cold notrace void cmp_wrapped(uint64_t count)
{
	char msg[96];

	snprintf(msg, sizeof(msg),
		 "CMP count %#llx wraps: kernel would write out of bounds",
		 (unsigned long long)count);
	ksim_warn(__FILE__, __LINE__, msg);
}

/*
 * A comparison record (spec 4.4): four u64 words at area[1 + 4 * count],
 * whatever mode or profile. Every writer below goes through
 * cmp_record_write(); the switch fast path stores the same fields as
 * aligned pairs, and the BUILD_BUG_ONs there tie it to this layout.
 */
struct kcov_cmp_record {
	uint64_t type;		/* KCOV_CMP_SIZE(log2 bytes) | KCOV_CMP_CONST */
	uint64_t arg1;		/* zero-extended, as received */
	uint64_t arg2;
	uint64_t ip;		/* canonicalised return address */
};
BUILD_BUG_ON(sizeof(struct kcov_cmp_record) !=
	     KCOV_WORDS_PER_CMP * sizeof(uint64_t));

/* Caller stored the counter first (counter-first, spec 6.2 #13). */
static __always_inline notrace void cmp_record_write(unsigned long *slot,
		uint64_t type, uint64_t arg1, uint64_t arg2, uint64_t ip)
{
	struct kcov_cmp_record *rec = (struct kcov_cmp_record *)slot;

	WRITE_ONCE(rec->type, type);
	WRITE_ONCE(rec->arg1, arg1);
	WRITE_ONCE(rec->arg2, arg2);
	WRITE_ONCE(rec->ip, ip);
}

/* The kernel's exact arithmetic, for the counts the fast check refuses. */
static __cold notrace void write_comp_data_slow(struct kcov_task *t,
		uint64_t type, uint64_t arg1, uint64_t arg2, uint64_t ip)
{
	unsigned long *area = t->kcov_area;
	uint64_t count, start, end_pos, size = t->kcov_size;

	count = READ_ONCE(area[0]);
	/* linux-6.12, P-2026: a count beyond the records that fit is refused
	 * before the arithmetic below can wrap (no report then). */
	if ((READ_ONCE(ksim_profile) & KSIM_P_CMP_BOUND) &&
	    count >= size * sizeof(uint64_t) / sizeof(struct kcov_cmp_record))
		return;
	/*
	 * Same arithmetic as the kernel: unsigned, modulo 2^64, in bytes as
	 * its pointer arithmetic is. The record goes to byte end_pos - 32:
	 * for counts from 2^61 that wraps to a place inside the buffer, where
	 * the kernel writes too; only below byte 0 would it write out of
	 * bounds (case 57), which we report instead.
	 */
	start = count * KCOV_WORDS_PER_CMP + 1;
	end_pos = (start + KCOV_WORDS_PER_CMP) * sizeof(uint64_t);
	if (likely(end_pos <= size * sizeof(uint64_t))) {
		if (unlikely(end_pos < sizeof(struct kcov_cmp_record))) {
			cmp_wrapped(count);
			return;
		}
		WRITE_ONCE(area[0], count + 1);
		barrier();
		cmp_record_write(&area[end_pos / sizeof(uint64_t) - KCOV_WORDS_PER_CMP],
				 type, arg1, arg2, ip);
	}
}

/*
 * Records that fit: count < kcov_cmp_room = (size - 1) / 4, one compare;
 * with size below 2^32 no arithmetic can wrap there. A full buffer and
 * user-written counts take the kernel's arithmetic above, as a tail call.
 */
static __always_inline notrace void write_comp_data(struct kcov_task *t,
		uint64_t type, uint64_t arg1, uint64_t arg2, uint64_t ip)
{
	unsigned long *area = t->kcov_area, *rec;
	uint64_t count = READ_ONCE(area[0]);

	if (unlikely(count >= t->kcov_cmp_room)) {
		write_comp_data_slow(t, type, arg1, arg2, ip);
		return;
	}
	rec = area + 1 + count * KCOV_WORDS_PER_CMP;
	/* Counter first (spec 4.4), then the whole record. */
	WRITE_ONCE(area[0], count + 1);
	barrier();
	cmp_record_write(rec, type, arg1, arg2, ip);
}

static __cold notrace void write_comp_data_xlate(struct kcov_task *t,
		uint64_t type, uint64_t arg1, uint64_t arg2, uintptr_t ip)
{
	write_comp_data(t, type, arg1, arg2, ksim_pc_xlate(ip));
}

/* Inlined into each hook: _SITE_IP_ is the hook's site. */
static __always_inline notrace void trace_cmp(uint64_t type, uint64_t a,
					      uint64_t b)
{
	struct kcov_task *t = &ksim_current;
	uintptr_t ip;

	if (likely(GATE(t) != ksim_gate(KCOV_MODE_TRACE_CMP)))
		return;
	barrier();
	ip = _SITE_IP_;
	if (pc_mode_raw())
		write_comp_data(t, type, a, b, raw_ip(ip));
	else
		write_comp_data_xlate(t, type, a, b, ip);
}

#define DEFINE_CMP(name, bits, log2, c)					\
void HOOK __sanitizer_cov_trace_##name(uint##bits##_t a,		\
						       uint##bits##_t b)	\
{									\
	trace_cmp(KCOV_CMP_SIZE(log2) | (c), a, b);			\
}

/* kcov_u64 = unsigned long on 64-bit, like the compilers' builtins. */
typedef unsigned long kcov_u64;
BUILD_BUG_ON(sizeof(kcov_u64) != 8);

DEFINE_CMP(cmp1, 8, 0, 0)
DEFINE_CMP(cmp2, 16, 1, 0)
DEFINE_CMP(cmp4, 32, 2, 0)
DEFINE_CMP(const_cmp1, 8, 0, KCOV_CMP_CONST)
DEFINE_CMP(const_cmp2, 16, 1, KCOV_CMP_CONST)
DEFINE_CMP(const_cmp4, 32, 2, KCOV_CMP_CONST)

void HOOK __sanitizer_cov_trace_cmp8(kcov_u64 a, kcov_u64 b)
{
	trace_cmp(KCOV_CMP_SIZE(3), a, b);
}

void HOOK __sanitizer_cov_trace_const_cmp8(kcov_u64 a, kcov_u64 b)
{
	trace_cmp(KCOV_CMP_SIZE(3) | KCOV_CMP_CONST, a, b);
}

/*
 * All records of one switch at once: reserve what fits with one counter
 * store, then fill. The buffer ends as the kernel's record-by-record loop
 * leaves it, and a signal handler running in between takes the slots
 * after ours. A full buffer or a user-written count goes record by record
 * through the kernel's arithmetic.
 */
/* Full buffer, user-written count, or a PC mode other than raw. */
static __cold notrace void switch_records_slow(struct kcov_task *t,
		uint64_t val, const uint64_t *cases, uintptr_t ip, uint64_t type)
{
	uint64_t i, n = cases[0];

	ip = pc_mode_raw() ? raw_ip(ip) : ksim_pc_xlate(ip);
	for (i = 0; i < n; i++)
		write_comp_data(t, type, cases[i + 2], val, ip);
}

typedef uint64_t ksim_u64x2 __attribute__((vector_size(16), may_alias));

/*
 * n >= 1 records from rec, which sits 8 bytes past a 16-byte boundary (as
 * every record does in a page-aligned area). Records lie back to back:
 * type | case val | ip type | case val | ... | ip, so all but the first
 * and last words go out as aligned pairs, {case, val} and the constant
 * {ip, type}: half the stores of the word-by-word loop, and the stores
 * are what bound a switch. The trailing {ip, type} is never written past
 * the last record: the slot after it is not ours.
 */
static __always_inline notrace void switch_fill_pairs(unsigned long *rec,
		uint64_t n, uint64_t type, uint64_t val, const uint64_t *cases,
		uint64_t ip)
{
	const ksim_u64x2 ip_type = { ip, type };
	ksim_u64x2 *p = (ksim_u64x2 *)(rec + 1);
	uint64_t i;

	/* {arg1, arg2} of a record, then {ip, type of the next one}. */
	BUILD_BUG_ON(offsetof(struct kcov_cmp_record, arg2) !=
		     offsetof(struct kcov_cmp_record, arg1) + 8);
	BUILD_BUG_ON(offsetof(struct kcov_cmp_record, ip) !=
		     sizeof(struct kcov_cmp_record) - 8 ||
		     offsetof(struct kcov_cmp_record, type) != 0);

	WRITE_ONCE(rec[0], type);
	for (i = 0; i + 1 < n; i++, p += 2) {
		p[0] = (ksim_u64x2){ cases[i], val };
		p[1] = ip_type;
	}
	p[0] = (ksim_u64x2){ cases[i], val };
	WRITE_ONCE(*(uint64_t *)&p[1], ip);
}

/* Caller checked the gate. Every other call is a tail call: no frame. */
static __attribute__((noinline)) notrace void switch_records(
		struct kcov_task *t, uint64_t val, const uint64_t *cases,
		uintptr_t ip)
{
	unsigned long *area = t->kcov_area, *rec;
	uint64_t i, n = cases[0], count, room, type;

	switch (cases[1]) {
	case 8:
		type = KCOV_CMP_SIZE(0);
		break;
	case 16:
		type = KCOV_CMP_SIZE(1);
		break;
	case 32:
		type = KCOV_CMP_SIZE(2);
		break;
	case 64:
		type = KCOV_CMP_SIZE(3);
		break;
	default:
		return;
	}
	type |= KCOV_CMP_CONST;
	count = READ_ONCE(area[0]);
	room = t->kcov_cmp_room;
	if (unlikely(count >= room || !pc_mode_raw())) {
		switch_records_slow(t, val, cases, ip, type);
		return;
	}
	ip = raw_ip(ip);	/* one ip for all records */
	if (n > room - count)
		n = room - count;
	WRITE_ONCE(area[0], count + n);
	barrier();
	rec = &area[count * KCOV_WORDS_PER_CMP + 1];
	if (likely(n && ((uintptr_t)rec & 15) == 8)) {
		switch_fill_pairs(rec, n, type, val, cases + 2, ip);
		return;
	}
	for (i = 0; i < n; i++, rec += KCOV_WORDS_PER_CMP)
		cmp_record_write(rec, type, cases[i + 2], val, ip);
}

/* cases[0] = N, cases[1] = operand width in bits, cases[2..N+1] = constants */
void HOOK __sanitizer_cov_trace_switch(kcov_u64 val, void *arg)
{
	struct kcov_task *t = &ksim_current;

	/* The mode is checked once, not once per case (DESIGN 7). */
	if (likely(GATE(t) != ksim_gate(KCOV_MODE_TRACE_CMP)))
		return;
	barrier();
	switch_records(t, val, arg, _SITE_IP_);	/* a tail call */
}

/*
 * GCC 12 emits these for float and double compares under trace-cmp. The
 * kernel has no floating point and no such hooks: accept and ignore, so
 * every object either compiler produces links.
 */
void KCOV_SIM_API notrace __sanitizer_cov_trace_cmpf(float a, float b)
{
	(void)a;
	(void)b;
}

void KCOV_SIM_API notrace __sanitizer_cov_trace_cmpd(double a, double b)
{
	(void)a;
	(void)b;
}
