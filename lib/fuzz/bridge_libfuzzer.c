/* SPDX-License-Identifier: MIT */
/*
 * bridge_libfuzzer.c - libFuzzer on KCOV's signal (libkcov-sim-fuzz-libfuzzer).
 *
 * Linked with a private copy of libFuzzer's runtime
 * (libclang_rt.fuzzer_no_main) in which the ten __sanitizer_cov_* hooks
 * are renamed __kcov_sim_lf_* (objcopy --redefine-syms, made by
 * kcov_sim_add_fuzzer() from the installed toolchain): the instrumented
 * kernel code then reaches libkcov-sim's hooks, and the bridge hands
 * libFuzzer what KCOV saw:
 *
 *  - PC edges into 8-bit counters registered with
 *    __sanitizer_cov_8bit_counters_init(), sized at start-up to the
 *    instrumented code (4 counters per trace_pc call site, a power of two
 *    from 256 to 64 Ki): libFuzzer clears and scans them on every run,
 *    so a map sized to the code, not to the worst case, is what keeps it
 *    fast;
 *  - CMP records of a second run of the input (a TRACE_CMP runner) into
 *    the renamed __kcov_sim_lf_trace_cmpN (libFuzzer's tables of recent
 *    compares, which its mutations draw from) and into
 *    __sanitizer_weak_hook_memcmp with the KCOV PC as the caller, so that
 *    -use_value_profile=1 has one profile per comparison site. The second
 *    run happens for every input that reached an edge the bridge had not
 *    seen, and for one input in KCOV_SIM_FUZZ_CMP_EVERY (default 1024: a
 *    run on another thread costs a hand-over, tens of microseconds);
 *  - CMP hints, as the built-in engine makes them, through a weak
 *    LLVMFuzzerCustomMutator (a harness's own one wins): one mutation in
 *    four puts an operand of a comparison the input did not satisfy where
 *    the other operand sits in it (1/2/4/8 bytes, both byte orders, +-1),
 *    when that input had a CMP pass; the rest are libFuzzer's own
 *    (LLVMFuzzerMutate). libFuzzer's tables hold no 2-byte compares and
 *    need the word they replace to be in the input as it was when
 *    compared; hints are worked out for the very input being mutated.
 *
 * main() runs libFuzzer (LLVMFuzzerRunDriver) on the carrier of a TRACE_PC
 * lane, so the harness's worker threads inherit its common handle. The
 * binary takes every libFuzzer flag and is a libFuzzer binary for
 * ClusterFuzz / OSS-Fuzz.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kcov-sim/fuzz.h>

#include "fuzz_compiler.h"
#include "hints.h"

/* libFuzzer's runtime: the renamed hooks and its public entry points. */
void __kcov_sim_lf_trace_cmp1(uint8_t a, uint8_t b);
void __kcov_sim_lf_trace_cmp2(uint16_t a, uint16_t b);
void __kcov_sim_lf_trace_cmp4(uint32_t a, uint32_t b);
void __kcov_sim_lf_trace_cmp8(uint64_t a, uint64_t b);
void __kcov_sim_lf_trace_const_cmp1(uint8_t a, uint8_t b);
void __kcov_sim_lf_trace_const_cmp2(uint16_t a, uint16_t b);
void __kcov_sim_lf_trace_const_cmp4(uint32_t a, uint32_t b);
void __kcov_sim_lf_trace_const_cmp8(uint64_t a, uint64_t b);
void __sanitizer_weak_hook_memcmp(void *caller_pc, const void *s1,
				  const void *s2, size_t n, int result);
void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop);
int LLVMFuzzerRunDriver(int *argc, char ***argv,
			int (*cb)(const uint8_t *data, size_t size));
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *counters;
static size_t nr_counters;
static uint64_t *seen;		/* edges the bridge has seen: CMP triggers */
static struct kcov_sim_fuzz_runner *cmp;
static int cmp_state;		/* 0 not yet, 1 on, -1 off */
static unsigned long cmp_mask = 1023, inputs;

struct args {
	int	argc;
	char	**argv;
};

static notrace void forward(const struct kcov_sim_fuzz_cmp *c)
{
	unsigned int n = KCOV_SIM_FUZZ_CMP_BYTES(c->type);
	int k = KCOV_SIM_FUZZ_CMP_IS_CONST(c->type);
	uint64_t a = c->arg1, b = c->arg2;
	uint8_t ba[8], bb[8];
	unsigned int i;

	switch (n) {
	case 1:
		k ? __kcov_sim_lf_trace_const_cmp1((uint8_t)a, (uint8_t)b)
		  : __kcov_sim_lf_trace_cmp1((uint8_t)a, (uint8_t)b);
		break;
	case 2:
		k ? __kcov_sim_lf_trace_const_cmp2((uint16_t)a, (uint16_t)b)
		  : __kcov_sim_lf_trace_cmp2((uint16_t)a, (uint16_t)b);
		break;
	case 4:
		k ? __kcov_sim_lf_trace_const_cmp4((uint32_t)a, (uint32_t)b)
		  : __kcov_sim_lf_trace_cmp4((uint32_t)a, (uint32_t)b);
		break;
	default:
		k ? __kcov_sim_lf_trace_const_cmp8(a, b)
		  : __kcov_sim_lf_trace_cmp8(a, b);
		break;
	}
	if (n < 2 || ((a ^ b) & (n == 8 ? ~0ull : (1ull << (8 * n)) - 1)) == 0)
		return;
	/* Per-site value profile: the bytes, keyed by the KCOV PC. */
	for (i = 0; i < n; i++) {
		ba[i] = (uint8_t)(a >> (8 * i));
		bb[i] = (uint8_t)(b >> (8 * i));
	}
	__sanitizer_weak_hook_memcmp((void *)c->pc, ba, bb, n, 1);
}

static notrace void forward_all(const unsigned long *e, size_t nr)
{
	const struct kcov_sim_fuzz_cmp *c = kcov_sim_fuzz_cmps(e);
	size_t i;

	for (i = 0; i < nr; i++)
		forward(&c[i]);
}

static notrace void hints_keep(const uint8_t *data, size_t size,
			       const struct kcov_sim_fuzz_trace *t);

static notrace void cmp_pass(const uint8_t *data, size_t size)
{
	struct kcov_sim_fuzz_trace t;
	int err;

	if (!cmp_state) {
		struct kcov_sim_fuzz_opts o = { .sz = sizeof(o),
						.mode = KCOV_TRACE_CMP };

		err = kcov_sim_fuzz_runner_new(&o, &cmp);
		cmp_state = err ? -1 : 1;
		if (err)
			fprintf(stderr, "kcov-sim-fuzz: no TRACE_CMP lane (%s): "
				"edges only\n", strerror(-err));
	}
	if (cmp_state < 0)
		return;
	err = kcov_sim_fuzz_runner_run(cmp, LLVMFuzzerTestOneInput, data, size,
				       &t, NULL);
	if (err) {
		fprintf(stderr, "kcov-sim-fuzz: TRACE_CMP run failed (%s): "
			"edges only from now on\n", strerror(-err));
		cmp_state = -1;
		return;
	}
	forward_all(t.local, t.nr_local);
	forward_all(t.remote, t.nr_remote);
	hints_keep(data, size, &t);
}

static notrace int one_input(const uint8_t *data, size_t size)
{
	struct kcov_sim_fuzz_trace t;
	int ret = 0, err;
	long fresh;

	err = kcov_sim_fuzz_run(LLVMFuzzerTestOneInput, data, size, &t, &ret);
	if (unlikely(err)) {
		fprintf(stderr, "kcov-sim-fuzz: KCOV: %s\n", strerror(-err));
		abort();
	}
	fresh = kcov_sim_fuzz_count_edges(&t, counters, nr_counters, seen);
	if (fresh > 0 || !(++inputs & cmp_mask))
		cmp_pass(data, size);
	return ret;
}

/* ---- CMP hints through the custom mutator ---------------------------- */

#define HINT_SLOTS	4096	/* inputs whose hints are cached */
#define HINT_MUTS	256	/* mutants kept per input */

struct hint_slot {
	uint64_t	key;	/* hash of the input; 0: empty */
	size_t		nr;
	struct hint_mut	*m;
};

static struct hint_slot hint_cache[HINT_SLOTS];

/* FNV-1a of the length and the first 256 bytes: cheap for every mutation. */
static notrace uint64_t hash_input(const uint8_t *d, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;
	size_t i;

	for (i = 0; i < n && i < 256; i++)
		h = (h ^ d[i]) * 0x100000001b3ull;
	return h | 1;
}

/* Keeps the hint mutants of an input that had a CMP pass. */
static notrace void hints_keep(const uint8_t *data, size_t size,
			       const struct kcov_sim_fuzz_trace *t)
{
	uint64_t key = hash_input(data, size);
	struct hint_slot *s = &hint_cache[key % HINT_SLOTS];
	struct pairs ps = { 0 };

	if (s->key == key || !size)
		return;
	if (!s->m && !(s->m = calloc(HINT_MUTS, sizeof(*s->m))))
		return;
	pairs_collect(&ps, t);
	s->key = key;
	s->nr = hints_list(data, size, &ps, HINT_MUTS, s->m);
	pairs_free(&ps);
}

__attribute__((weak)) size_t LLVMFuzzerCustomMutator(uint8_t *data,
						     size_t size,
						     size_t max_size,
						     unsigned int seed);

/*
 * libFuzzer mutates a copy of a corpus unit several times in a row,
 * running each step; a step whose input is not what the previous step
 * returned starts from a corpus unit. Such a unit gets its CMP pass here
 * if it had none (once: its hints are then cached), so every corpus unit
 * gets hints, not only those that reached an edge new to the bridge.
 */
static uint64_t last_out;

notrace size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
				       size_t max_size, unsigned int seed)
{
	uint64_t key = hash_input(data, size);
	struct hint_slot *s = &hint_cache[key % HINT_SLOTS];
	size_t n;

	if (key != last_out && s->key != key && size && cmp_state >= 0)
		cmp_pass(data, size);
	/* libFuzzer's seeds come from a Lehmer generator: mix them first. */
	uint64_t r = ((uint64_t)seed + 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;

	r ^= r >> 31;
	if (cmp_state > 0 && size && !(r & 3) && s->key == key && s->nr) {
		const struct hint_mut *m = &s->m[(r >> 2) % s->nr];

		if (m->pos + m->w <= size) {
			hint_apply(data, m);
			last_out = hash_input(data, size);
			return size;
		}
	}
	n = LLVMFuzzerMutate(data, size, max_size);
	last_out = hash_input(data, n);
	return n;
}

static notrace int run_libfuzzer(void *p)
{
	struct args *a = p;

	return LLVMFuzzerRunDriver(&a->argc, &a->argv, one_input);
}

int main(int argc, char **argv)
{
	struct kcov_sim_fuzz_opts o = { .sz = sizeof(o), .mode = KCOV_TRACE_PC };
	struct args a = { argc, argv };
	long sites = kcov_sim_fuzz_pc_sites();
	const char *every = getenv("KCOV_SIM_FUZZ_CMP_EVERY");
	int rc;

	nr_counters = 256;
	while (nr_counters < (size_t)(sites > 0 ? sites : 4096) * 4 &&
	       nr_counters < (1u << 16))
		nr_counters *= 2;
	counters = aligned_alloc(4096, nr_counters);
	seen = calloc(nr_counters / 64, sizeof(uint64_t));
	if (!counters || !seen)
		return 1;
	memset(counters, 0, nr_counters);
	if (every && strtoul(every, NULL, 0)) {
		unsigned long n = strtoul(every, NULL, 0), m = 1;

		while (m < n)
			m *= 2;
		cmp_mask = m - 1;
	}
	__sanitizer_cov_8bit_counters_init(counters, counters + nr_counters);
	rc = kcov_sim_fuzz_spawn(&o, run_libfuzzer, &a);
	if (rc < 0) {
		fprintf(stderr, "kcov-sim-fuzz: cannot set up KCOV: %s\n",
			strerror(-rc));
		return 1;
	}
	return rc;
}
