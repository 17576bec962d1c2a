/* SPDX-License-Identifier: MIT */
/*
 * engine.h - the built-in engine's internals (libkcov-sim-fuzz-engine):
 * shared by engine.c (flags, loop, corpus), mutate.c (mutators,
 * dictionaries), hints.c (CMP hints), crash.c (signals, artifacts) and
 * sha1.c. Nothing here is installed.
 */
#ifndef KSIM_FUZZ_ENGINE_H
#define KSIM_FUZZ_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kcov-sim/fuzz.h>

#include "fuzz_compiler.h"
#include "hints.h"

#define ENGINE_NAME	"kcov-sim-fuzz"
#define WORD_MAX	64		/* longest dictionary word, as libFuzzer */

/* Exit codes, as libFuzzer's defaults (-error_exitcode, -timeout_exitcode). */
#define EXIT_CRASH	77
#define EXIT_TIMEOUT	70

/* The harness (LLVMFuzzerTestOneInput) and its optional initialiser. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

struct word {
	uint8_t		len;
	uint8_t		b[WORD_MAX];
};

struct dict {
	struct word	*w;
	size_t		nr, cap;
};

struct entry {
	uint8_t		*data;
	size_t		len;
	char		name[41];	/* sha1, hex */
	unsigned int	new_feats;	/* what it added when it came */
	unsigned int	picks;
	bool		hinted;		/* its CMP run and hint stage are done */
};

struct opts {
	long		runs;		/* -runs: -1 forever */
	long		max_total_time;	/* seconds, 0 forever */
	unsigned long	seed;
	size_t		max_len;	/* 0: guess */
	long		timeout;	/* seconds per input, 0 none */
	const char	*dict;
	const char	*artifact_prefix;
	long		jobs, workers;
	bool		minimize_crash;
	const char	*cov_csv;
	long		verbosity;
	long		print_final_stats;
	long		use_cmp;	/* CMP hints (default 1) */
	long		reload;		/* seconds between corpus re-reads */
	long		error_exitcode, timeout_exitcode;
	const char	*exact_artifact_path;
	const char	**dirs;		/* corpus directories, first written */
	size_t		nr_dirs;
	const char	**files;	/* inputs to replay */
	size_t		nr_files;
};

/* ---- sha1.c ---- */
void sha1(const uint8_t *data, size_t len, uint8_t out[20]);
void sha1_hex(const uint8_t *data, size_t len, char out[41]);

/* ---- rng (mutate.c) ---- */
uint64_t rnd(void);
void rnd_seed(uint64_t seed);
static inline size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

/* ---- crash.c ---- */
void crash_setup(const struct opts *o);
void crash_timer_start(long timeout);
/* The input now running, for the artifact a crash writes. */
void crash_set_input(const uint8_t *data, size_t len);
void crash_unit_done(void);
int write_all(int fd, const uint8_t *data, size_t len);
int write_artifact(const char *prefix, const char *kind, const uint8_t *data,
		   size_t len, char *path, size_t pathsz);
extern volatile unsigned long crash_units;	/* inputs started */
extern void (*crash_stats_hook)(void);	/* final stats at a crash */

/* ---- mutate.c ---- */
int dict_parse_file(struct dict *d, const char *path);
void dict_add(struct dict *d, const uint8_t *b, size_t len);
/*
 * Mutate @buf (@len bytes, room for @max) in place; @other is a corpus
 * entry to cross over with (or NULL). Returns the new length.
 */
size_t mutate(uint8_t *buf, size_t len, size_t max, const struct entry *other,
	      const struct dict *user, const struct dict *cmp_words);

/* ---- engine.c ---- */
/* Operands of @ps as dictionary words (for later random mutations). */
void pairs_to_words(const struct pairs *ps, struct dict *d);

#endif /* KSIM_FUZZ_ENGINE_H */
