/* SPDX-License-Identifier: MIT */
/*
 * cover_int.h - the capture object of cover.h and the analysis that tells
 * which lines ran (reach.c), shared by cover.c and report.c. Internal.
 */
#ifndef KSIM_COVER_INT_H
#define KSIM_COVER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "code.h"
#include <kcov-sim/cover.h>

struct ksim_reach;

struct kcov_sim_cover {
	int			fd;		/* -1 once ended */
	unsigned long		*area;
	size_t			words;
	uint64_t		*pcs;		/* the trace, after end */
	size_t			n;
	int			truncated;
	bool			ended;
	/* Symbolized on first query: */
	struct kcov_sim_symbolizer *sym;
	uint64_t		*upcs;		/* the distinct PCs */
	struct kcov_sim_sym	*syms;		/* one per distinct PC */
	size_t			nsyms;
	uint32_t		*idx;		/* trace entry -> syms[] */
	bool			own_sym;	/* sym is ours to free */
	/* Runs added with kcov_sim_cover_add(): where each one starts. */
	size_t			*seqs;
	size_t			nseqs;
	char			**extra;	/* kcov_sim_cover_add_module() */
	size_t			nextra;
	struct ksim_reach	*reach;		/* built on first line question */
};

/* ---- reach.c --------------------------------------------------------------- */

/* One module's answer for a line: what its code did. */
struct ksim_state {
	int		reach;		/* enum kcov_sim_reach */
	long		hits;
	bool		found;		/* the file has instrumented code here */
};

/* Build the analysis (idempotent); 0 or a negative errno. */
int ksim_reach_ready(struct kcov_sim_cover *cap);
void ksim_reach_free(struct ksim_reach *r);
int ksim_reach_line(struct kcov_sim_cover *cap, const char *file, int line,
		    struct kcov_sim_where *out);
int ksim_reach_label(struct kcov_sim_cover *cap, const char *file, const char *label,
		     struct kcov_sim_where *out);

/* For reports: each module analysed, in order. */
size_t ksim_reach_nmods(const struct kcov_sim_cover *cap);
struct smod *ksim_reach_mod(const struct kcov_sim_cover *cap, size_t i,
			    const struct ksim_code **code,
			    const struct ksim_lines **lines);
/* Executions of row @r of module @i (max over its segments), -1 when it is
 * no instrumented code; *maybe when its only code is on an untold branch. */
long ksim_reach_row(const struct kcov_sim_cover *cap, size_t i,
		    const struct ksim_row *r, bool *maybe);
/* Executions of segment @seg of module @i. */
long ksim_reach_seg(const struct kcov_sim_cover *cap, size_t i, long seg);

#endif /* KSIM_COVER_INT_H */
