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
	const char *prefix;
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
"  -p DIR   with -l: paths under DIR relative to it, others as base names\n");
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

int main(int argc, char **argv)
{
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	struct vec pcs = { .size = sizeof(uint64_t) };
	struct kcov_sim_symbolizer *s;
	unsigned int flags = KCOV_SIM_SYM_OFFLINE;
	struct kcov_sim_sym sym;
	char *line = NULL;
	size_t cap = 0, i;
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
		case 'e': case 'm': break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	s = kcov_sim_symbolizer_new(flags);
	if (!s)
		return 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "e:m:fiasxlp:h", longopts, NULL)) != -1) {
		if (c == 'e' && (r = kcov_sim_symbolizer_add_file(s, optarg))) {
			fprintf(stderr, "kcov-sim-symbolize: %s: %s\n", optarg, strerror(-r));
			ret = 1;
		}
		if (c == 'm' && read_map(s, optarg))
			ret = 1;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (parse_line(s, argv[i], &pc) == 1)
			vec_push(&pcs, &pc);
		else
			ret = 1;
	if (optind == argc)
		while (getline(&line, &cap, stdin) > 0) {
			r = parse_line(s, line, &pc);
			if (r == 1)
				vec_push(&pcs, &pc);
			else if (r < 0)
				ret = 1;
		}
	free(line);
	if (o.lines) {
		if (print_lines(&o, s, &pcs))
			ret = 1;
	} else {
		for (i = 0; i < pcs.nr; i++) {
			pc = ((uint64_t *)pcs.v)[i];
			kcov_sim_symbolize(s, pc, &sym);
			print_sym(&o, pc, &sym);
		}
	}
	free(pcs.v);
	kcov_sim_symbolizer_free(s);
	return ret;
}
