/* SPDX-License-Identifier: MIT */
/*
 * engine.c - the built-in engine (libkcov-sim-fuzz-engine): main(),
 * libFuzzer's command-line dialect, the corpus, the fuzzing loop, the
 * progress line, the coverage CSV, -jobs and -minimize_crash.
 *
 * Each input runs in-process on the carrier of a TRACE_PC lane (glue.c);
 * a new corpus entry is run once more on a TRACE_CMP runner, and its
 * unsatisfied comparisons become hint mutants (hints.c), run at once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

#define HINTS_MAX	2048	/* depth-1 hint mutants per corpus entry */
#define DEPTH2_MAX	16	/* mutants that get hints of their own */
#define HINTS2_MAX	256	/* depth-2 hint mutants per such mutant */
#define PROGRESS_SECS	3

struct engine {
	struct opts	o;
	char		**argv;
	int		argc;
	/* Coverage: edge counters of one input, features of all of them. */
	uint8_t		*ctr;
	size_t		nr_ctr;		/* a power of two */
	uint64_t	*edges;		/* nr_ctr bits */
	uint64_t	*feats;		/* nr_ctr * 8 bits */
	unsigned long	nr_edges, nr_feats;
	/* Corpus. */
	struct entry	**corpus;
	size_t		nr, cap, total_bytes, hinted_upto;
	struct seen_set_names {
		char	(*name)[41];
		size_t	nr, cap;
	} names;
	size_t		cur_max, max_len;
	unsigned long	since_new;
	/* Dictionaries. */
	struct dict	user, cmp_words;
	/* CMP. */
	struct kcov_sim_fuzz_runner *cmp;
	bool		cmp_ok;
	unsigned long	cmp_runs, hint_execs, hint_finds;
	/* Stats and time. */
	unsigned long	execs, new_units;
	double		t0, last_print, last_csv, last_reload;
	int		csv;		/* fd, -1 without -cov_csv */
	bool		stop;
	uint8_t		*buf;
};

static struct engine E;

/* ---- small things ---------------------------------------------------- */

static notrace double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static notrace unsigned long rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (unsigned long)ru.ru_maxrss >> 10;
}

static notrace uint8_t *read_file(const char *path, size_t max, size_t *len)
{
	uint8_t *b = NULL;
	size_t cap = 0, n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			uint8_t *nb;

			cap = cap ? 2 * cap : 4096;
			nb = realloc(b, cap);
			if (!nb)
				goto fail;
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (max && n > max)
		n = max;
	*len = n;
	return b ? b : malloc(1);
fail:
	close(fd);
	free(b);
	return NULL;
}

/* ---- flags: libFuzzer's dialect -------------------------------------- */

static const char *const help[][2] = {
	{ "runs", "number of inputs to run (-1: no limit)" },
	{ "max_total_time", "stop after this many seconds (0: no limit)" },
	{ "seed", "random seed (0: from the clock)" },
	{ "max_len", "longest input made (0: guess from the corpus, else 4096)" },
	{ "timeout", "seconds an input may run (0: none; default 1200)" },
	{ "dict", "dictionary file (AFL/libFuzzer format)" },
	{ "artifact_prefix", "prefix of crash-/timeout- files (default ./)" },
	{ "exact_artifact_path", "write the one artifact to this path" },
	{ "jobs", "run this many fuzzing jobs (processes, logs fuzz-N.log)" },
	{ "workers", "jobs at a time (default min(jobs, cpus/2))" },
	{ "minimize_crash", "1: shrink the crashing input given as a file" },
	{ "cov_csv", "write coverage over time to this CSV file" },
	{ "use_cmp", "1 (default): CMP hints from KCOV_TRACE_CMP runs" },
	{ "reload", "seconds between re-reads of the first corpus dir (0: never)" },
	{ "print_final_stats", "1 (default): stat:: lines at the end" },
	{ "verbosity", "2: a line for every new corpus entry" },
	{ "error_exitcode", "exit code after a crash (default 77)" },
	{ "timeout_exitcode", "exit code after a timeout (default 70)" },
};

static notrace void usage(const char *prog)
{
	size_t i;

	printf("Usage: %s [-flag=value]... [corpus_dir | input_file]...\n"
	       "A KCOV-driven fuzzer (libkcov-sim); flags as libFuzzer's:\n",
	       prog);
	for (i = 0; i < ARRAY_SIZE(help); i++)
		printf(" -%-22s %s\n", help[i][0], help[i][1]);
}

/* -name=value: true (and *val) if @arg is that flag. */
static notrace bool flag(const char *arg, const char *name, const char **val)
{
	size_t n = strlen(name);

	if (arg[0] != '-' || strncmp(arg + 1, name, n) || arg[1 + n] != '=')
		return false;
	*val = arg + 2 + n;
	return true;
}

static notrace int parse_args(struct opts *o, int argc, char **argv)
{
	static const char *const longs[] = { "runs", "max_total_time", "seed",
		"max_len", "timeout", "jobs", "workers", "minimize_crash",
		"use_cmp", "reload", "print_final_stats", "verbosity",
		"error_exitcode", "timeout_exitcode", "help" };
	int i;

	memset(o, 0, sizeof(*o));
	o->runs = -1;
	o->timeout = 1200;
	o->use_cmp = 1;
	o->reload = 2;
	o->print_final_stats = 1;
	o->verbosity = 1;
	o->error_exitcode = EXIT_CRASH;
	o->timeout_exitcode = EXIT_TIMEOUT;
	o->dirs = calloc((size_t)argc + 1, sizeof(char *));
	o->files = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->dirs || !o->files)
		return -ENOMEM;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		struct stat st;
		size_t k;
		bool known = false;

		if (a[0] != '-') {
			if (!stat(a, &st) && S_ISDIR(st.st_mode))
				o->dirs[o->nr_dirs++] = a;
			else
				o->files[o->nr_files++] = a;
			continue;
		}
		if (a[1] == '-')
			continue;	/* libFuzzer ignores --flags too */
		for (k = 0; k < ARRAY_SIZE(longs); k++) {
			long *dst[] = { &o->runs, &o->max_total_time, NULL,
					NULL, &o->timeout, &o->jobs,
					&o->workers, NULL, &o->use_cmp,
					&o->reload, &o->print_final_stats,
					&o->verbosity, &o->error_exitcode,
					&o->timeout_exitcode, NULL };

			if (!flag(a, longs[k], &v))
				continue;
			known = true;
			if (!strcmp(longs[k], "help") && atoi(v)) {
				usage(argv[0]);
				exit(0);
			} else if (!strcmp(longs[k], "seed")) {
				o->seed = strtoul(v, NULL, 0);
			} else if (!strcmp(longs[k], "max_len")) {
				o->max_len = strtoul(v, NULL, 0);
			} else if (!strcmp(longs[k], "minimize_crash")) {
				o->minimize_crash = atoi(v) != 0;
			} else if (dst[k]) {
				*dst[k] = strtol(v, NULL, 0);
			}
		}
		if (flag(a, "dict", &v)) {
			o->dict = v;
			known = true;
		} else if (flag(a, "artifact_prefix", &v)) {
			o->artifact_prefix = v;
			known = true;
		} else if (flag(a, "exact_artifact_path", &v)) {
			o->exact_artifact_path = v;
			known = true;
		} else if (flag(a, "cov_csv", &v)) {
			o->cov_csv = v;
			known = true;
		}
		if (!known)
			fprintf(stderr, "WARNING: unrecognized flag '%s'; use "
				"-help=1 to list all flags\n", a);
	}
	return 0;
}

/* ---- coverage --------------------------------------------------------- */

static inline notrace unsigned int bucket(uint8_t c)
{
	if (c <= 3)
		return c - 1u;		/* 1, 2, 3 */
	if (c < 8)
		return 3;
	if (c < 16)
		return 4;
	if (c < 32)
		return 5;
	return c < 128 ? 6 : 7;
}

/* New features of the input whose edges are in E.ctr; clears E.ctr. */
static notrace unsigned int take_features(void)
{
	uint64_t *w = (uint64_t *)(void *)E.ctr;
	size_t i, nw = E.nr_ctr / 8;
	unsigned int fresh = 0;

	for (i = 0; i < nw; i++) {
		uint64_t v = w[i];
		unsigned int b;

		if (!v)
			continue;
		w[i] = 0;
		for (b = 0; b < 8; b++, v >>= 8) {
			size_t idx = i * 8 + b, f;

			if (!(v & 0xff))
				continue;
			f = idx * 8 + bucket((uint8_t)v);
			if (!(E.feats[f >> 6] & (1ull << (f & 63)))) {
				E.feats[f >> 6] |= 1ull << (f & 63);
				E.nr_feats++;
				fresh++;
			}
			if (!(E.edges[idx >> 6] & (1ull << (idx & 63)))) {
				E.edges[idx >> 6] |= 1ull << (idx & 63);
				E.nr_edges++;
			}
		}
	}
	return fresh;
}

static notrace void cov_setup(void)
{
	long sites = kcov_sim_fuzz_pc_sites();
	size_t n = 256;

	/* Edges are about 1.5x the sites; 4x keeps collisions rare. */
	while (sites > 0 && n < (size_t)sites * 4 && n < (1u << 20))
		n *= 2;
	if (sites <= 0)
		n = 1u << 16;
	E.nr_ctr = n;
	E.ctr = aligned_alloc(64, n);
	E.edges = calloc(n / 64 + 1, sizeof(uint64_t));
	E.feats = calloc(n / 8 + 1, sizeof(uint64_t));
	if (!E.ctr || !E.edges || !E.feats) {
		fprintf(stderr, "%s: out of memory\n", ENGINE_NAME);
		exit(1);
	}
	memset(E.ctr, 0, n);
	printf("INFO: %s: KCOV PC edges: %ld trace_pc call sites found, %zu "
	       "counters\n", ENGINE_NAME, sites, n);
}

/* Runs one input in TRACE_PC mode; returns its new features. */
static notrace unsigned int run_pc(const uint8_t *data, size_t len)
{
	struct kcov_sim_fuzz_trace t;
	uint8_t *copy = malloc(len ? len : 1);
	int err;

	if (!copy)
		return 0;
	/* An exact-size copy: reads past the end are the harness's bug. */
	memcpy(copy, data, len);
	crash_set_input(copy, len);
	err = kcov_sim_fuzz_run(LLVMFuzzerTestOneInput, copy, len, &t, NULL);
	crash_unit_done();
	free(copy);
	E.execs++;
	if (err) {
		fprintf(stderr, "%s: KCOV: %s\n", ENGINE_NAME, strerror(-err));
		exit(1);
	}
	kcov_sim_fuzz_count_edges(&t, E.ctr, E.nr_ctr, NULL);
	return take_features();
}

/* Runs one input in TRACE_CMP mode and collects its unsatisfied pairs. */
static notrace bool run_cmp(const uint8_t *data, size_t len, struct pairs *ps)
{
	struct kcov_sim_fuzz_trace t;
	uint8_t *copy;
	int err;

	if (!E.cmp_ok)
		return false;
	copy = malloc(len ? len : 1);
	if (!copy)
		return false;
	memcpy(copy, data, len);
	crash_set_input(copy, len);
	err = kcov_sim_fuzz_runner_run(E.cmp, LLVMFuzzerTestOneInput, copy,
				       len, &t, NULL);
	crash_unit_done();
	E.execs++;
	E.cmp_runs++;
	if (!err)
		pairs_collect(ps, &t);
	free(copy);
	if (err) {
		fprintf(stderr, "WARNING: %s: KCOV_TRACE_CMP runs fail (%s); "
			"no CMP hints\n", ENGINE_NAME, strerror(-err));
		E.cmp_ok = false;
	}
	return !err;
}

/* ---- corpus ----------------------------------------------------------- */

static notrace bool name_known(const char *name)
{
	size_t i;

	for (i = 0; i < E.names.nr; i++)
		if (!strcmp(E.names.name[i], name))
			return true;
	return false;
}

static notrace void name_add(const char *name)
{
	if (E.names.nr == E.names.cap) {
		size_t cap = E.names.cap ? 2 * E.names.cap : 256;
		void *n = realloc(E.names.name, cap * sizeof(*E.names.name));

		if (!n)
			return;
		E.names.name = n;
		E.names.cap = cap;
	}
	memcpy(E.names.name[E.names.nr++], name, 41);
}

static notrace void print_status(const char *what);

static notrace void corpus_add(const uint8_t *data, size_t len,
			       unsigned int fresh, bool write)
{
	struct entry *e = calloc(1, sizeof(*e));

	if (e && E.nr == E.cap) {
		size_t cap = E.cap ? 2 * E.cap : 256;
		struct entry **c = realloc(E.corpus, cap * sizeof(*c));

		if (c) {
			E.corpus = c;
			E.cap = cap;
		}
	}
	if (e)
		e->data = malloc(len ? len : 1);
	if (!e || !e->data || E.nr == E.cap) {
		fprintf(stderr, "%s: out of memory\n", ENGINE_NAME);
		exit(1);
	}
	memcpy(e->data, data, len);
	e->len = len;
	e->new_feats = fresh;
	e->hinted = !E.cmp_ok;
	sha1_hex(data, len, e->name);
	E.corpus[E.nr++] = e;
	E.total_bytes += len;
	E.new_units++;
	E.since_new = 0;
	if (len > E.cur_max)
		E.cur_max = len < E.max_len ? len : E.max_len;
	if (!name_known(e->name))
		name_add(e->name);
	if (write && E.o.nr_dirs) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", E.o.dirs[0], e->name);
		if (access(path, F_OK)) {
			char tmp[PATH_MAX];
			int fd;

			/* Whole files only: other jobs read this directory. */
			snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", E.o.dirs[0],
				 e->name);
			fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				  0644);
			if (fd >= 0) {
				if (write_all(fd, data, len) == 0)
					rename(tmp, path);
				close(fd);
				unlink(tmp);
			}
		}
	}
	if (E.o.verbosity >= 2)
		print_status("NEW");
}

/* Reads the files of @dir (and its subdirectories) into @list. */
struct file_list {
	char	**path;
	size_t	nr, cap;
};

static notrace void list_files(const char *dir, struct file_list *fl, int depth)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 8) {
			list_files(path, fl, depth + 1);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		/* A file we wrote or read before. */
		if (strlen(de->d_name) == 40 && name_known(de->d_name))
			continue;
		if (fl->nr == fl->cap) {
			fl->cap = fl->cap ? 2 * fl->cap : 64;
			fl->path = realloc(fl->path, fl->cap * sizeof(char *));
			if (!fl->path)
				exit(1);
		}
		fl->path[fl->nr++] = strdup(path);
	}
	closedir(d);
}

/* Runs every file not seen yet; keeps those with new features. */
static notrace size_t load_dirs(size_t nr_dirs)
{
	struct file_list fl = { NULL, 0, 0 };
	size_t i, kept = 0;

	for (i = 0; i < nr_dirs; i++)
		list_files(E.o.dirs[i], &fl, 0);
	for (i = 0; i < fl.nr; i++) {
		size_t len;
		uint8_t *b = read_file(fl.path[i], E.max_len, &len);
		char name[41];
		unsigned int fresh;

		if (b) {
			sha1_hex(b, len, name);
			if (!name_known(name)) {
				name_add(name);
				fresh = run_pc(b, len);
				if (fresh) {
					corpus_add(b, len, fresh, false);
					kept++;
				}
			}
		}
		free(b);
		free(fl.path[i]);
	}
	free(fl.path);
	return kept;
}

/* ---- progress --------------------------------------------------------- */

static notrace void print_status(const char *what)
{
	double el = now() - E.t0;

	printf("#%lu\t%s cov: %lu ft: %lu corp: %zu/%zub exec/s: %lu rss: %luMb\n",
	       E.execs, what, E.nr_edges, E.nr_feats, E.nr, E.total_bytes,
	       el > 0 ? (unsigned long)(E.execs / el) : 0, rss_mb());
	fflush(stdout);
}

/*
 * The CSV row and the final stats are also written from the crash
 * handlers: snprintf and write(2) only, no stdio (stdout is line
 * buffered, so what printf wrote before is out already).
 */
static notrace void csv_row(void)
{
	double el = now() - E.t0;
	char row[256];
	int n;

	if (E.csv < 0)
		return;
	n = snprintf(row, sizeof(row), "%.3f,%lu,%lu,%lu,%zu,%lu,%lu\n", el,
		     E.execs, E.nr_edges, E.nr_feats, E.nr, E.cmp_runs,
		     el > 0 ? (unsigned long)(E.execs / el) : 0);
	write_all(E.csv, (const uint8_t *)row, (size_t)n);
}

static notrace void final_stats(void)
{
	double el = now() - E.t0;
	char buf[1024];
	int n;

	if (!E.o.print_final_stats)
		return;
	n = snprintf(buf, sizeof(buf),
		     "stat::number_of_executed_units: %lu\n"
		     "stat::average_exec_per_sec:     %lu\n"
		     "stat::new_units_added:          %lu\n"
		     "stat::edges:                    %lu\n"
		     "stat::features:                 %lu\n"
		     "stat::corpus:                   %zu\n"
		     "stat::cmp_runs:                 %lu\n"
		     "stat::hint_execs:               %lu\n"
		     "stat::hint_finds:               %lu\n"
		     "stat::seconds:                  %.3f\n"
		     "stat::peak_rss_mb:              %lu\n",
		     E.execs, el > 0 ? (unsigned long)(E.execs / el) : 0,
		     E.new_units, E.nr_edges, E.nr_feats, E.nr, E.cmp_runs,
		     E.hint_execs, E.hint_finds, el, rss_mb());
	write_all(STDOUT_FILENO, (const uint8_t *)buf, (size_t)n);
}

static notrace void on_crash_stats(void)
{
	csv_row();
	final_stats();
}

/* Time checks, progress, CSV, reload, limits: every so often. */
static notrace void tick(void)
{
	double t = now();

	if (E.o.runs >= 0 && E.execs >= (unsigned long)E.o.runs)
		E.stop = true;
	if (E.o.max_total_time > 0 && t - E.t0 >= (double)E.o.max_total_time)
		E.stop = true;
	if (t - E.last_csv >= 1.0) {
		E.last_csv = t;
		csv_row();
	}
	if (t - E.last_print >= PROGRESS_SECS) {
		E.last_print = t;
		print_status("pulse");
	}
	if (E.o.reload > 0 && E.o.nr_dirs &&
	    t - E.last_reload >= (double)E.o.reload) {
		E.last_reload = t;
		if (load_dirs(1) && E.o.verbosity >= 1)
			print_status("RELOAD");
	}
}

/* ---- hints ------------------------------------------------------------ */

/* The operands a CMP run saw, as words for later random mutations. */
notrace void pairs_to_words(const struct pairs *ps, struct dict *d)
{
	size_t i, n = ps->nr < 512 ? ps->nr : 512;

	for (i = 0; i < n; i++) {
		const struct hint_pair *p = &ps->p[i];
		uint8_t le[8], be[8];
		unsigned int k;

		/* Small numbers are what the mutators make anyway. */
		if (p->size < 2 || p->to < 0x100 || p->to == (p->size >= 8 ? ~0ull : (1ull << (8 * p->size)) - 1))
			continue;
		for (k = 0; k < p->size; k++) {
			le[k] = (uint8_t)(p->to >> (8 * k));
			be[p->size - 1 - k] = le[k];
		}
		if (d->nr >= 1024) {
			/* Full: the newest words replace random old ones. */
			size_t j = rnd_below(d->nr);

			d->w[j].len = p->size;
			memcpy(d->w[j].b, le, p->size);
			continue;
		}
		dict_add(d, le, p->size);
		dict_add(d, be, p->size);
	}
}


struct hint_ctx {
	int		depth;
	uint8_t		*cand[DEPTH2_MAX];
	size_t		cand_len[DEPTH2_MAX];
	size_t		nr_cand;
};

static notrace int hint_run(const uint8_t *m, size_t len, void *arg)
{
	struct hint_ctx *c = arg;
	unsigned int fresh;

	E.hint_execs++;
	fresh = run_pc(m, len);
	if (fresh) {
		E.hint_finds++;
		corpus_add(m, len, fresh, true);
	} else if (c->depth == 1 && c->nr_cand < DEPTH2_MAX) {
		c->cand[c->nr_cand] = malloc(len ? len : 1);
		if (c->cand[c->nr_cand]) {
			memcpy(c->cand[c->nr_cand], m, len);
			c->cand_len[c->nr_cand++] = len;
		}
	}
	if (!(E.execs & 63))
		tick();
	return E.stop;
}

/*
 * The hint stage of entry @e: its comparisons, their mutants; then, for
 * the first mutants that found nothing, the comparisons those make anew
 * (a magic replaced behind a checksum changes the checksum compare) and
 * their mutants.
 */
static notrace void hint_stage(struct entry *e)
{
	struct hint_ctx c = { .depth = 1 };
	struct pairs ps = { 0 };
	uint8_t *data = e->data;
	size_t len = e->len, i;

	e->hinted = true;
	if (!run_cmp(data, len, &ps))
		return;
	pairs_to_words(&ps, &E.cmp_words);
	hints_generate(data, len, &ps, NULL, HINTS_MAX, hint_run, &c);
	c.depth = 2;
	for (i = 0; i < c.nr_cand; i++) {
		struct pairs ps2 = { 0 };

		if (!E.stop && run_cmp(c.cand[i], c.cand_len[i], &ps2))
			hints_generate(c.cand[i], c.cand_len[i], &ps2, &ps,
				       HINTS2_MAX, hint_run, &c);
		pairs_free(&ps2);
		free(c.cand[i]);
	}
	pairs_free(&ps);
}

/* ---- the loop --------------------------------------------------------- */

static notrace struct entry *pick(void)
{
	struct entry *a = E.corpus[rnd_below(E.nr)];
	struct entry *b;

	/* The newest entries are where coverage grows: a fair share. */
	if (rnd() & 1)
		b = E.corpus[E.nr - 1 - rnd_below(E.nr < 8 ? E.nr : 8)];
	else
		b = E.corpus[rnd_below(E.nr)];
	/* Of two, the one that brought more, tried less. */
	return (uint64_t)a->new_feats * (b->picks + 16) >=
	       (uint64_t)b->new_feats * (a->picks + 16) ? a : b;
}

static notrace void fuzz_one(void)
{
	struct entry *e = pick();
	size_t len = e->len, n = (size_t)1 << rnd_below(4), i;
	unsigned int fresh;

	e->picks++;
	memcpy(E.buf, e->data, len);
	for (i = 0; i < n; i++)
		len = mutate(E.buf, len, E.cur_max, E.corpus[rnd_below(E.nr)],
			     &E.user, &E.cmp_words);
	fresh = run_pc(E.buf, len);
	if (fresh) {
		corpus_add(E.buf, len, fresh, true);
		return;
	}
	/* No news for a while: let inputs grow (libFuzzer's len_control). */
	if (++E.since_new >= 2000 && E.cur_max < E.max_len) {
		E.cur_max += E.cur_max / 4 + 1;
		if (E.cur_max > E.max_len)
			E.cur_max = E.max_len;
		E.since_new = 0;
	}
}

static notrace int fuzz(void)
{
	size_t i;

	if (E.o.nr_dirs) {
		for (i = 0; i < E.o.nr_dirs; i++)
			printf("INFO: corpus directory %s\n", E.o.dirs[i]);
		load_dirs(E.o.nr_dirs);
	}
	if (!E.nr) {
		printf("INFO: A corpus is not provided, starting from an empty "
		       "corpus\n");
		corpus_add((const uint8_t *)"", 0, run_pc((const uint8_t *)"", 0),
			   false);
	}
	print_status("INITED");
	while (!E.stop) {
		/* Oldest entry without its hint stage first. */
		while (E.hinted_upto < E.nr && E.corpus[E.hinted_upto]->hinted)
			E.hinted_upto++;
		if (E.hinted_upto < E.nr)
			hint_stage(E.corpus[E.hinted_upto]);
		else
			fuzz_one();
		if (!(E.execs & 255))
			tick();
	}
	print_status("DONE");
	csv_row();
	printf("Done %lu runs in %.0f second(s)\n", E.execs, now() - E.t0);
	final_stats();
	return 0;
}

/* ---- replay and minimize --------------------------------------------- */

static notrace int replay(void)
{
	long runs = E.o.runs > 0 ? E.o.runs : 1, r;
	size_t i;

	for (i = 0; i < E.o.nr_files; i++) {
		size_t len;
		uint8_t *b = read_file(E.o.files[i], 0, &len);
		double t;

		if (!b) {
			fprintf(stderr, "%s: cannot read %s: %s\n", ENGINE_NAME,
				E.o.files[i], strerror(errno));
			return 1;
		}
		fprintf(stderr, "Running: %s\n", E.o.files[i]);
		t = now();
		for (r = 0; r < runs; r++)
			run_pc(b, len);
		fprintf(stderr, "Executed %s in %.0f ms\n", E.o.files[i],
			(now() - t) * 1000);
		free(b);
	}
	fprintf(stderr, "***\n*** NOTE: fuzzing was not performed, you have "
		"only\n***       executed the target code on a fixed set of "
		"inputs.\n***\n");
	return 0;
}

/* Does @data crash? Run in a forked child, whose output goes nowhere. */
static notrace bool crashes(const uint8_t *data, size_t len)
{
	int status, null;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (!pid) {
		null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		E.o.artifact_prefix = "/dev/null/";	/* writes nothing */
		E.o.exact_artifact_path = NULL;
		crash_timer_start(E.o.timeout);
		run_pc(data, len);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	E.execs++;
	return WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status));
}

static notrace int minimize(void)
{
	char path[PATH_MAX], orig[41];
	uint8_t *best, *cand;
	size_t len, n, chunk, pos;
	double limit;

	if (E.o.nr_files != 1) {
		fprintf(stderr, "ERROR: -minimize_crash=1 needs one input file\n");
		return 1;
	}
	best = read_file(E.o.files[0], 0, &len);
	if (!best) {
		fprintf(stderr, "%s: cannot read %s\n", ENGINE_NAME, E.o.files[0]);
		return 1;
	}
	sha1_hex(best, len, orig);
	if (!E.o.max_total_time && E.o.runs < 0) {
		printf("INFO: no -runs or -max_total_time: minimizing for 10 s\n");
		E.o.max_total_time = 10;
	}
	limit = E.t0 + (double)(E.o.max_total_time ? E.o.max_total_time : 1e9);
	printf("CRASH_MIN: minimizing crash input: '%s' (%zu bytes)\n",
	       E.o.files[0], len);
	if (!crashes(best, len)) {
		fprintf(stderr, "ERROR: the input %s did not crash\n",
			E.o.files[0]);
		return 1;
	}
	cand = malloc(len ? len : 1);
	/* Delta debugging: drop chunks, halving their size. */
	for (chunk = len / 2 ? len / 2 : 1; chunk && len; chunk /= 2) {
		for (pos = 0; pos < len; ) {
			if (now() >= limit || (E.o.runs >= 0 &&
			    E.execs >= (unsigned long)E.o.runs))
				goto done;
			n = chunk < len - pos ? chunk : len - pos;
			memcpy(cand, best, pos);
			memcpy(cand + pos, best + pos + n, len - pos - n);
			if (crashes(cand, len - n)) {
				len -= n;
				memcpy(best, cand, len);
				printf("CRASH_MIN: %zu bytes still crash\n", len);
			} else {
				pos += n;
			}
		}
	}
done:
	snprintf(path, sizeof(path), "%sminimized-from-%s",
		 E.o.artifact_prefix ? E.o.artifact_prefix : "./", orig);
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || write_all(fd, best, len)) {
			fprintf(stderr, "%s: cannot write %s\n", ENGINE_NAME, path);
			return 1;
		}
		close(fd);
	}
	printf("CRASH_MIN: minimized to %zu bytes: %s\n", len, path);
	free(cand);
	free(best);
	return 0;
}

/* ---- jobs ------------------------------------------------------------- */

/*
 * -jobs=N: N processes (forked now, before any lane exists), at most
 * -workers at a time, each logging to fuzz-<job>.log, sharing the first
 * corpus directory (each re-reads it every -reload seconds). Exits 1 if
 * any job did, as libFuzzer.
 */
static notrace int run_jobs(int *job)
{
	long workers = E.o.workers, started = 0, running = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int rc = 0, status;

	if (workers <= 0)
		workers = cpus / 2 > 0 ? cpus / 2 : 1;
	if (workers > E.o.jobs)
		workers = E.o.jobs;
	printf("INFO: %ld jobs, %ld at a time; logs in fuzz-<job>.log\n",
	       E.o.jobs, workers);
	fflush(stdout);
	while (started < E.o.jobs || running) {
		pid_t pid;

		if (started < E.o.jobs && running < workers) {
			pid = fork();
			if (!pid) {
				char log[64];
				int fd;

				snprintf(log, sizeof(log), "fuzz-%ld.log", started);
				fd = open(log, O_WRONLY | O_CREAT | O_TRUNC |
					  O_CLOEXEC, 0644);
				if (fd >= 0) {
					dup2(fd, STDOUT_FILENO);
					dup2(fd, STDERR_FILENO);
				}
				*job = (int)started;
				return -1;	/* go on as a job */
			}
			if (pid > 0) {
				started++;
				running++;
			}
			continue;
		}
		pid = wait(&status);
		if (pid < 0)
			break;
		running--;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			rc = 1;
			printf("================== Job exited with %s %d\n",
			       WIFEXITED(status) ? "exit code" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status)
						 : WTERMSIG(status));
			fflush(stdout);
		}
	}
	return rc;
}

/* ---- main ------------------------------------------------------------- */

static notrace int carrier(void *arg)
{
	struct kcov_sim_fuzz_opts co = { .sz = sizeof(co),
					 .mode = KCOV_TRACE_CMP };
	unsigned long seed = E.o.seed;
	int err;

	(void)arg;
	if (LLVMFuzzerInitialize) {
		/* It may rewrite the arguments: read them again. */
		LLVMFuzzerInitialize(&E.argc, &E.argv);
		free(E.o.dirs);
		free(E.o.files);
		parse_args(&E.o, E.argc, E.argv);
		E.o.seed = seed;
	}
	crash_setup(&E.o);
	crash_stats_hook = on_crash_stats;
	crash_timer_start(E.o.timeout);
	if (E.o.dict && dict_parse_file(&E.user, E.o.dict)) {
		fprintf(stderr, "ERROR: cannot read the dictionary %s\n", E.o.dict);
		return 1;
	}
	if (E.o.dict)
		printf("Dictionary: %zu entries\n", E.user.nr);
	E.max_len = E.o.max_len ? E.o.max_len : 4096;
	E.cur_max = E.o.max_len && E.o.max_len < 8 ? E.o.max_len : 8;
	E.buf = malloc(E.max_len + 1);
	cov_setup();
	if (E.o.use_cmp && !E.o.minimize_crash && !E.o.nr_files) {
		err = kcov_sim_fuzz_runner_new(&co, &E.cmp);
		E.cmp_ok = !err;
		if (err)
			fprintf(stderr, "WARNING: %s: no TRACE_CMP lane (%s): "
				"no CMP hints\n", ENGINE_NAME, strerror(-err));
	}
	printf("INFO: %s: CMP hints %s, common handle 0x%llx\n", ENGINE_NAME,
	       E.cmp_ok ? "on" : "off",
	       (unsigned long long)kcov_sim_fuzz_handle());
	E.csv = -1;
	if (E.o.cov_csv) {
		static const char head[] = "seconds,execs,edges,features,corpus,"
					   "cmp_runs,execs_per_sec\n";

		E.csv = open(E.o.cov_csv, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0644);
		if (E.csv < 0)
			fprintf(stderr, "%s: cannot write %s: %s\n", ENGINE_NAME,
				E.o.cov_csv, strerror(errno));
		else
			write_all(E.csv, (const uint8_t *)head, sizeof(head) - 1);
	}
	E.t0 = E.last_print = E.last_csv = E.last_reload = now();
	if (E.o.minimize_crash)
		return minimize();
	if (E.o.nr_files && !E.o.nr_dirs)
		return replay();
	return fuzz();
}

int main(int argc, char **argv)
{
	struct kcov_sim_fuzz_opts po = { .sz = sizeof(po), .mode = KCOV_TRACE_PC };
	int job = -1, rc;

	E.argc = argc;
	E.argv = argv;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(&E.o, argc, argv))
		return 1;
	if (E.o.jobs > 1 || (E.o.jobs == 1 && E.o.workers > 0)) {
		rc = run_jobs(&job);
		if (rc >= 0)
			return rc;
		if (E.o.seed)
			E.o.seed += (unsigned long)job;
	}
	if (!E.o.seed)
		E.o.seed = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16);
	rnd_seed(E.o.seed);
	printf("INFO: Seed: %lu\n", E.o.seed);
	/*
	 * LLVMFuzzerInitialize and every input run on a carrier: the threads
	 * the harness makes inherit the lane's common handle.
	 */
	rc = kcov_sim_fuzz_spawn(&po, carrier, &job);
	if (rc < 0) {
		fprintf(stderr, "%s: cannot set up KCOV: %s\n", ENGINE_NAME,
			strerror(-rc));
		return 1;
	}
	return rc;
}
