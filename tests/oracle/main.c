// SPDX-License-Identifier: MIT
/*
 * main.c - the command line of every oracle binary (one per backend):
 *
 *   BIN list                       scenario names
 *   BIN scenarios [--no-cmp] [NAME-PREFIX...]
 *   BIN random [--seed S] [--count N] [--ops K] [--cpus C] [--irq-tasks I]
 *
 * Each scenario or random sequence runs in a child process of its own and
 * prints one transcript block ("== name" ... ); ksim-oracle-diff compares
 * the blocks of two binaries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "driver.h"
#include "scenario.h"

static void run_scenario(void *arg)
{
	((const struct scenario *)arg)->fn();
}

static int matches(const char *name, int argc, char **argv)
{
	int i;

	if (!argc)
		return 1;
	for (i = 0; i < argc; i++)
		if (!strncmp(name, argv[i], strlen(argv[i])))
			return 1;
	return 0;
}

static int cmd_scenarios(int argc, char **argv)
{
	int no_cmp = 0, bad = 0, run = 0;
	size_t i;

	if (argc && !strcmp(argv[0], "--no-cmp")) {
		no_cmp = 1;
		argc--;
		argv++;
	}
	for (i = 0; i < nr_scenarios; i++) {
		const struct scenario *s = &scenarios[i];
		struct be_config cfg = { .nr_cpus = s->nr_cpus ? s->nr_cpus : 1,
					 .no_cmp = no_cmp };

		if (!!(s->flags & SC_NO_CMP) != no_cmp || !matches(s->name, argc, argv))
			continue;
		if (!be_supports(&cfg)) {
			fprintf(stderr, "oracle: this binary cannot run %s\n", s->name);
			return 77;
		}
		bad |= d_run_isolated(s->name, run_scenario, (void *)s, cfg.nr_cpus,
				      no_cmp, 20);
		run++;
	}
	printf("# %d scenarios run\n", run);
	return bad ? 1 : 0;
}

static void run_sequence(void *arg)
{
	gen_sequence(arg);
}

static int cmd_random(int argc, char **argv)
{
	struct gen_config cfg = { .seed = 1, .ops = 40, .nr_cpus = 2 };
	unsigned long count = 100, n;
	char title[64];
	int i, bad = 0;

	for (i = 0; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			cfg.seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--count"))
			count = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--ops"))
			cfg.ops = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--cpus"))
			cfg.nr_cpus = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--irq-tasks"))
			cfg.irq_tasks = strtoul(argv[i + 1], NULL, 0);
		else
			return 2;
	}
	for (n = 0; n < count; n++, cfg.seed++) {
		snprintf(title, sizeof(title), "seed %llu", (unsigned long long)cfg.seed);
		bad |= d_run_isolated(title, run_sequence, &cfg, cfg.nr_cpus, 0, 20);
	}
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s list | scenarios [--no-cmp] [NAME...] | "
			"random [--seed S] [--count N] [--ops K] [--cpus C] [--irq-tasks I]\n",
			argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "list")) {
		for (i = 0; i < nr_scenarios; i++)
			printf("%s%s\n", scenarios[i].name,
			       scenarios[i].flags & SC_NO_CMP ? " (no-cmp)" : "");
		return 0;
	}
	/* What runs: comment lines, never compared. The profile line is read
	 * by ksim-oracle-diff. A throwaway boot in a child fills them in. */
	if (!strcmp(argv[1], "scenarios"))
		return cmd_scenarios(argc - 2, argv + 2);
	if (!strcmp(argv[1], "random"))
		return cmd_random(argc - 2, argv + 2);
	fprintf(stderr, "%s: unknown command %s\n", argv[0], argv[1]);
	return 2;
}
