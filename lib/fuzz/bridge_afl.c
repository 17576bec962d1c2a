/* SPDX-License-Identifier: MIT */
/*
 * bridge_afl.c - AFL++ on KCOV's signal (libkcov-sim-fuzz-afl).
 *
 * Linked with AFL++'s libAFLDriver.a and a private copy of its
 * afl-compiler-rt.o whose __sanitizer_cov_trace_cmp*, const_cmp* and
 * trace_switch are renamed (objcopy --redefine-syms, made by
 * kcov_sim_add_fuzzer()), so that the instrumented kernel code reaches
 * libkcov-sim's hooks. AFL++'s fork server, persistent loop and shared
 * memory input stay AFL++'s.
 *
 *  - Coverage run (the binary afl-fuzz runs): KCOV PC edges are counted
 *    into __afl_area_ptr.
 *  - CmpLog run (the same binary under -c 0, or a copy under -c): when the
 *    runtime mapped a comparison map (__afl_cmp_map) before main(), the
 *    lane traces comparisons instead, and every KCOV CMP record is written
 *    straight into that map, keyed by a hash of the record's KCOV PC. (AFL's
 *    own __cmplog_ins_hook* would key every record by the caller's return
 *    address, which would be this file, one key for everything.)
 *
 * The layout of AFL++ 4.04c's map (cmplog.h; the bit fields checked against
 * the code of __cmplog_ins_hook4 in Debian's afl-compiler-rt.o): 65536
 * 8-byte headers (hits: bits 0-23, id 24-47, shape = size - 1: 48-52,
 * type 53-54 with 1 = instruction, attribute 55-58), then per header 32
 * entries of four u64 (v0, v1, v0_128, v1_128). Equal operands are not
 * logged, as AFL's hook does not log them.
 *
 * The fork server forks the carrier: each child sets up its local device
 * on its first input (lazy setup after fork); the remote device stays with
 * its owner thread in the fork server.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <kcov-sim/fuzz.h>

#include "fuzz_compiler.h"

extern uint8_t *__afl_area_ptr;
extern uint32_t __afl_map_size;
extern void *__afl_cmp_map;
int LLVMFuzzerRunDriver(int *argc, char ***argv,
			int (*cb)(const uint8_t *data, size_t size));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CMP_MAP_W		65536
#define CMP_MAP_H		32
#define HDR_HITS		0xffffffull
#define HDR_SHAPE_SHIFT		48
#define HDR_SHAPE		(0x1full << HDR_SHAPE_SHIFT)
#define HDR_TYPE_SHIFT		53
#define HDR_TYPE		(3ull << HDR_TYPE_SHIFT)
#define CMP_TYPE_INS		1ull

struct afl_cmp_operands {
	uint64_t	v0, v1, v0_128, v1_128;
};

static int cmplog;
/* Set once this process ran an input: the fork server never does. */
static int ran_input;
static pid_t forker;

struct args {
	int	argc;
	char	**argv;
};

static notrace void log_cmp(const struct kcov_sim_fuzz_cmp *c)
{
	uint64_t *hdr = __afl_cmp_map;
	struct afl_cmp_operands *log =
		(struct afl_cmp_operands *)(void *)(hdr + CMP_MAP_W);
	unsigned int n = KCOV_SIM_FUZZ_CMP_BYTES(c->type);
	uint64_t m = n == 8 ? ~0ull : (1ull << (8 * n)) - 1;
	uint64_t a = c->arg1 & m, b = c->arg2 & m, h, hits;
	uint32_t k = kcov_sim_fuzz_edge(0, c->pc) & (CMP_MAP_W - 1);
	struct afl_cmp_operands *o;

	if (a == b)
		return;
	h = hdr[k];
	if (((h & HDR_TYPE) >> HDR_TYPE_SHIFT) != CMP_TYPE_INS) {
		hits = 0;
		h &= ~(HDR_HITS | HDR_SHAPE | HDR_TYPE);
		h |= 1 | (CMP_TYPE_INS << HDR_TYPE_SHIFT) |
		     ((uint64_t)(n - 1) << HDR_SHAPE_SHIFT);
	} else {
		hits = h & HDR_HITS;
		h = (h & ~HDR_HITS) | ((hits + 1) & HDR_HITS);
		if (((h & HDR_SHAPE) >> HDR_SHAPE_SHIFT) < n - 1)
			h = (h & ~HDR_SHAPE) |
			    ((uint64_t)(n - 1) << HDR_SHAPE_SHIFT);
	}
	hdr[k] = h;
	o = &log[(size_t)k * CMP_MAP_H + (hits & (CMP_MAP_H - 1))];
	o->v0 = a;
	o->v1 = b;
}

static notrace void log_all(const unsigned long *e, size_t nr)
{
	const struct kcov_sim_fuzz_cmp *c = kcov_sim_fuzz_cmps(e);
	size_t i;

	for (i = 0; i < nr; i++)
		log_cmp(&c[i]);
}

static notrace size_t map_pow2(void)
{
	size_t n = 1;

	while (n * 2 <= __afl_map_size)
		n *= 2;
	return n;
}

/*
 * A child of the fork server dies with it. In persistent mode the child
 * waits in SIGSTOP between inputs; when afl-fuzz ends, its fork server is
 * killed and a stopped child would be left behind, orphaned, for good.
 * The fork server forks from the carrier thread, which lives as long as
 * the fork server, so the parent-death signal (tied to the forking
 * thread) fires exactly then. A harness's own forks are left alone.
 */
static notrace void before_fork(void)
{
	forker = getpid();
}

static notrace void in_child(void)
{
	if (ran_input)
		return;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != forker)	/* the fork server died already */
		_exit(0);
}

static notrace int one_input(const uint8_t *data, size_t size)
{
	struct kcov_sim_fuzz_trace t;
	int ret = 0, err;

	ran_input = 1;

	err = kcov_sim_fuzz_run(LLVMFuzzerTestOneInput, data, size, &t, &ret);
	if (unlikely(err)) {
		fprintf(stderr, "kcov-sim-fuzz: KCOV: %s\n", strerror(-err));
		abort();
	}
	if (cmplog) {
		if (__afl_cmp_map) {
			log_all(t.local, t.nr_local);
			log_all(t.remote, t.nr_remote);
		}
		return ret;
	}
	kcov_sim_fuzz_count_edges(&t, __afl_area_ptr, map_pow2(), NULL);
	return ret;
}

static notrace int run_afl(void *p)
{
	struct args *a = p;

	return LLVMFuzzerRunDriver(&a->argc, &a->argv, one_input);
}

int main(int argc, char **argv)
{
	struct kcov_sim_fuzz_opts o = { .sz = sizeof(o), .mode = KCOV_TRACE_PC };
	struct args a = { argc, argv };
	int rc;

	/* The runtime maps the CmpLog map in a constructor, before main. */
	cmplog = __afl_cmp_map != NULL;
	if (cmplog)
		o.mode = KCOV_TRACE_CMP;
	pthread_atfork(before_fork, NULL, in_child);
	rc = kcov_sim_fuzz_spawn(&o, run_afl, &a);
	if (rc < 0) {
		fprintf(stderr, "kcov-sim-fuzz: cannot set up KCOV: %s\n",
			strerror(-rc));
		return 1;
	}
	return rc;
}
