/* SPDX-License-Identifier: MIT */
/*
 * kcov-sim-fuzz-bench - time to bug, and throughput, of five engines on the
 * planted bugs of tests/fuzz/targets (a program that prints a table; the
 * figures are never checked by a test).
 *
 *   kcov-sim-fuzz-bench [-s SEEDS] [-t SECONDS] [-T THROUGHPUT_SECONDS]
 *                       [-e ENGINE,...] [-b BUG,...] BINDIR
 *
 * BINDIR holds <bug>_<engine> for bug in local, remote, checksum and
 * engine in builtin (libkcov-sim's engine on KCOV), libfuzzer (the
 * libFuzzer bridge on KCOV), afl (the AFL++ bridge on KCOV), lf_native
 * (libFuzzer's own instrumentation, -fsanitize=fuzzer), afl_native
 * (afl-clang-fast, plus <bug>_afl_native_cmplog); and nobug_<engine>, the
 * local target with its BUG() removed, for throughput. Missing binaries
 * are skipped. Per cell: SEEDS runs (-seed=1.. / afl-fuzz -s), each
 * stopped at the first crash or after SECONDS; the median time and
 * executions to the crash (a run that found nothing counts as slower than
 * any that did). AFL++ runs report time and executions at the crash from
 * the crash file's name; the others print them (stat:: lines).
 */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEDS	32

static const char *const engines[][2] = {
	{ "builtin", "built-in engine (KCOV)" },
	{ "libfuzzer", "libFuzzer bridge (KCOV)" },
	{ "afl", "AFL++ bridge (KCOV)" },
	{ "lf_native", "libFuzzer, native" },
	{ "afl_native", "AFL++, native" },
};
#define NR_ENGINES	(sizeof(engines) / sizeof(engines[0]))
static const char *const bugs[] = { "local", "remote", "checksum" };
#define NR_BUGS		(sizeof(bugs) / sizeof(bugs[0]))

struct run {
	int	found;
	double	secs;
	double	execs;
};

struct cell {
	int		done, found;
	double		med_secs, min_secs, max_secs, med_execs;
};

static const char *bindir, *afl_fuzz = "afl-fuzz";
static int seeds = 5;
static double limit = 60, tput_secs = 5;
static char tmp[] = "/tmp/kcov-sim-fuzz-bench-XXXXXX";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exists(const char *path)
{
	return access(path, X_OK) == 0;
}

/* Runs @argv in @dir with @env added, output to @log, killed after @secs. */
static int run_cmd(char *const argv[], char *const env[], const char *dir,
		   const char *log, double secs, double *elapsed)
{
	double t0 = now();
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		setpgid(0, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (chdir(dir))
			_exit(126);
		for (; env && *env; env++)
			putenv(*env);
		execvp(argv[0], argv);
		_exit(127);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (now() - t0 > secs + 10) {	/* it ignored its own limit */
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(2000);
	}
	*elapsed = now() - t0;
	return status;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = calloc(1, (size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

static double stat_value(const char *log, const char *key)
{
	const char *p = log ? strstr(log, key) : NULL;

	return p ? strtod(p + strlen(key), NULL) : -1;
}

static void rm_rf(const char *dir)
{
	char cmd[8400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* libFuzzer-dialect engines: built-in, the libFuzzer bridge, native. */
static struct run run_libfuzzer_style(const char *exe, int seed, double secs)
{
	char work[4200], logp[4300], s[32], t[32], pfx[4300];
	char *argv[] = { (char *)exe, s, t, "-print_final_stats=1", pfx, NULL };
	struct run r = { 0, secs, -1 };
	double el;
	char *log;
	int st;

	snprintf(work, sizeof(work), "%s/run", tmp);
	rm_rf(work);
	mkdir(work, 0755);
	snprintf(s, sizeof(s), "-seed=%d", seed);
	snprintf(t, sizeof(t), "-max_total_time=%.0f", secs);
	snprintf(pfx, sizeof(pfx), "-artifact_prefix=%s/", work);
	snprintf(logp, sizeof(logp), "%s/log", tmp);
	st = run_cmd(argv, NULL, work, logp, secs, &el);
	log = slurp(logp);
	r.execs = stat_value(log, "stat::number_of_executed_units:");
	if (log && strstr(log, "Test unit written to") && st != 0) {
		r.found = 1;
		r.secs = el;
	}
	free(log);
	return r;
}

/* The crash file AFL++ saved: time and executions are in its name. */
static int afl_crash(const char *dir, double *secs, double *execs)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		const char *t = strstr(de->d_name, ",time:");
		const char *e = strstr(de->d_name, ",execs:");

		if (strncmp(de->d_name, "id:", 3) || !t)
			continue;
		*secs = strtod(t + 6, NULL) / 1000.0;
		*execs = e ? strtod(e + 7, NULL) : -1;
		found = 1;
		break;
	}
	closedir(d);
	return found;
}

/*
 * afl-fuzz 4.04c can leave a persistent-mode child of its fork server
 * behind, stopped (SIGSTOP) and orphaned; natively instrumented targets
 * have no guard against it (the bridge's children die with their fork
 * server). Kill what still runs @exe.
 */
static void kill_left(const char *exe)
{
	char want[PATH_MAX], link[300], got[PATH_MAX];
	struct dirent *de;
	DIR *d;
	ssize_t n;

	if (!realpath(exe, want) || !(d = opendir("/proc")))
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(link, sizeof(link), "/proc/%s/exe", de->d_name);
		n = readlink(link, got, sizeof(got) - 1);
		if (n < 0)
			continue;
		got[n] = '\0';
		if (!strcmp(got, want))
			kill((pid_t)atoi(de->d_name), SIGKILL);
	}
	closedir(d);
}

static struct run run_afl(const char *exe, const char *cmplog, int seed,
			  double secs, int until_crash)
{
	char work[4200], in[4300], out[4300], logp[4300], s[16], v[16], c[4300];
	char *env[] = { "AFL_NO_UI=1", "AFL_SKIP_CPUFREQ=1",
			"AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1",
			"AFL_NO_AFFINITY=1", "AFL_NO_CRASH_README=1",
			/* Last: afl-fuzz tests these for presence, not value. */
			until_crash ? "AFL_BENCH_UNTIL_CRASH=1" : NULL,
			NULL };
	char *argv[16];
	struct run r = { 0, secs, -1 };
	double el;
	int n = 0;
	FILE *f;

	snprintf(work, sizeof(work), "%s/afl", tmp);
	rm_rf(work);
	mkdir(work, 0755);
	snprintf(in, sizeof(in), "%s/in", work);
	mkdir(in, 0755);
	snprintf(out, sizeof(out), "%s/in/seed", work);
	f = fopen(out, "w");
	if (f) {
		fputs("AAAAAAAAAA", f);
		fclose(f);
	}
	snprintf(out, sizeof(out), "%s/out", work);
	snprintf(logp, sizeof(logp), "%s/log", tmp);
	snprintf(s, sizeof(s), "%d", seed);
	snprintf(v, sizeof(v), "%.0f", secs);
	argv[n++] = (char *)afl_fuzz;
	argv[n++] = "-i"; argv[n++] = in;
	argv[n++] = "-o"; argv[n++] = out;
	argv[n++] = "-s"; argv[n++] = s;
	argv[n++] = "-V"; argv[n++] = v;
	argv[n++] = "-c";
	snprintf(c, sizeof(c), "%s", cmplog ? cmplog : "0");
	argv[n++] = c;
	argv[n++] = "--";
	argv[n++] = (char *)exe;
	argv[n] = NULL;
	run_cmd(argv, env, work, logp, secs, &el);
	kill_left(exe);
	if (cmplog)
		kill_left(cmplog);
	snprintf(out, sizeof(out), "%s/out/default/crashes", work);
	if (until_crash && afl_crash(out, &r.secs, &r.execs)) {
		r.found = 1;
	} else {
		char *st;

		snprintf(out, sizeof(out), "%s/out/default/fuzzer_stats", work);
		st = slurp(out);
		r.execs = stat_value(st, "execs_done");
		if (r.execs >= 0 && st)
			r.execs = stat_value(strstr(st, "execs_done"), ":");
		free(st);
	}
	return r;
}

static int cmp_run(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	if (x->found != y->found)
		return y->found - x->found;	/* found first */
	return (x->secs > y->secs) - (x->secs < y->secs);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct cell measure(size_t e, size_t b)
{
	char exe[4200], cl[4300];
	struct run runs[MAX_SEEDS];
	double execs[MAX_SEEDS];
	struct cell c = { 0 };
	int i, mid = seeds / 2;

	snprintf(exe, sizeof(exe), "%s/%s_%s", bindir, bugs[b], engines[e][0]);
	if (!exists(exe))
		return c;
	snprintf(cl, sizeof(cl), "%s_cmplog", exe);
	for (i = 0; i < seeds; i++) {
		if (!strncmp(engines[e][0], "afl", 3))
			runs[i] = run_afl(exe, exists(cl) ? cl : NULL, i + 1,
					  limit, 1);
		else
			runs[i] = run_libfuzzer_style(exe, i + 1, limit);
		c.found += runs[i].found;
		fprintf(stderr, "  %-9s %-10s seed %d: %s %.2f s, %.0f execs\n",
			bugs[b], engines[e][0], i + 1,
			runs[i].found ? "found in" : "not found,", runs[i].secs,
			runs[i].execs);
	}
	qsort(runs, (size_t)seeds, sizeof(runs[0]), cmp_run);
	c.done = 1;
	c.med_secs = runs[mid].found ? runs[mid].secs : -1;
	c.min_secs = runs[0].found ? runs[0].secs : -1;
	c.max_secs = runs[seeds - 1].found ? runs[seeds - 1].secs : -1;
	for (i = 0; i < seeds; i++)
		execs[i] = runs[i].found ? runs[i].execs : 1e300;
	qsort(execs, (size_t)seeds, sizeof(execs[0]), cmp_dbl);
	c.med_execs = execs[mid] < 1e300 ? execs[mid] : -1;
	return c;
}

/* Executions per second on the local target without its bug. */
static double throughput(size_t e)
{
	char exe[4200], cl[4300];
	struct run r;

	snprintf(exe, sizeof(exe), "%s/nobug_%s", bindir, engines[e][0]);
	if (!exists(exe))
		return -1;
	snprintf(cl, sizeof(cl), "%s_cmplog", exe);
	if (!strncmp(engines[e][0], "afl", 3))
		r = run_afl(exe, exists(cl) ? cl : NULL, 1, tput_secs, 0);
	else
		r = run_libfuzzer_style(exe, 1, tput_secs);
	return r.execs > 0 ? r.execs / tput_secs : -1;
}

static void fmt_secs(char *b, size_t n, double s)
{
	if (s < 0)
		snprintf(b, n, ">%.0f", limit);
	else
		snprintf(b, n, "%.2f", s);
}

static int want(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list)
		return 1;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *only_e = NULL, *only_b = NULL;
	struct cell cells[NR_ENGINES][NR_BUGS];
	double tput[NR_ENGINES];
	size_t e, b;
	int opt;

	while ((opt = getopt(argc, argv, "s:t:T:e:b:a:")) != -1) {
		switch (opt) {
		case 's': seeds = atoi(optarg); break;
		case 't': limit = atof(optarg); break;
		case 'T': tput_secs = atof(optarg); break;
		case 'e': only_e = optarg; break;
		case 'b': only_b = optarg; break;
		case 'a': afl_fuzz = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-s seeds] [-t secs] [-T secs] "
				"[-e engines] [-b bugs] [-a afl-fuzz] BINDIR\n",
				argv[0]);
			return 2;
		}
	}
	if (optind != argc - 1 || seeds < 1 || seeds > MAX_SEEDS) {
		fprintf(stderr, "%s: one BINDIR; 1..%d seeds\n", argv[0], MAX_SEEDS);
		return 2;
	}
	bindir = realpath(argv[optind], NULL);	/* runs chdir to their own */
	if (!bindir) {
		perror(argv[optind]);
		return 1;
	}
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	memset(cells, 0, sizeof(cells));
	for (e = 0; e < NR_ENGINES; e++) {
		tput[e] = -1;
		if (!want(only_e, engines[e][0]))
			continue;
		for (b = 0; b < NR_BUGS; b++)
			if (want(only_b, bugs[b]))
				cells[e][b] = measure(e, b);
		tput[e] = throughput(e);
	}
	rm_rf(tmp);

	printf("kcov-sim-fuzz time-to-bug: %d seeds per cell, %.0f s limit per run; "
	       "throughput: %.0f s on the local target without its bug\n\n",
	       seeds, limit, tput_secs);
	printf("%-10s %-26s %6s %10s %16s %12s\n", "bug", "engine", "found",
	       "median s", "range s", "median execs");
	for (b = 0; b < NR_BUGS; b++) {
		for (e = 0; e < NR_ENGINES; e++) {
			struct cell *c = &cells[e][b];
			char med[32], lo[32], hi[32], range[80], ex[32];

			if (!c->done)
				continue;
			fmt_secs(med, sizeof(med), c->med_secs);
			fmt_secs(lo, sizeof(lo), c->min_secs);
			fmt_secs(hi, sizeof(hi), c->max_secs);
			snprintf(range, sizeof(range), "%s-%s", lo, hi);
			if (c->med_execs < 0)
				snprintf(ex, sizeof(ex), "-");
			else
				snprintf(ex, sizeof(ex), "%.0f", c->med_execs);
			printf("%-10s %-26s %3d/%-2d %10s %16s %12s\n", bugs[b],
			       engines[e][1], c->found, seeds, med, range, ex);
		}
	}
	printf("\n%-37s %12s %12s\n", "throughput (local target, no bug)",
	       "execs/s", "x native LF");
	for (e = 0; e < NR_ENGINES; e++) {
		if (tput[e] < 0)
			continue;
		if (tput[3] > 0)
			printf("%-37s %12.0f %11.2fx\n", engines[e][1], tput[e],
			       tput[e] / tput[3]);
		else
			printf("%-37s %12.0f %12s\n", engines[e][1], tput[e], "-");
	}
	printf("\ntargets (information only; the exit status does not depend on them):\n");
	for (b = 0; b < NR_BUGS; b++) {
		struct cell *k = &cells[0][b], *n = &cells[3][b];
		char km[32], nm[32];
		int ok;

		if (!k->done || !n->done)
			continue;
		ok = k->found == seeds && k->med_secs >= 0 &&
		     (n->med_secs < 0 || k->med_secs <= n->med_secs);
		fmt_secs(km, sizeof(km), k->med_secs);
		fmt_secs(nm, sizeof(nm), n->med_secs);
		printf("  built-in finds %-8s every time, median <= native libFuzzer's: "
		       "%d/%d, %s s vs %s s  %s\n", bugs[b], k->found, seeds, km,
		       nm, ok ? "PASS" : "MISS");
	}
	if (tput[1] > 0 && tput[3] > 0)
		printf("  libFuzzer bridge execs/s >= 0.5x native libFuzzer's: %.2fx  %s\n",
		       tput[1] / tput[3], tput[1] >= 0.5 * tput[3] ? "PASS" : "MISS");
	return 0;
}
