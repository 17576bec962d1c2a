// SPDX-License-Identifier: MIT
/*
 * diff.c - ksim-oracle-diff: run the kernel oracle and libkcov-sim (or any
 * two oracle binaries) with the same arguments and compare their
 * transcripts block by block.
 *
 *   ksim-oracle-diff --oracle BIN --lib BIN [--kernel V] [--door api|shim]
 *                    [--allow FILE] [--needs-profile] scenarios [ARGS...]
 *   ksim-oracle-diff ... random [--seed S] [--count N] [--ops K]
 *                    [--cpus C] [--irq-tasks I] [--seconds T]
 *
 * --needs-profile: exit 77 (skip) when the library does not honour
 * KCOV_SIM_PROFILE, for runs that only agree under the kernel's profile.
 * Lines starting with '#' are comments and never compared. A differing
 * scenario is accepted only if FILE lists it for this kernel (see
 * allow.txt for the format); "unprofiled" entries apply only while the
 * library ignores KCOV_SIM_PROFILE. Random sequences must agree exactly;
 * the first failing seed is printed with the command that replays it.
 * Exit 0: no unexpected difference; 1: some; 77: a binary cannot run here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct block {
	char	*name;
	char	**lines;
	size_t	n;
};

struct transcript {
	struct block	*b;
	size_t		n;
	int		profile_honoured;	/* -1: not said */
	char		*describe;
	int		count_stats;		/* add its stats to the sums */
};

struct allow {
	char	*name, *kernels, *when, *reason;
};

static const char *kernel = "", *door = "api", *oracle_bin, *lib_bin;
static int needs_profile;	/* skip (77) unless the library honours it */
/* Sums of the oracle's "# stats key=value ..." lines. */
static unsigned long long stat_sum[16];
static char stat_keys[16][32];
static int stat_n;
static void add_stats(const char *s);
static struct allow *allows;
static size_t nr_allows;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("ksim-oracle-diff");
		exit(2);
	}
	return p;
}

/* Run @bin with @argv (argv[0] is replaced), capture stdout. */
static char *run(const char *bin, char **argv, int *status)
{
	size_t len = 0, cap = 1 << 16;
	char *out = xrealloc(NULL, cap);
	int p[2];
	pid_t pid;
	ssize_t r;

	if (pipe(p)) {
		perror("pipe");
		exit(2);
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 1);
		close(p[1]);
		setenv("KSIM_ORACLE_DOOR", door, 1);
		argv[0] = (char *)bin;
		execv(bin, argv);
		perror(bin);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		if (len + 4096 > cap)
			out = xrealloc(out, cap *= 2);
		r = read(p[0], out + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
	}
	out[len] = 0;
	close(p[0]);
	waitpid(pid, status, 0);
	*status = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128;
	return out;
}

static void parse(char *text, struct transcript *t, int count_stats)
{
	struct block *cur = NULL;
	char *line, *save = NULL;

	memset(t, 0, sizeof(*t));
	t->count_stats = count_stats;
	t->profile_honoured = -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			if (!strncmp(line, "# profile-honoured: ", 20))
				t->profile_honoured = atoi(line + 20);
			else if (!strncmp(line, "# backend: ", 11))
				t->describe = line + 11;
			else if (!strncmp(line, "# stats ", 8) && t->count_stats)
				add_stats(line + 8);
			continue;
		}
		if (!strncmp(line, "== ", 3)) {
			t->b = xrealloc(t->b, (t->n + 1) * sizeof(*t->b));
			cur = &t->b[t->n++];
			cur->name = line + 3;
			cur->lines = NULL;
			cur->n = 0;
			continue;
		}
		if (!cur)
			continue;
		cur->lines = xrealloc(cur->lines, (cur->n + 1) * sizeof(char *));
		cur->lines[cur->n++] = line;
	}
}

static void transcript_free(struct transcript *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->b[i].lines);
	free(t->b);
	t->b = NULL;
	t->n = 0;
}

static struct block *find(struct transcript *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->b[i].name, name))
			return &t->b[i];
	return NULL;
}

static int same(const struct block *a, const struct block *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->lines[i], b->lines[i]))
			return 0;
	return 1;
}

static void show(const struct block *o, const struct block *l)
{
	size_t i, n = o->n > l->n ? o->n : l->n, first = 0;

	while (first < n && first < o->n && first < l->n &&
	       !strcmp(o->lines[first], l->lines[first]))
		first++;
	printf("    first difference at line %zu of the block:\n", first + 1);
	for (i = first > 3 ? first - 3 : 0; i < n && i < first + 8; i++) {
		const char *a = i < o->n ? o->lines[i] : "(end)";
		const char *b = i < l->n ? l->lines[i] : "(end)";

		if (!strcmp(a, b))
			printf("      = %s\n", a);
		else
			printf("      kernel: %s\n      library: %s\n", a, b);
	}
}

static void load_allow(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *name, *kernels, *when, *reason;

		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || !line[0])
			continue;
		name = strtok_r(line, " \t", &save);
		kernels = strtok_r(NULL, " \t", &save);
		when = strtok_r(NULL, " \t", &save);
		reason = save ? save + strspn(save, " \t") : NULL;
		if (!name || !kernels || !when || !reason) {
			fprintf(stderr, "%s: bad line: %s\n", path, line);
			exit(2);
		}
		allows = xrealloc(allows, (nr_allows + 1) * sizeof(*allows));
		allows[nr_allows++] = (struct allow){ strdup(name), strdup(kernels),
						      strdup(when), strdup(reason) };
	}
	fclose(f);
}

static int kernel_listed(const char *list)
{
	char buf[256], *save = NULL, *k;

	if (!strcmp(list, "*"))
		return 1;
	snprintf(buf, sizeof(buf), "%s", list);
	for (k = strtok_r(buf, ",", &save); k; k = strtok_r(NULL, ",", &save))
		if (!strcmp(k, kernel))
			return 1;
	return 0;
}

/* The entry that excuses a difference of @name here, or NULL. */
static const struct allow *allowed(const char *name, int honoured)
{
	size_t i;

	for (i = 0; i < nr_allows; i++) {
		const struct allow *a = &allows[i];

		if (strcmp(a->name, name) || !kernel_listed(a->kernels))
			continue;
		if (!strcmp(a->when, "always") ||
		    (!strcmp(a->when, "unprofiled") && honoured != 1))
			return a;
	}
	return NULL;
}

static int status_ok(int st, const char *who)
{
	if (st == 77) {
		printf("SKIP: %s cannot run this configuration\n", who);
		exit(77);
	}
	return st == 0 || st == 1;	/* 1: a block crashed; compared below */
}

static int cmd_scenarios(char **argv)
{
	struct transcript o, l;
	int ost, lst, bad = 0, equal = 0, excused = 0, stale = 0;
	char *otext = run(oracle_bin, argv, &ost);
	char *ltext = run(lib_bin, argv, &lst);
	size_t i;

	if (!status_ok(ost, oracle_bin) || !status_ok(lst, lib_bin)) {
		printf("FAIL: a binary failed (status %d, %d)\n", ost, lst);
		return 1;
	}
	parse(otext, &o, 1);
	parse(ltext, &l, 0);
	if (needs_profile && l.profile_honoured != 1) {
		printf("SKIP: the library ignores KCOV_SIM_PROFILE; this run needs "
		       "the profile\n");
		return 77;
	}
	printf("kernel:  %s\nlibrary: %s\n", o.describe ? o.describe : "?",
	       l.describe ? l.describe : "?");
	for (i = 0; i < o.n; i++) {
		struct block *lb = find(&l, o.b[i].name);
		const struct allow *a = allowed(o.b[i].name, l.profile_honoured);

		if (lb && same(&o.b[i], lb)) {
			equal++;
			if (a) {
				stale++;
				printf("note: %s agrees now; allow-list entry (%s) may go\n",
				       o.b[i].name, a->when);
			}
			continue;
		}
		if (a && lb) {
			excused++;
			printf("allowed: %-40s %s\n", o.b[i].name, a->reason);
			continue;
		}
		bad++;
		printf("UNEXPECTED DIFFERENCE: %s\n", o.b[i].name);
		if (lb)
			show(&o.b[i], lb);
		else
			printf("    missing from the library's transcript\n");
	}
	for (i = 0; i < l.n; i++)
		if (!find(&o, l.b[i].name)) {
			bad++;
			printf("UNEXPECTED DIFFERENCE: %s missing from the kernel's "
			       "transcript\n", l.b[i].name);
		}
	printf("linux-%s vs library (%s door): %zu scenarios, %d identical, "
	       "%d allowed differences, %d unexpected%s\n", kernel, door, o.n,
	       equal, excused, bad, stale ? " (some allow entries are stale)" : "");
	transcript_free(&o);
	transcript_free(&l);
	free(otext);
	free(ltext);
	return bad ? 1 : 0;
}

/* Sum the key=value figures of a "# stats" line. */
static void add_stats(const char *s)
{
	char buf[512], *save = NULL, *kv;
	int i;

	snprintf(buf, sizeof(buf), "%s", s);
	for (kv = strtok_r(buf, " ", &save); kv; kv = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(kv, '=');

		if (!eq)
			continue;
		*eq = 0;
		for (i = 0; i < stat_n && strcmp(stat_keys[i], kv); i++)
			;
		if (i == stat_n && stat_n < 16)
			snprintf(stat_keys[stat_n++], 32, "%s", kv);
		if (i < 16)
			stat_sum[i] += strtoull(eq + 1, NULL, 10);
	}
}

static unsigned long long stat(const char *key)
{
	int i;

	for (i = 0; i < stat_n; i++)
		if (!strcmp(stat_keys[i], key))
			return stat_sum[i];
	return 0;
}

static int cmd_random(char **argv, int argc)
{
	unsigned long long seed = 1, count = 100, seconds = 0, batch, done = 0;
	char seedbuf[32], countbuf[32];
	char **args = xrealloc(NULL, (argc + 8) * sizeof(char *));
	int i, n = 0;
	time_t start = time(NULL);

	args[n++] = NULL;
	args[n++] = "random";
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--count"))
			count = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtoull(argv[i + 1], NULL, 0);
		else {
			args[n++] = argv[i];
			args[n++] = argv[i + 1];
		}
	}
	args[n++] = "--seed";
	args[n++] = seedbuf;
	args[n++] = "--count";
	args[n++] = countbuf;
	args[n] = NULL;
	if (needs_profile) {	/* ask one sequence before spending a batch */
		struct transcript l;
		int lst;
		char *ltext;

		snprintf(seedbuf, sizeof(seedbuf), "%llu", seed);
		snprintf(countbuf, sizeof(countbuf), "1");
		ltext = run(lib_bin, args, &lst);
		parse(ltext, &l, 0);
		transcript_free(&l);
		free(ltext);
		if (l.profile_honoured != 1) {
			printf("SKIP: the library ignores KCOV_SIM_PROFILE; this run "
			       "needs the profile\n");
			free(args);
			return 77;
		}
	}
	do {
		struct transcript o, l;
		int ost, lst;
		char *otext, *ltext;
		size_t b;

		batch = seconds ? 200 : count;
		snprintf(seedbuf, sizeof(seedbuf), "%llu", seed);
		snprintf(countbuf, sizeof(countbuf), "%llu", batch);
		otext = run(oracle_bin, args, &ost);
		ltext = run(lib_bin, args, &lst);
		if (!status_ok(ost, oracle_bin) || !status_ok(lst, lib_bin))
			return 1;
		parse(otext, &o, 1);
		parse(ltext, &l, 0);
		if (!done)
			printf("kernel:  %s\nlibrary: %s\n", o.describe ? o.describe : "?",
			       l.describe ? l.describe : "?");
		for (b = 0; b < o.n; b++) {
			struct block *lb = find(&l, o.b[b].name);

			if (lb && same(&o.b[b], lb))
				continue;
			printf("FAIL: %s differs; replay one side with\n"
			       "    %s random --%s --count 1 (plus the same --ops/--cpus/--irq-tasks)\n"
			       "  and compare with\n    ksim-oracle-diff --oracle %s --lib %s "
			       "--kernel %s --door %s random --%s --count 1\n",
			       o.b[b].name, oracle_bin, o.b[b].name, oracle_bin, lib_bin,
			       kernel, door, o.b[b].name);
			if (lb)
				show(&o.b[b], lb);
			return 1;	/* exits: nothing to free */
		}
		if (o.n != batch || l.n != batch) {
			printf("FAIL: %zu/%zu of %llu sequences ran\n", o.n, l.n, batch);
			return 1;
		}
		seed += batch;
		done += batch;
		transcript_free(&o);
		transcript_free(&l);
		free(otext);
		free(ltext);
	} while (seconds && (unsigned long long)(time(NULL) - start) < seconds);
	free(args);
	printf("linux-%s vs library (%s door): %llu random sequences identical\n",
	       kernel, door, done);
	printf("figures (summed over the kernel's runs):");
	for (i = 0; i < stat_n; i++)
		printf(" %s=%llu", stat_keys[i], stat_sum[i]);
	putchar('\n');
	if (stat("sections_stopped"))
		printf("remote sections that changed a buffer: %llu of %llu (%.1f%%)\n",
		       stat("delivered"), stat("sections_stopped"),
		       100.0 * stat("delivered") / stat("sections_stopped"));
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--oracle"))
			oracle_bin = argv[i + 1];
		else if (!strcmp(argv[i], "--lib"))
			lib_bin = argv[i + 1];
		else if (!strcmp(argv[i], "--kernel"))
			kernel = argv[i + 1];
		else if (!strcmp(argv[i], "--door"))
			door = argv[i + 1];
		else if (!strcmp(argv[i], "--allow"))
			load_allow(argv[i + 1]);
		else if (!strcmp(argv[i], "--needs-profile")) {
			needs_profile = 1;
			i--;	/* takes no value */
		}
		else
			break;
	}
	if (!oracle_bin || !lib_bin || i >= argc) {
		fprintf(stderr, "usage: %s --oracle BIN --lib BIN [--kernel V] "
			"[--door api|shim] [--allow FILE] scenarios [NAME...] | "
			"random [--seed S] [--count N] [--ops K] [--cpus C] "
			"[--seconds T]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[i], "scenarios")) {
		argv[i - 1] = NULL;	/* argv[0] slot for run() */
		return cmd_scenarios(&argv[i - 1]);
	}
	if (!strcmp(argv[i], "random"))
		return cmd_random(&argv[i], argc - i);
	fprintf(stderr, "unknown command %s\n", argv[i]);
	return 2;
}
