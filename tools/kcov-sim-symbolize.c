/* SPDX-License-Identifier: MIT */
/*
 * kcov-sim-symbolize - addr2line for coverage PCs of any kcov-sim PC mode,
 * collected by another process. See usage() and the README.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kcov-sim/cover.h>

struct opts {
	bool	functions, inlines, addresses, basenames, lines;
	bool	sites, report, all;
	const char *prefix, *lcov, *test_name, *describe;
};

struct vec {
	void	*v;
	size_t	nr, max, size;
};

static int vec_push(struct vec *v, const void *elem)
{
	if (v->nr == v->max) {
		size_t n = v->max ? 2 * v->max : 256;
		void *p = realloc(v->v, n * v->size);

		if (!p)
			return -ENOMEM;
		v->v = p;
		v->max = n;
	}
	memcpy((char *)v->v + v->nr++ * v->size, elem, v->size);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
"usage: kcov-sim-symbolize [-e FILE]... [-m MAP]... [-afilsx] [-p DIR] [PC...]\n"
"Symbolize kcov-sim coverage PCs (raw, module or kernel-range form), read\n"
"from the arguments or, one hex value per line, from standard input.\n"
"Input lines starting with '#' are comments; \"#kcov-sim module\" lines (a\n"
"KCOV_SIM_RECORD file, kcov_sim_pc_map_write()) say where modules are, so a\n"
"record file can be piped in as it is.\n"
"  -e FILE  a module file, as addr2line -e (repeatable). Module values match\n"
"           it by id, kernel values by its preferred slot, raw values are\n"
"           link-time addresses in the first FILE\n"
"  -m MAP   read the module lines of MAP (a module map or record file)\n"
"  -f       print the function name before each file:line\n"
"  -i       print the frames a PC is inlined into, too\n"
"  -a       print each PC before its frames\n"
"  -s       print base names of files\n"
"  -x       symbolize the addresses themselves; default: the call before\n"
"           each coverage PC (PC - 1), which a return address points past\n"
"  -l       print only the sorted set of file:line reached (all frames)\n"
"  -p DIR   with -l: paths under DIR relative to it, others as base names\n"
"Coverage of a whole run (the input: PCs of one or more runs, each run a\n"
"\"#kcov-sim batch\" block of a record file; the code between two PCs of a\n"
"run that every path takes counts as reached, see the README):\n"
"  --sites           print the coverage sites of each -e FILE: every call\n"
"                    of __sanitizer_cov_trace_pc, as PC, function, file:line\n"
"  --report          what was not reached, per function and line (with -e:\n"
"                    also modules no PC reached); --all: every function\n"
"  --lcov=OUT        write an lcov tracefile (\"-\": standard output), for\n"
"                    genhtml; --test-name=NAME sets its TN: line\n"
"  --describe=LIST   for each \"file:line\" line of LIST, print it with its\n"
"                    function and source text: file:line in f(): \"text\"\n");
}

static const char *show_file(const struct opts *o, const char *file)
{
	size_t lp;
	const char *slash;

	if (o->prefix) {
		for (lp = strlen(o->prefix); lp && o->prefix[lp - 1] == '/'; lp--)
			;
		if (!strncmp(file, o->prefix, lp) && file[lp] == '/')
			return file + lp + 1;
	}
	if (o->basenames || o->prefix) {
		slash = strrchr(file, '/');
		return slash ? slash + 1 : file;
	}
	return file;
}

static void print_sym(const struct opts *o, uint64_t pc, const struct kcov_sim_sym *s)
{
	unsigned int f, n = o->inlines ? s->nframes : 1;

	if (o->addresses)
		printf("0x%016" PRIx64 "\n", pc);
	for (f = 0; f < n; f++) {
		if (o->functions)
			printf("%s\n", s->frames[f].function);
		printf("%s:%d\n", show_file(o, s->frames[f].file), s->frames[f].line);
	}
}

/* Parse a PC; feed module lines to the symbolizer. 1: got a PC. */
static int parse_line(struct kcov_sim_symbolizer *s, char *line, uint64_t *pc)
{
	char *end;

	line += strspn(line, " \t");
	if (line[0] == '#') {
		if (kcov_sim_symbolizer_add_map_line(s, line) < 0)
			fprintf(stderr, "kcov-sim-symbolize: bad module line: %s", line);
		return 0;
	}
	if (!line[0] || line[0] == '\n')
		return 0;
	errno = 0;
	*pc = strtoull(line, &end, 16);
	if (errno || end == line || (*end && !strchr(" \t\r\n", *end))) {
		fprintf(stderr, "kcov-sim-symbolize: not a hex PC: %s\n", line);
		return -1;
	}
	return 1;
}

static int read_map(struct kcov_sim_symbolizer *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f) {
		fprintf(stderr, "kcov-sim-symbolize: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0)
		if (line[0] == '#')
			kcov_sim_symbolizer_add_map_line(s, line);
	free(line);
	fclose(f);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct fileline {
	const char	*file;
	int		line;
};

static int cmp_fileline(const void *a, const void *b)
{
	const struct fileline *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* -l: the set of file:line of every frame of every distinct PC. */
static int print_lines(const struct opts *o, struct kcov_sim_symbolizer *s,
		       struct vec *pcs)
{
	struct vec fl = { .size = sizeof(struct fileline) };
	struct fileline *v, e;
	uint64_t *pc = pcs->v;
	struct kcov_sim_sym sym;
	size_t i, n;
	unsigned int f;

	if (pcs->nr)
		qsort(pc, pcs->nr, sizeof(*pc), cmp_u64);
	for (i = 0; i < pcs->nr; i++) {
		if (i && pc[i] == pc[i - 1])
			continue;
		kcov_sim_symbolize(s, pc[i], &sym);
		for (f = 0; f < sym.nframes; f++) {
			if (!sym.frames[f].line || !strcmp(sym.frames[f].file, "??"))
				continue;
			e.file = show_file(o, sym.frames[f].file);
			e.line = sym.frames[f].line;
			if (vec_push(&fl, &e))
				return -1;
		}
	}
	v = fl.v;
	n = fl.nr;
	if (n)
		qsort(v, n, sizeof(*v), cmp_fileline);
	for (i = 0; i < n; i++)
		if (!i || cmp_fileline(&v[i], &v[i - 1]))
			printf("%s:%d\n", v[i].file, v[i].line);
	free(fl.v);
	return 0;
}

/* All PCs of the input, and where each run ("#kcov-sim batch") starts. */
struct input {
	struct vec	pcs;		/* uint64_t */
	struct vec	runs;		/* size_t: index of each run's first PC */
};

static int read_input(struct kcov_sim_symbolizer *s, struct input *in, int argc,
		      char **argv, int first)
{
	char *line = NULL;
	size_t cap = 0, start;
	int i, r, ret = 0;
	uint64_t pc;

	start = 0;
	vec_push(&in->runs, &start);
	for (i = first; i < argc; i++)
		if (parse_line(s, argv[i], &pc) == 1)
			vec_push(&in->pcs, &pc);
		else
			ret = 1;
	if (first < argc)
		return ret;
	while (getline(&line, &cap, stdin) > 0) {
		if (!strncmp(line, "#kcov-sim batch", 15) && in->pcs.nr) {
			start = in->pcs.nr;	/* a new run */
			vec_push(&in->runs, &start);
			continue;
		}
		r = parse_line(s, line, &pc);
		if (r == 1)
			vec_push(&in->pcs, &pc);
		else if (r < 0)
			ret = 1;
	}
	free(line);
	return ret;
}

/* --sites: every coverage site of each -e file. */
static int print_sites(const struct opts *o, struct kcov_sim_symbolizer *s,
		       char **files, size_t nfiles)
{
	const uint64_t *pcs;
	struct kcov_sim_sym sym;
	size_t f;
	long n, i;
	int ret = 0;

	for (f = 0; f < nfiles; f++) {
		n = kcov_sim_symbolizer_sites(s, files[f], &pcs);
		if (n < 0) {
			fprintf(stderr, "kcov-sim-symbolize: %s: %s\n", files[f], strerror((int)-n));
			ret = 1;
			continue;
		}
		if (!n) {
			fprintf(stderr, "kcov-sim-symbolize: %s: no calls to "
				"__sanitizer_cov_trace_pc: not instrumented, or the "
				"hooks were inlined (LTO), which leaves no sites to find\n",
				files[f]);
			ret = 1;
			continue;
		}
		for (i = 0; i < n; i++) {
			kcov_sim_symbolize_offset(s, files[f], pcs[i], &sym);
			printf("0x%" PRIx64 " %s %s:%d\n", pcs[i], sym.frames[0].function,
			       show_file(o, sym.frames[0].file), sym.frames[0].line);
		}
		fprintf(stderr, "kcov-sim-symbolize: %s: %ld coverage sites\n", files[f], n);
	}
	return ret;
}

/* --describe: the function and source text of each file:line of @list. */
static int describe(struct kcov_sim_symbolizer *s, const char *list)
{
	FILE *f = fopen(list, "r"), *src;
	char *line = NULL, *text = NULL, *colon;
	size_t cap = 0, tcap = 0;
	const char *func, *path;
	int n, i;

	if (!f) {
		fprintf(stderr, "kcov-sim-symbolize: %s: %s\n", list, strerror(errno));
		return 1;
	}
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		colon = strrchr(line, ':');
		if (!colon || (n = atoi(colon + 1)) <= 0)
			continue;
		*colon = '\0';
		func = path = NULL;
		kcov_sim_symbolizer_function_at(s, line, n, &func, &path);
		printf("%s:%d", line, n);
		if (func)
			printf(" in %s()", func);
		putchar(':');
		src = path ? fopen(path, "r") : NULL;
		for (i = 0; src && i < n && getline(&text, &tcap, src) > 0; i++)
			;
		if (src && i == n) {
			char *t = text + strspn(text, " \t");

			t[strcspn(t, "\r\n")] = '\0';
			printf(" \"%s\"", t);
		}
		if (src)
			fclose(src);
		putchar('\n');
	}
	free(line);
	free(text);
	fclose(f);
	return 0;
}

/* --report and --lcov: the input's runs as one capture. */
static int whole_run(const struct opts *o, struct kcov_sim_symbolizer *s,
		     struct input *in, char **files, size_t nfiles)
{
	struct kcov_sim_cover *cap = kcov_sim_cover_new(s);
	const uint64_t *pcs = in->pcs.v;
	const size_t *runs = in->runs.v;
	size_t r, f;
	int err = 0, ret = 0;
	FILE *out;

	if (!cap)
		return 1;
	for (r = 0; r < in->runs.nr && !err; r++) {
		size_t end = r + 1 < in->runs.nr ? runs[r + 1] : in->pcs.nr;

		err = kcov_sim_cover_add(cap, pcs + runs[r], end - runs[r]);
	}
	for (f = 0; f < nfiles && !err; f++)
		err = kcov_sim_cover_add_module(cap, files[f]);
	if (!err && o->report)
		err = kcov_sim_cover_write_report(cap, stdout, o->prefix,
						  o->all ? KCOV_SIM_REPORT_ALL : 0);
	if (!err && o->lcov) {
		out = strcmp(o->lcov, "-") ? fopen(o->lcov, "w") : stdout;
		if (!out) {
			fprintf(stderr, "kcov-sim-symbolize: %s: %s\n", o->lcov, strerror(errno));
			ret = 1;
		} else {
			err = kcov_sim_cover_write_lcov(cap, out, o->test_name);
			if (out != stdout && fclose(out) && !err)
				err = -EIO;
		}
	}
	if (err) {
		fprintf(stderr, "kcov-sim-symbolize: %s\n", strerror(-err));
		ret = 1;
	}
	kcov_sim_cover_free(cap);
	return ret;
}

int main(int argc, char **argv)
{
	enum { O_SITES = 256, O_REPORT, O_LCOV, O_TN, O_DESCRIBE, O_ALL };
	static const struct option longopts[] = {
		{ "exe", required_argument, NULL, 'e' },
		{ "map", required_argument, NULL, 'm' },
		{ "functions", no_argument, NULL, 'f' },
		{ "inlines", no_argument, NULL, 'i' },
		{ "addresses", no_argument, NULL, 'a' },
		{ "basenames", no_argument, NULL, 's' },
		{ "exact", no_argument, NULL, 'x' },
		{ "lines", no_argument, NULL, 'l' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "sites", no_argument, NULL, O_SITES },
		{ "report", no_argument, NULL, O_REPORT },
		{ "all", no_argument, NULL, O_ALL },
		{ "lcov", required_argument, NULL, O_LCOV },
		{ "test-name", required_argument, NULL, O_TN },
		{ "describe", required_argument, NULL, O_DESCRIBE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	struct input in = { .pcs = { .size = sizeof(uint64_t) },
			    .runs = { .size = sizeof(size_t) } };
	struct vec files = { .size = sizeof(char *) };
	struct kcov_sim_symbolizer *s;
	unsigned int flags = KCOV_SIM_SYM_OFFLINE;
	struct kcov_sim_sym sym;
	bool hinted = false;
	size_t i;
	int c, ret = 0, r;
	uint64_t pc;

	/* -e and -m in order, after the flags that shape the symbolizer. */
	while ((c = getopt_long(argc, argv, "e:m:fiasxlp:h", longopts, NULL)) != -1)
		switch (c) {
		case 'f': o.functions = true; break;
		case 'i': o.inlines = true; break;
		case 'a': o.addresses = true; break;
		case 's': o.basenames = true; break;
		case 'x': flags |= KCOV_SIM_SYM_EXACT; break;
		case 'l': o.lines = true; break;
		case 'p': o.prefix = optarg; break;
		case O_SITES: o.sites = true; break;
		case O_REPORT: o.report = true; break;
		case O_ALL: o.all = true; break;
		case O_LCOV: o.lcov = optarg; break;
		case O_TN: o.test_name = optarg; break;
		case O_DESCRIBE: o.describe = optarg; break;
		case 'e': case 'm': break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	s = kcov_sim_symbolizer_new(flags);
	if (!s)
		return 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "e:m:fiasxlp:h", longopts, NULL)) != -1) {
		if (c == 'e') {
			if ((r = kcov_sim_symbolizer_add_file(s, optarg))) {
				fprintf(stderr, "kcov-sim-symbolize: %s: %s\n", optarg,
					strerror(-r));
				ret = 1;
			} else {
				vec_push(&files, &optarg);
			}
		}
		if (c == 'm' && read_map(s, optarg))
			ret = 1;
	}
	if (o.sites) {
		ret |= print_sites(&o, s, files.v, files.nr);
		goto out;
	}
	if (read_input(s, &in, argc, argv, optind))
		ret = 1;
	if (o.describe) {
		ret |= describe(s, o.describe);
	} else if (o.report || o.lcov) {
		ret |= whole_run(&o, s, &in, files.v, files.nr);
	} else if (o.lines) {
		if (print_lines(&o, s, &in.pcs))
			ret = 1;
	} else {
		for (i = 0; i < in.pcs.nr; i++) {
			pc = ((uint64_t *)in.pcs.v)[i];
			if (kcov_sim_symbolize(s, pc, &sym) == -ERANGE) {
				ret = 1;
				if (!hinted)
					fprintf(stderr, "kcov-sim-symbolize: 0x%" PRIx64 " is "
						"not an address of %s: it is position-"
						"independent (PIE or shared object), so a raw "
						"PC is a run-time address that moves at every "
						"load. Collect PCs in module mode "
						"(KCOV_SIM_PC_MODE=module) and pass them with "
						"-e, or pass the module map (-m, or a "
						"KCOV_SIM_RECORD file) with them\n", pc,
						sym.module);
				hinted = true;
			}
			print_sym(&o, pc, &sym);
		}
	}
out:
	free(in.pcs.v);
	free(in.runs.v);
	free(files.v);
	kcov_sim_symbolizer_free(s);
	return ret;
}
