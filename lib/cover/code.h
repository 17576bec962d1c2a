/* SPDX-License-Identifier: MIT */
/*
 * code.h - what libkcov-sim-cover knows about one module beyond symbols:
 * its coverage sites, the control flow between them (code.c), and its
 * source lines, functions and labels (lines.c). Internal.
 *
 * All addresses are link-time addresses of the module's file.
 */
#ifndef KSIM_COVER_CODE_H
#define KSIM_COVER_CODE_H

#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "compiler.h"

/* Grow the array *@v of *@max elements of @size bytes to hold @need;
 * doubling, from 16. False, and nothing changed, when out of memory. */
static inline notrace bool grow(void *v, size_t *max, size_t need, size_t size)
{
	void **pv = v;
	size_t n = *max ? *max : 16;
	void *p;

	if (need <= *max)
		return true;
	while (n < need)
		n *= 2;
	p = realloc(*pv, n * size);
	if (!p)
		return false;
	*pv = p;
	*max = n;
	return true;
}

/* ---- machine code (code.c) ----------------------------------------------- */

/*
 * A segment: a run of instructions entered only at its start, ending at a
 * control transfer, before a branch target, or before a call to the
 * coverage hook. A site segment starts with such a call: it runs whenever
 * the hook records that site's PC.
 */
#define SEG_EXIT	0x1	/* can leave the function (ret, tail call) */
#define SEG_ANY		0x2	/* indirect jump with unknown targets */
#define SEG_BRANCH	0x4	/* ends with a direct jump in the function:
				 * its first successor is the jump's target */

struct ksim_seg {
	uint64_t	start, end;
	uint32_t	group;		/* function (with its .cold part) */
	int32_t		site;		/* index in ksim_code.sites, or -1 */
	uint32_t	succ;		/* first successor in ksim_code.edges */
	uint16_t	nsucc;
	uint16_t	flags;		/* SEG_* */
};

struct ksim_group {
	const char	*name;		/* the function's symbol */
	uint32_t	entry;		/* segment at the function's start */
	uint32_t	gseg, nseg;	/* its segments: gsegs[gseg..+nseg) */
	uint32_t	nsites;
	bool		decoded;	/* every instruction decoded */
};

struct ksim_code {
	uint64_t	*sites;		/* site PCs (hook return addresses), sorted */
	uint32_t	*site_seg;	/* segment of each site */
	size_t		nsites;
	struct ksim_seg	*segs;		/* sorted by start, not overlapping */
	size_t		nsegs;
	uint32_t	*edges;
	size_t		nedges;
	struct ksim_group *groups;
	size_t		ngroups;
	uint32_t	*gsegs;		/* segments of each group */
	bool		hook_found;	/* the hook or its PLT entry exists */
	char		*names;		/* storage of group names */
};

struct ksim_code *ksim_code_build(Elf *elf, Dwarf *dw);
void ksim_code_free(struct ksim_code *c);
/* Index of the site whose PC is @pc, or -1. */
long ksim_code_site(const struct ksim_code *c, uint64_t pc);
/* Index of the segment holding @addr, or -1. */
long ksim_code_seg(const struct ksim_code *c, uint64_t addr);

/* ---- source (lines.c) ------------------------------------------------------ */

struct ksim_row {		/* [addr, end) is code of file:line; an
				 * empty one (end == addr) marks where the
				 * line's statement begins, with no code of
				 * its own (a location view) */
	uint64_t	addr, end;
	uint32_t	file;
	int		line;
	bool		call;		/* the range of an inlined call, from
					 * DW_AT_call_line: code of the line that
					 * makes the call, not a line-table row */
};

struct ksim_func {		/* a source function and where it is entered */
	const char	*name;
	uint32_t	file;
	int		line;		/* DW_AT_decl_line */
	uint64_t	*entries;	/* out-of-line and inlined entry addresses */
	size_t		nentries;
};

struct ksim_label {
	const char	*name;
	uint32_t	file;
	int		line;
	int		end;		/* first line after its statements: the
					 * next label or function in the file */
	uint64_t	*pcs;		/* DW_AT_low_pc of each copy (inlined
					 * copies have their own) */
	size_t		npcs;
};

struct ksim_lines {
	const char	**files;	/* interned paths (libdw's strings) */
	size_t		nfiles;
	struct ksim_row	*rows;		/* sorted by (file, line, addr) */
	size_t		nrows;
	struct ksim_func *funcs;	/* sorted by (file, line) */
	size_t		nfuncs;
	struct ksim_label *labels;	/* sorted by (file, line) */
	size_t		nlabels;
};

struct ksim_lines *ksim_lines_build(Dwarf *dw);
void ksim_lines_free(struct ksim_lines *l);
/* Rows of @file (index) at @line: *first, count returned. */
size_t ksim_lines_rows(const struct ksim_lines *l, uint32_t file, int line,
		       size_t *first);
/* Whether the path @path ends with the whole trailing part @file. */
bool ksim_file_match(const char *path, const char *file);

/* ---- modules of a symbolizer (symbolize.c) ----------------------------------- */

struct kcov_sim_symbolizer;
struct smod;

/* The module of @pc (any PC mode, decoded as kcov_sim_symbolize() does)
 * and the PC's link-time address in it; NULL if no module is known. */
struct smod *ksim_sym_locate(struct kcov_sim_symbolizer *s, uint64_t pc, uint64_t *off);
/* The module of file @path, opened; NULL with *err set if it cannot be. */
struct smod *ksim_sym_module(struct kcov_sim_symbolizer *s, const char *path, int *err);
const char *ksim_smod_path(const struct smod *m);
/* Built on first use and kept; NULL when the module has no such data. */
const struct ksim_code *ksim_smod_code(struct smod *m);
const struct ksim_lines *ksim_smod_lines(struct smod *m);

#endif /* KSIM_COVER_CODE_H */
