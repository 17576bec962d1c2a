/* SPDX-License-Identifier: MIT */
/*
 * runner.c - kcov-sim-bench: runs every variant of the benchmark side by
 * side and prints one table. Not a pass/fail test: the targets are printed
 * PASS or MISS for information, and the exit status is 0 unless a variant
 * could not run at all.
 *
 * The variants (one executable each, see CMakeLists.txt) are listed in a
 * manifest written at configure time. Timed runs are interleaved: every
 * round spawns each variant once for a few runs, so a noisy neighbour
 * slows all of them alike rather than one of them. Wall time on shared VMs
 * is bimodal, so the table gives minima and medians, and callgrind's
 * instruction counts as the stable figure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#ifndef BENCH_MANIFEST
#define BENCH_MANIFEST "bench-variants.txt"
#endif
#ifndef BENCH_VALGRIND
#define BENCH_VALGRIND ""
#endif
#ifndef BENCH_LIB_INFO
#define BENCH_LIB_INFO "unknown compiler"
#endif

#define MAX_VARIANTS	64
#define MAX_ROWS	96
#define MAX_SAMPLES	512
#define PER_SPAWN	3	/* timed runs per spawned process */

struct params {
	int		runs;		/* timed runs per row, >= 27 by default */
	unsigned long	iters;		/* workload calls per timed run */
	unsigned long	cg_iters;	/* workload calls under callgrind */
	unsigned long	cg_remote_iters; /* remote pairs under callgrind */
	int		cg_rows;	/* rows given to callgrind, -1 all */
	unsigned long	remote_iters;
	int		remote_runs;
	unsigned long	threads_total;	/* sections per throughput run */
	unsigned long	fork_iters;	/* forks per run */
	int		fork_runs;
	const char	*manifest;
	bool		callgrind;
	bool		remote;
};

struct variant {
	char	kind[32];	/* none, count, empty-static, ksim-shared, ... */
	char	cc[16];		/* compiler of the workload object */
	char	path[PATH_MAX];
	char	cg_path[PATH_MAX];	/* its copy without debug info */
};

struct samples {
	double	v[MAX_SAMPLES];
	int	n;
};

struct row {
	const struct variant	*v;
	const char		*mode;	/* driver mode */
	const char		*label;
	struct samples		ns;
	double			ir;	/* instructions per workload call */
	bool			has_ir;
};

static struct variant variants[MAX_VARIANTS];
static int nr_variants;
static struct row rows[MAX_ROWS];
static int nr_rows;
static bool failed;

/* ---- helpers ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double s_min(struct samples *s)
{
	qsort(s->v, (size_t)s->n, sizeof(s->v[0]), cmp_double);
	return s->n ? s->v[0] : 0;
}

static double s_max(struct samples *s)
{
	qsort(s->v, (size_t)s->n, sizeof(s->v[0]), cmp_double);
	return s->n ? s->v[s->n - 1] : 0;
}

static double s_median(struct samples *s)
{
	qsort(s->v, (size_t)s->n, sizeof(s->v[0]), cmp_double);
	if (!s->n)
		return 0;
	if (s->n & 1)
		return s->v[s->n / 2];
	return (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
}

/* Append the numbers after "@key" in @out to @s. */
static bool parse_line(const char *out, const char *key, struct samples *s)
{
	size_t klen = strlen(key);
	const char *p = out;
	char *end;
	double d;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ' ') {
			p += klen;
			for (;;) {
				d = strtod(p, &end);
				if (end == p)
					break;
				if (s->n < MAX_SAMPLES)
					s->v[s->n++] = d;
				p = end;
			}
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/*
 * Run @argv, its stdout into @out (NUL-terminated, truncated at @size),
 * with @env ("NAME=VALUE") added to the environment unless NULL. stderr
 * goes to /dev/null when @quiet. Returns the exit status or -1.
 */
static int run_in(char *const argv[], char *out, size_t size, bool quiet,
		  const char *env)
{
	int pfd[2], status, devnull;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		if (quiet) {
			devnull = open("/dev/null", O_WRONLY);
			if (devnull >= 0)
				dup2(devnull, 2);
		}
		close(pfd[0]);
		close(pfd[1]);
		if (env)
			putenv((char *)env);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], out + len, size - 1 - len)) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			len += (size_t)n;
	out[len] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run(char *const argv[], char *out, size_t size, bool quiet)
{
	return run_in(argv, out, size, quiet, NULL);
}

static char *fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
	return buf;
}

/* "what i/n" on a terminal, overwritten in place. */
static void progress(const char *what, int i, int n)
{
	if (isatty(2))
		fprintf(stderr, "\r%s %d/%d%s", what, i, n, i == n ? "\n" : "");
}

static void report_failure(const char *what, const struct variant *v, int status)
{
	fprintf(stderr, "kcov-sim-bench: %s of %s (%s) failed, status %d\n",
		what, v->kind, v->cc, status);
	failed = true;
}

/* ---- variants and rows -------------------------------------------------- */

static void load_manifest(const char *path)
{
	char line[2 * PATH_MAX + 64];
	struct variant *v;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "kcov-sim-bench: cannot read %s: %s\n", path,
			strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof(line), f) && nr_variants < MAX_VARIANTS) {
		v = &variants[nr_variants];
		if (sscanf(line, "%31s %15s %4095s %4095s", v->kind, v->cc,
			   v->path, v->cg_path) == 4)
			nr_variants++;
	}
	fclose(f);
}

static const struct variant *find_variant(const char *kind, const char *cc)
{
	int i;

	for (i = 0; i < nr_variants; i++)
		if (!strcmp(variants[i].kind, kind) &&
		    (!cc || !strcmp(variants[i].cc, cc)))
			return &variants[i];
	return NULL;
}

static struct row *find_row(const char *kind, const char *cc, const char *mode)
{
	int i;

	for (i = 0; i < nr_rows; i++)
		if (!strcmp(rows[i].v->kind, kind) && !strcmp(rows[i].v->cc, cc) &&
		    !strcmp(rows[i].mode, mode))
			return &rows[i];
	return NULL;
}

static void add_row(const char *kind, const char *cc, const char *mode,
		    const char *label)
{
	const struct variant *v = find_variant(kind, cc);

	if (!v || nr_rows == MAX_ROWS)
		return;
	rows[nr_rows].v = v;
	rows[nr_rows].mode = mode;
	rows[nr_rows].label = label;
	nr_rows++;
}

/* Compilers in manifest order, each once. */
static const char *ccs[4];
static int nr_ccs;

static void build_rows(void)
{
	int i, j;

	for (i = 0; i < nr_variants; i++) {
		for (j = 0; j < nr_ccs; j++)
			if (!strcmp(ccs[j], variants[i].cc))
				break;
		if (j == nr_ccs && nr_ccs < 4)
			ccs[nr_ccs++] = variants[i].cc;
	}
	for (j = 0; j < nr_ccs; j++) {
		const char *cc = ccs[j];

		add_row("none", cc, "none", "uninstrumented");
		add_row("empty-static", cc, "none", "empty hooks, static (floor)");
		add_row("empty-shared", cc, "none", "empty hooks, shared (PLT)");
		add_row("ksim-static", cc, "disabled", "kcov-sim static, disabled");
		add_row("ksim-static", cc, "pc", "kcov-sim static, TRACE_PC");
		add_row("ksim-static", cc, "cmp", "kcov-sim static, TRACE_CMP");
		add_row("ksim-shared", cc, "disabled", "kcov-sim shared, disabled");
		add_row("ksim-shared", cc, "pc", "kcov-sim shared, TRACE_PC");
		add_row("ksim-shared", cc, "cmp", "kcov-sim shared, TRACE_CMP");
		add_row("ksim-lto", cc, "disabled", "kcov-sim LTO, disabled");
		add_row("ksim-lto", cc, "pc", "kcov-sim LTO, TRACE_PC");
		add_row("ksim-lto", cc, "cmp", "kcov-sim LTO, TRACE_CMP");
		add_row("libfuzzer-native", cc, "none", "libFuzzer, fuzzer-no-link");
		add_row("libfuzzer-edges", cc, "none", "libFuzzer, no-link w/o cmp");
		add_row("aflpp", cc, "none", "AFL++ afl-clang-fast");
	}
}

/* ---- measurements ------------------------------------------------------- */

static double hooks_per_call[4], hooks_pc[4], hooks_cmp[4], hooks_sw[4];

static int cc_index(const char *cc)
{
	int j;

	for (j = 0; j < nr_ccs; j++)
		if (!strcmp(ccs[j], cc))
			return j;
	return 0;
}

static void count_hooks(void)
{
	char out[4096], n[32];
	struct samples s;
	int j, st;

	for (j = 0; j < nr_ccs; j++) {
		const struct variant *v = find_variant("count", ccs[j]);
		char *argv[] = { v ? (char *)v->path : NULL, "count",
				 fmt(n, sizeof(n), "%d", 4096), NULL };

		if (!v)
			continue;
		s.n = 0;
		st = run(argv, out, sizeof(out), false);
		if (st || !parse_line(out, "hooks", &s) || s.n != 4) {
			report_failure("hook count", v, st);
			continue;
		}
		hooks_per_call[j] = s.v[0];
		hooks_pc[j] = s.v[1];
		hooks_cmp[j] = s.v[2];
		hooks_sw[j] = s.v[3];
	}
}

static void time_rows(const struct params *p)
{
	int rounds = (p->runs + PER_SPAWN - 1) / PER_SPAWN, r, i;
	char out[4096], it[32], nr[16];

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nr_rows; i++) {
			/* Rotate the order so no row always runs first. */
			struct row *row = &rows[(i + r) % nr_rows];
			char *argv[] = { (char *)row->v->path, "time", (char *)row->mode,
					 fmt(it, sizeof(it), "%lu", p->iters),
					 fmt(nr, sizeof(nr), "%d", PER_SPAWN), NULL };
			int st = run(argv, out, sizeof(out), false);

			if (st || !parse_line(out, "ns", &row->ns)) {
				report_failure("timed run", row->v, st);
				return;
			}
		}
		progress("timing: round", r + 1, rounds);
	}
}

/*
 * Instructions per iteration inside @fn of the driver @v run as
 * "@cmd @arg @iters", from callgrind's summary; 0 on failure.
 */
static double callgrind_ir(const struct variant *v, const char *fn,
			   const char *cmd, const char *arg, unsigned long iters)
{
	char dir[] = "/tmp/kcov-sim-bench-XXXXXX", file[PATH_MAX], outopt[PATH_MAX + 32];
	char it[32], out[256], line[512], libdir[PATH_MAX + 32], toggle[64];
	double ir = 0;
	FILE *f;
	int st;

	if (!mkdtemp(dir))
		return 0;
	snprintf(file, sizeof(file), "%s/cg.out", dir);
	snprintf(outopt, sizeof(outopt), "--callgrind-out-file=%s", file);
	snprintf(toggle, sizeof(toggle), "--toggle-collect=%s", fn);
	snprintf(libdir, sizeof(libdir), "LD_LIBRARY_PATH=%s", v->cg_path);
	*strrchr(libdir, '/') = '\0';
	{
		char *argv[] = { BENCH_VALGRIND, "--tool=callgrind",
				 "--collect-atstart=no", toggle, outopt,
				 (char *)v->cg_path, (char *)cmd, (char *)arg,
				 fmt(it, sizeof(it), "%lu", iters), NULL };

		st = run_in(argv, out, sizeof(out), true, libdir);
	}
	f = st ? NULL : fopen(file, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "summary:", 8) || !strncmp(line, "totals:", 7)) {
			ir = strtod(strchr(line, ':') + 1, NULL) / (double)iters;
			break;
		}
	if (f)
		fclose(f);
	unlink(file);
	rmdir(dir);
	if (ir <= 0)
		report_failure("callgrind run", v, st);
	return ir;
}

static void callgrind_rows(const struct params *p)
{
	int i, n = p->cg_rows < 0 || p->cg_rows > nr_rows ? nr_rows : p->cg_rows;

	for (i = 0; i < n; i++) {
		progress("callgrind: variant", i + 1, n);
		rows[i].ir = callgrind_ir(rows[i].v, BENCH_CG_FUNCTION, "cg",
					  rows[i].mode, p->cg_iters);
		rows[i].has_ir = rows[i].ir > 0;
	}
}

/* Remote figures of one library variant (static or shared). */
struct remote_figs {
	const struct variant	*v;
	struct samples		none, other, section, body;
	struct samples		threads[5];
	double			ir[4];	/* per pair: none, other, section, body */
};

static const char *const pair_kinds[4] = { "none", "other", "section", "body" };

static const int thread_counts[5] = { 1, 2, 4, 8, 16 };

static void remote_run(struct remote_figs *rf, const struct params *p)
{
	char out[16384], a[32], b[16], c[32], key[16];
	int st, i;

	if (!rf->v)
		return;
	{
		char *argv[] = { (char *)rf->v->path, "remote",
				 fmt(a, sizeof(a), "%lu", p->remote_iters),
				 fmt(b, sizeof(b), "%d", p->remote_runs),
				 fmt(c, sizeof(c), "%lu", p->threads_total), NULL };

		st = run(argv, out, sizeof(out), false);
	}
	if (st || !parse_line(out, "remote_none", &rf->none) ||
	    !parse_line(out, "remote_other", &rf->other) ||
	    !parse_line(out, "remote_section", &rf->section) ||
	    !parse_line(out, "section_body", &rf->body)) {
		report_failure("remote run", rf->v, st);
		rf->v = NULL;
		return;
	}
	for (i = 0; i < 5; i++)
		parse_line(out, fmt(key, sizeof(key), "threads %d", thread_counts[i]),
			   &rf->threads[i]);
	for (i = 0; p->callgrind && BENCH_VALGRIND[0] && i < 4; i++)
		rf->ir[i] = callgrind_ir(rf->v, BENCH_CG_REMOTE_FUNCTION, "cgremote",
					 pair_kinds[i], p->cg_remote_iters);
}

/* wl_small() alone in the uninstrumented variant: a pair's baseline. */
static void body_run(const struct variant *v, struct samples *s,
		     const struct params *p)
{
	char out[4096], a[32], b[16];
	int st;

	if (!v)
		return;
	{
		char *argv[] = { (char *)v->path, "body",
				 fmt(a, sizeof(a), "%lu", p->remote_iters),
				 fmt(b, sizeof(b), "%d", p->remote_runs), NULL };

		st = run(argv, out, sizeof(out), false);
	}
	if (st || !parse_line(out, "section_body", s))
		report_failure("body run", v, st);
}

/* Fork-server loop: iterations per second, runs interleaved. */
/* Fork-server loop of one variant, with lazy binding or LD_BIND_NOW=1. */
struct fork_figs {
	const struct variant	*v;
	const char		*env;	/* NULL or "LD_BIND_NOW=1" */
	struct samples		ips;
	struct samples		faults;	/* parent, child: per iteration, pairs */
};

static void fork_run(struct fork_figs *ff, int n, const struct params *p)
{
	char out[4096], a[32];
	int r, i, st;

	for (r = 0; r < p->fork_runs; r++)
		for (i = 0; i < n; i++) {
			char *argv[] = { ff[i].v ? (char *)ff[i].v->path : NULL,
					 "fork",
					 fmt(a, sizeof(a), "%lu", p->fork_iters),
					 "1", NULL };

			if (!ff[i].v)
				continue;
			st = run_in(argv, out, sizeof(out), false, ff[i].env);
			if (st || !parse_line(out, "fork", &ff[i].ips) ||
			    !parse_line(out, "fork_faults", &ff[i].faults)) {
				report_failure("fork run", ff[i].v, st);
				ff[i].v = NULL;
			}
		}
}

/* ---- output ------------------------------------------------------------- */

static void print_machine(void)
{
	char line[256], model[256] = "unknown";
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");
	char *p;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10) && (p = strchr(line, ':'))) {
			snprintf(model, sizeof(model), "%s", p + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	uname(&u);
	printf("machine:  %s, %ld CPUs online, Linux %s\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN), u.release);
}

static const char *verdict(bool ok)
{
	return ok ? "PASS" : "MISS";
}

static double floor_min(const char *kind, const char *cc)
{
	struct row *r = find_row(kind, cc, "none");

	return r && r->ns.n ? s_min(&r->ns) : 0;
}

static double floor_med(const char *kind, const char *cc)
{
	struct row *r = find_row(kind, cc, "none");

	return r && r->ns.n ? s_median(&r->ns) : 0;
}

static void print_table(void)
{
	char ir[16], irh[16], hk[16], note[64];
	const char *cc = NULL;
	int i, j;

	printf("\n%-30s %-5s %6s %8s %8s %7s %7s %8s %7s  %s\n", "variant",
	       "cc", "hooks", "min ns", "med ns", "min/fl", "med/fl", "Ir/call",
	       "Ir/hook", "note");
	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];
		double fl = floor_min("empty-static", r->v->cc);
		double flm = floor_med("empty-static", r->v->cc);
		double mn = s_min(&r->ns), md = s_median(&r->ns);
		struct row *none = find_row("none", r->v->cc, "none");
		int c = cc_index(r->v->cc);

		if (cc && strcmp(cc, r->v->cc))
			printf("\n");
		cc = r->v->cc;
		snprintf(ir, sizeof(ir), "-");
		snprintf(irh, sizeof(irh), "-");
		if (r->has_ir)
			snprintf(ir, sizeof(ir), "%.0f", r->ir);
		if (r->has_ir && none && none->has_ir && r != none &&
		    hooks_per_call[c] > 0)
			snprintf(irh, sizeof(irh), "%.2f",
				 (r->ir - none->ir) / hooks_per_call[c]);
		note[0] = '\0';
		if (!strcmp(r->v->kind, "ksim-shared") ||
		    !strcmp(r->v->kind, "empty-shared")) {
			double sfl = floor_min("empty-shared", r->v->cc);

			if (sfl > 0)
				snprintf(note, sizeof(note), "%.2fx shared floor",
					 mn / sfl);
		}
		snprintf(hk, sizeof(hk), "-");
		if (!strncmp(r->v->kind, "empty", 5) || !strncmp(r->v->kind, "ksim", 4))
			snprintf(hk, sizeof(hk), "%.1f", hooks_per_call[c]);
		printf("%-30s %-5s %6s %8.1f %8.1f %6.2fx %6.2fx %8s %7s  %s\n",
		       r->label, r->v->cc, hk, mn, md,
		       fl > 0 ? mn / fl : 0, flm > 0 ? md / flm : 0, ir, irh, note);
	}
	printf("\nhooks: hook calls per workload call (trace_pc + trace_cmp* + "
	       "trace_switch). fl: the\nfloor, empty static hooks, same cc. "
	       "Ir/hook: extra instructions per hook call; for\nlibFuzzer and "
	       "AFL++ (inline counters, no trace_pc calls) per trace-pc,trace-cmp "
	       "hook site.\n");
	for (j = 0; j < nr_ccs; j++)
		printf("  %s: %.1f hooks/call = %.1f trace_pc + %.1f cmp + %.1f "
		       "switch\n", ccs[j], hooks_per_call[j], hooks_pc[j],
		       hooks_cmp[j], hooks_sw[j]);
}

static void print_remote(struct remote_figs *rf, int n)
{
	static const char *const names[] = {
		"start/stop, unregistered, no handles at all",
		"start/stop, unregistered, other handle registered",
		"start + wl_small() + stop, registered handle",
		"wl_small() alone (the section body)",
	};
	int i, k;

	printf("\nremote sections (per start/stop pair: ns min / median, "
	       "callgrind Ir):\n");
	printf("  %-50s", "");
	for (k = 0; k < n; k++)
		if (rf[k].v)
			printf("  %-26s", rf[k].v->kind);
	printf("\n");
	for (i = 0; i < 4; i++) {
		printf("  %-50s", names[i]);
		for (k = 0; k < n; k++) {
			struct samples *s = i == 0 ? &rf[k].none : i == 1 ? &rf[k].other :
					    i == 2 ? &rf[k].section : &rf[k].body;

			char ir[16] = "-";

			if (rf[k].ir[i] > 0)
				snprintf(ir, sizeof(ir), "%.0f", rf[k].ir[i]);
			if (rf[k].v)
				printf("  %7.1f / %-7.1f %6s Ir", s_min(s),
				       s_median(s), ir);
		}
		printf("\n");
	}
	printf("section throughput, one device (sections/s, best / median):\n");
	for (i = 0; i < 5; i++) {
		printf("  %2d thread%-40s", thread_counts[i], i ? "s" : "");
		for (k = 0; k < n; k++) {
			char med[32];

			if (!rf[k].v)
				continue;
			snprintf(med, sizeof(med), "%.2fM",
				 s_median(&rf[k].threads[i]) / 1e6);
			printf("  %6.2fM / %-18s", s_max(&rf[k].threads[i]) / 1e6, med);
		}
		printf("\n");
	}
}

/* Mean of every second sample from @first: the parent's or the child's. */
static double mean_of_pairs(const struct samples *s, int first)
{
	double sum = 0;
	int i, n = 0;

	for (i = first; i < s->n; i += 2, n++)
		sum += s->v[i];
	return n ? sum / n : 0;
}

/* @ff: groups of three (no library, static, shared), one per binding. */
static void print_fork(struct fork_figs *ff, int n)
{
	int i;

	printf("\nfork-server loop (fork, ENABLE, run one request, exit, read):\n");
	for (i = 0; i < n; i++) {
		struct fork_figs *base = &ff[i / 3 * 3];

		if (i % 3 == 0)
			printf("  %s:\n", ff[i].env ? ff[i].env : "lazy binding");
		if (!ff[i].v)
			continue;
		printf("    %-12s iterations/s best %6.0f median %6.0f", i % 3 ?
		       ff[i].v->kind : "no library", s_max(&ff[i].ips),
		       s_median(&ff[i].ips));
		if (i % 3 && base->v && base->ips.n)
			printf(" = %.2fx / %.2fx", s_max(&ff[i].ips) / s_max(&base->ips),
			       s_median(&ff[i].ips) / s_median(&base->ips));
		else
			printf("%16s", "");
		printf("   page faults/iter: parent %.1f, child %.1f\n",
		       mean_of_pairs(&ff[i].faults, 0), mean_of_pairs(&ff[i].faults, 1));
	}
}

/* min ns of @kind's @mode row, 0 if absent; @med: its median. */
static double row_min(const char *kind, const char *cc, const char *mode,
		      double *med)
{
	struct row *r = find_row(kind, cc, mode);

	if (!r || !r->ns.n) {
		*med = 0;
		return 0;
	}
	*med = s_median(&r->ns);
	return s_min(&r->ns);
}

/* One figure of print_lto()'s table, "-" where there is none. */
static void lto_cell(double v, bool ratio)
{
	if (v <= 0)
		printf(" %8s", "-");
	else if (ratio)
		printf(" %7.2fx", v);
	else
		printf(" %8.1f", v);
}

/* A line of print_lto(); no ratios to @base unless @ratios. */
static void lto_line(const char *what, double base, double fl, double st,
		     double lto, double lto_med, bool ratios)
{
	printf("  %-24s", what);
	lto_cell(base, false);
	lto_cell(fl, false);
	lto_cell(st, false);
	lto_cell(lto, false);
	lto_cell(lto_med, false);
	lto_cell(ratios && base > 0 ? lto / base : 0, true);
	lto_cell(fl > 0 ? lto / fl : 0, true);
	printf("\n");
}

/*
 * The LTO form (issue 12) beside its baselines, one compiler: min ns of
 * the uninstrumented code, the call floor (empty static hooks), the
 * static library and the LTO form, and the LTO form's ratios to the
 * first two. @rf, @body: the remote pair (LTO) and its body alone
 * (uninstrumented), for the primary compiler.
 */
static void print_lto(const char *cc, struct remote_figs *rf,
		      struct remote_figs *rf_static, struct samples *body)
{
	static const char *const modes[3] = { "disabled", "pc", "cmp" };
	static const char *const names[3] = { "disabled", "TRACE_PC",
					       "TRACE_CMP" };
	double med, base, fl, st, lto, lto_med;
	struct row *r;
	int i;

	if (!find_variant("ksim-lto", cc))
		return;
	base = row_min("none", cc, "none", &med);
	fl = row_min("empty-static", cc, "none", &med);
	printf("\nLTO form, %s workload (ns per call, min; LTO also median; "
	       "ratios of the LTO minimum):\n", cc);
	printf("  %-24s %8s %8s %8s %8s %8s %8s %8s\n", "", "uninstr", "floor",
	       "static", "LTO", "LTO med", "/uninstr", "/floor");
	for (i = 0; i < 3; i++) {
		st = row_min("ksim-static", cc, modes[i], &med);
		lto = row_min("ksim-lto", cc, modes[i], &lto_med);
		lto_line(names[i], base, fl, st, lto, lto_med, true);
	}
	if (rf && rf->v && body && body->n) {
		lto_line("remote section pair", s_min(body), 0,
			 rf_static && rf_static->v ? s_min(&rf_static->section) : 0,
			 s_min(&rf->section), s_median(&rf->section), false);
		printf("  %-24s (pair: start + wl_small() + stop, TRACE_PC; "
		       "uninstr: wl_small() alone)\n", "");
	}
	if (!strcmp(cc, "gcc"))
		printf("  (GCC adds its hook calls after its inliner ran, also "
		       "under -flto: its LTO row is\n  the workload built with "
		       "GCC's LTO against the static library; the calls stay.)\n");
	for (i = 0; i < 2; i++) {
		const char *kind = i ? "aflpp" : "libfuzzer-edges";

		r = find_row(kind, cc, "none");
		if (!r || !r->ns.n)
			continue;
		lto = row_min("ksim-lto", cc, "pc", &lto_med);
		printf("  %-24s %8.1f   LTO TRACE_PC / it: %.2fx\n",
		       r->label, s_min(&r->ns), lto / s_min(&r->ns));
	}
}

static void target(const char *what, double value, double limit, bool upper,
		   const char *unit, double median)
{
	if (value <= 0) {
		printf("  %-58s n/a\n", what);
		return;
	}
	printf("  %-58s %7.2f%s (med %6.2f%s)  %s %-5.2f%s  %s\n", what, value, unit,
	       median, unit, upper ? "<=" : ">=", limit, unit,
	       verdict(upper ? value <= limit : value >= limit));
}

static double ratio(struct row *r, double fl)
{
	return r && r->ns.n && fl > 0 ? s_min(&r->ns) / fl : 0;
}

static double ratio_med(struct row *r, double fl)
{
	return r && r->ns.n && fl > 0 ? s_median(&r->ns) / fl : 0;
}

static void print_targets(const char *cc, struct remote_figs *rf,
			  struct fork_figs *ff, int nff)
{
	double fl = floor_min("empty-static", cc), flm = floor_med("empty-static", cc);
	double sfl = floor_min("empty-shared", cc), sflm = floor_med("empty-shared", cc);
	struct row *r, *lf;
	int i;

	printf("\ntargets (%s workload, library built by %s; min ratios, median "
	       "in brackets):\n", cc, BENCH_LIB_INFO);
	r = find_row("ksim-static", cc, "disabled");
	target("static, disabled vs empty-hook floor", ratio(r, fl), 1.10, true,
	       "x", ratio_med(r, flm));
	r = find_row("ksim-static", cc, "pc");
	target("static, TRACE_PC vs floor", ratio(r, fl), 1.25, true, "x",
	       ratio_med(r, flm));
	r = find_row("ksim-static", cc, "cmp");
	target("static, TRACE_CMP vs floor", ratio(r, fl), 1.80, true, "x",
	       ratio_med(r, flm));
	r = find_row("ksim-shared", cc, "disabled");
	target("shared, disabled vs shared empty-hook floor", ratio(r, sfl), 1.15,
	       true, "x", ratio_med(r, sflm));
	for (i = 0; i < 2; i++) {
		char what[80];

		if (!rf[i].v)
			continue;
		snprintf(what, sizeof(what), "unregistered pair, no handles (%s)",
			 rf[i].v->kind);
		target(what, s_min(&rf[i].none), 5, true, "ns", s_median(&rf[i].none));
		snprintf(what, sizeof(what), "unregistered pair, other handle (%s)",
			 rf[i].v->kind);
		target(what, s_min(&rf[i].other), 5, true, "ns", s_median(&rf[i].other));
	}
	for (i = 0; i < nff; i++) {
		struct fork_figs *base = &ff[i / 3 * 3];
		char what[80];

		if (i % 3 == 0 || !base->v || !ff[i].v || !base->ips.n)
			continue;
		snprintf(what, sizeof(what), "fork-server loop vs no library (%s%s)",
			 ff[i].v->kind, ff[i].env ? ", BIND_NOW" : "");
		target(what, s_max(&ff[i].ips) / s_max(&base->ips), 0.90, false, "x",
		       s_median(&ff[i].ips) / s_median(&base->ips));
	}
	r = find_row("ksim-static", cc, "pc");
	lf = find_row("libfuzzer-native", cc, "none");
	if (r && lf && lf->ns.n)
		target("static TRACE_PC vs libFuzzer (fuzzer-no-link)",
		       s_min(&r->ns) / s_min(&lf->ns), 1.0, true, "x",
		       s_median(&r->ns) / s_median(&lf->ns));
	lf = find_row("libfuzzer-edges", cc, "none");
	if (r && lf && lf->ns.n)
		target("static TRACE_PC vs libFuzzer without trace-cmp (info)",
		       s_min(&r->ns) / s_min(&lf->ns), 1.0, true, "x",
		       s_median(&r->ns) / s_median(&lf->ns));
}

/* Issue 12's targets for the LTO form, on @cc's workload. */
static void print_lto_targets(const char *cc)
{
	double m, mm, base, basem, fl, flm, afl, aflm;

	if (!find_variant("ksim-lto", cc))
		return;
	base = row_min("none", cc, "none", &basem);
	fl = row_min("empty-static", cc, "none", &flm);
	afl = row_min("aflpp", cc, "none", &aflm);
	printf("\nLTO targets (%s workload; min ratios, median in brackets):\n",
	       cc);
	m = row_min("ksim-lto", cc, "disabled", &mm);
	target("LTO, disabled vs uninstrumented", base > 0 ? m / base : 0, 1.20,
	       true, "x", basem > 0 ? mm / basem : 0);
	m = row_min("ksim-lto", cc, "pc", &mm);
	target("LTO, TRACE_PC vs call floor", fl > 0 ? m / fl : 0, 0.50, true,
	       "x", flm > 0 ? mm / flm : 0);
	if (afl > 0)
		target("LTO, TRACE_PC vs AFL++ afl-clang-fast", m / afl, 1.50,
		       true, "x", aflm > 0 ? mm / aflm : 0);
	else
		printf("  %-58s n/a (afl-clang-fast not found)\n",
		       "LTO, TRACE_PC vs AFL++ afl-clang-fast");
	m = row_min("ksim-lto", cc, "cmp", &mm);
	target("LTO, TRACE_CMP vs call floor", fl > 0 ? m / fl : 0, 1.00, true,
	       "x", flm > 0 ? mm / flm : 0);
}

/* ---- main --------------------------------------------------------------- */

static void usage(const char *argv0)
{
	printf("usage: %s [--quick] [--runs N] [--iters N] [--no-callgrind] "
	       "[--no-remote] [--manifest FILE]\n"
	       "  --quick         tiny counts: a smoke run, figures meaningless\n"
	       "  --runs N        timed runs per variant (default 63)\n"
	       "  --iters N       workload calls per timed run (default 20000)\n"
	       "  --no-callgrind  skip the instruction counts\n"
	       "  --no-remote     skip the remote and fork-server figures\n",
	       argv0);
}

int main(int argc, char **argv)
{
	struct params p = {
		.runs = 63, .iters = 20000, .cg_iters = 2000, .cg_rows = -1,
		.cg_remote_iters = 20000,
		.remote_iters = 200000, .remote_runs = 9, .threads_total = 40000,
		.fork_iters = 200, .fork_runs = 9, .manifest = BENCH_MANIFEST,
		.callgrind = true, .remote = true,
	};
	struct remote_figs rf[3] = { { 0 } };
	struct samples body = { .n = 0 };
	struct fork_figs ff[6] = { { 0 } };
	const char *primary;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			p.runs = 3;
			p.iters = 200;
			p.cg_iters = 50;
			p.cg_rows = 2;
			p.cg_remote_iters = 100;
			p.remote_iters = 1000;
			p.remote_runs = 1;
			p.threads_total = 320;
			p.fork_iters = 10;
			p.fork_runs = 1;
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			p.runs = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--iters") && i + 1 < argc) {
			p.iters = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--manifest") && i + 1 < argc) {
			p.manifest = argv[++i];
		} else if (!strcmp(argv[i], "--no-callgrind")) {
			p.callgrind = false;
		} else if (!strcmp(argv[i], "--no-remote")) {
			p.remote = false;
		} else {
			usage(argv[0]);
			return strcmp(argv[i], "--help") ? 2 : 0;
		}
	}
	if (p.runs < 1 || p.runs > MAX_SAMPLES - PER_SPAWN || !p.iters) {
		usage(argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	load_manifest(p.manifest);
	build_rows();
	if (!nr_rows) {
		fprintf(stderr, "kcov-sim-bench: no variants in %s\n", p.manifest);
		return 1;
	}
	primary = find_variant("ksim-static", "clang") ? "clang" : ccs[0];

	count_hooks();
	time_rows(&p);
	if (p.callgrind && BENCH_VALGRIND[0])
		callgrind_rows(&p);
	if (p.remote) {
		rf[0].v = find_variant("ksim-static", primary);
		rf[1].v = find_variant("ksim-shared", primary);
		rf[2].v = find_variant("ksim-lto", primary);
		remote_run(&rf[0], &p);
		remote_run(&rf[1], &p);
		remote_run(&rf[2], &p);
		body_run(find_variant("none", primary), &body, &p);
		/* Lazy binding, and LD_BIND_NOW=1 as afl-fuzz sets it. */
		for (i = 0; i < 6; i++) {
			static const char *const kinds[3] = { "none", "ksim-static",
							      "ksim-shared" };

			ff[i].v = find_variant(kinds[i % 3], primary);
			ff[i].env = i < 3 ? NULL : "LD_BIND_NOW=1";
		}
		fork_run(ff, 6, &p);
	}

	printf("kcov-sim-bench: the same TLV (netlink-attribute) workload, "
	       "built several ways\n");
	print_machine();
	printf("library:  libkcov-sim built by %s\n", BENCH_LIB_INFO);
	printf("timing:   %d runs x %lu calls per variant, %d runs per process, "
	       "rounds interleaved;\n          ns per workload call, min and "
	       "median\n", (p.runs + PER_SPAWN - 1) / PER_SPAWN * PER_SPAWN,
	       p.iters, PER_SPAWN);
	if (p.callgrind && BENCH_VALGRIND[0])
		printf("callgrind: %lu calls in %s(); Ir/hook = (Ir - Ir[uninstrumented])"
		       " / hooks\n", p.cg_iters, BENCH_CG_FUNCTION);
	else
		printf("callgrind: skipped%s\n", BENCH_VALGRIND[0] ? "" :
		       " (valgrind not found at configure time)");
	print_table();
	if (p.remote) {
		print_remote(rf, 3);
		print_fork(ff, 6);
	}
	for (i = 0; i < nr_ccs; i++)
		print_lto(ccs[i], !strcmp(ccs[i], primary) ? &rf[2] : NULL,
			  &rf[0], !strcmp(ccs[i], primary) ? &body : NULL);
	print_targets(primary, rf, ff, 6);
	print_lto_targets(primary);
	printf("\n(targets are information only; the exit status does not "
	       "depend on them)\n");
	return failed ? 1 : 0;
}
