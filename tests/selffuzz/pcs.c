/* SPDX-License-Identifier: MIT */
/*
 * pcs.c - selffuzz_pcs: which PCs of the self-fuzz target a set of inputs
 * reaches, through the same harness and the same KCOV collection as the
 * engine (a lane of libkcov-sim-fuzz: the carrier's local device and the
 * remote sections of the harness's threads).
 *
 *   selffuzz_pcs [-min N] FILE|DIR...          prints "inputs I pcs P";
 *                                              exit 1 if P < N
 *   selffuzz_pcs -minimize OUT FILE|DIR...     greedy set cover: copies to
 *                                              OUT the fewest inputs (most
 *                                              new PCs first, then the
 *                                              smaller) that reach every PC
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <kcov-sim/fuzz.h>

#include "selffuzz.h"

struct input {
	char		*path;
	uint8_t		*data;
	size_t		size;
	unsigned long	*pcs;	/* sorted, distinct */
	size_t		nr;
	int		taken;
};

static struct input *inputs;
static size_t nr_inputs, cap_inputs;

static void add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct input *in;
	long n;

	if (!f) {
		perror(path);
		exit(2);
	}
	if (nr_inputs == cap_inputs) {
		cap_inputs = cap_inputs ? 2 * cap_inputs : 64;
		inputs = realloc(inputs, cap_inputs * sizeof(*inputs));
	}
	in = &inputs[nr_inputs++];
	memset(in, 0, sizeof(*in));
	in->path = strdup(path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	in->data = malloc(n > 0 ? (size_t)n : 1);
	in->size = fread(in->data, 1, (size_t)n, f);
	fclose(f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_path(const char *path)
{
	struct stat st;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;
	DIR *d;

	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		add_file(path);
		return;
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (asprintf(&names[n++], "%s/%s", path, e->d_name) < 0)
			exit(2);
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		add_file(names[i]);
		free(names[i]);
	}
	free(names);
}

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Sorted distinct copy of @n PCs. */
static size_t uniq(unsigned long *v, size_t n)
{
	size_t i, o = 0;

	qsort(v, n, sizeof(*v), cmp_ul);
	for (i = 0; i < n; i++)
		if (!o || v[o - 1] != v[i])
			v[o++] = v[i];
	return o;
}

/* On the carrier: every input once, its PCs kept. */
static int run_all(void *arg)
{
	struct kcov_sim_fuzz_trace t = { .sz = sizeof(t) };
	size_t i;

	(void)arg;
	if (selffuzz_setup())
		return -EINVAL;
	for (i = 0; i < nr_inputs; i++) {
		struct input *in = &inputs[i];
		int err = kcov_sim_fuzz_run(LLVMFuzzerTestOneInput, in->data,
					    in->size, &t, NULL);

		if (err)
			return err;
		in->nr = t.nr_local + t.nr_remote;
		in->pcs = malloc((in->nr + 1) * sizeof(*in->pcs));
		memcpy(in->pcs, t.local, t.nr_local * sizeof(*in->pcs));
		memcpy(in->pcs + t.nr_local, t.remote, t.nr_remote * sizeof(*in->pcs));
		in->nr = uniq(in->pcs, in->nr);
		if (t.overflow)
			fprintf(stderr, "selffuzz_pcs: %s: a buffer overflowed\n",
				in->path);
	}
	return 0;
}

/* PCs of @in not in the sorted @have. */
static size_t new_pcs(const struct input *in, const unsigned long *have, size_t n)
{
	size_t i, j = 0, fresh = 0;

	for (i = 0; i < in->nr; i++) {
		while (j < n && have[j] < in->pcs[i])
			j++;
		if (j == n || have[j] != in->pcs[i])
			fresh++;
	}
	return fresh;
}

static size_t merge(unsigned long **have, size_t n, const struct input *in)
{
	*have = realloc(*have, (n + in->nr + 1) * sizeof(**have));
	memcpy(*have + n, in->pcs, in->nr * sizeof(**have));
	return uniq(*have, n + in->nr);
}

static int copy_to(const char *dir, const struct input *in)
{
	const char *base = strrchr(in->path, '/');
	char *out;
	FILE *f;

	if (asprintf(&out, "%s/%s", dir, base ? base + 1 : in->path) < 0)
		return -1;
	f = fopen(out, "wb");
	free(out);
	if (!f || fwrite(in->data, 1, in->size, f) != in->size)
		return -1;
	return fclose(f);
}

static void free_all(unsigned long *have)
{
	size_t i;

	for (i = 0; i < nr_inputs; i++) {
		free(inputs[i].path);
		free(inputs[i].data);
		free(inputs[i].pcs);
	}
	free(inputs);
	free(have);
}

int main(int argc, char **argv)
{
	struct kcov_sim_fuzz_opts opts = { 0 };
	const char *out = NULL;
	unsigned long *have = NULL;
	size_t n = 0, i, kept = 0, min = 0;
	int a = 1, err;

	if (argc > 2 && !strcmp(argv[1], "-minimize")) {
		out = argv[2];
		a = 3;
	} else if (argc > 2 && !strcmp(argv[1], "-min")) {
		min = strtoul(argv[2], NULL, 0);
		a = 3;
	}
	if (a >= argc) {
		fprintf(stderr, "usage: %s [-min N | -minimize OUTDIR] FILE|DIR...\n",
			argv[0]);
		return 2;
	}
	for (; a < argc; a++)
		add_path(argv[a]);
	/* Big remote buffers: one input's sections may record 100k PCs. */
	opts.sz = sizeof(opts);
	opts.mode = KCOV_TRACE_PC;
	opts.remote_words = 1ul << 21;
	err = kcov_sim_fuzz_spawn(&opts, run_all, NULL);
	if (err) {
		fprintf(stderr, "selffuzz_pcs: %s\n", strerror(-err));
		return 2;
	}
	if (!out) {
		for (i = 0; i < nr_inputs; i++)
			n = merge(&have, n, &inputs[i]);
		printf("inputs %zu pcs %zu\n", nr_inputs, n);
		free_all(have);
		return n < min;
	}
	for (;;) {	/* greedy set cover */
		size_t best = nr_inputs, best_new = 0;

		for (i = 0; i < nr_inputs; i++) {
			size_t f;

			if (inputs[i].taken)
				continue;
			f = new_pcs(&inputs[i], have, n);
			if (f > best_new || (f && f == best_new &&
					     inputs[i].size < inputs[best].size)) {
				best = i;
				best_new = f;
			}
		}
		if (best == nr_inputs)
			break;
		inputs[best].taken = 1;
		n = merge(&have, n, &inputs[best]);
		if (copy_to(out, &inputs[best])) {
			perror(out);
			return 2;
		}
		kept++;
	}
	printf("inputs %zu kept %zu pcs %zu\n", nr_inputs, kept, n);
	free_all(have);
	return 0;
}
