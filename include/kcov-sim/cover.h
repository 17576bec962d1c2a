/* SPDX-License-Identifier: MIT */
/*
 * kcov-sim/cover.h - answers from coverage buffers: symbolization of PCs
 * (any PC mode of sim.h) to module, function, file, line and inline chain,
 * and coverage capture for unit-test assertions.
 *
 * Library: kcov-sim-cover (shared) or kcov-sim-cover-static, which need
 * elfutils' libdw; the core libkcov-sim does not. Conventions as in sim.h:
 * functions return 0 (or a count) or a negative errno value, pointer
 * functions NULL with errno set.
 */
#ifndef KCOV_SIM_COVER_H
#define KCOV_SIM_COVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kcov-sim/sim.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Symbolization ----------------------------------------------------- */

#define KCOV_SIM_SYM_FRAMES	16	/* deepest inline chain reported */

/* One frame of an inline chain. Strings belong to the symbolizer. */
struct kcov_sim_frame {
	const char	*function;	/* "??" when unknown */
	const char	*file;		/* as the debug info names it, or "??" */
	int		line;		/* 0 when unknown */
	int		column;
	uint64_t	entry;		/* link-time entry of this function
					 * instance (inlined copy or out of
					 * line), 0 when unknown */
};

struct kcov_sim_sym {
	const char	*module;	/* file of the module, "??" if none */
	uint64_t	offset;		/* link-time address of the PC in it */
	unsigned int	nframes;	/* innermost first; the last frame is the
					 * out-of-line function */
	struct kcov_sim_frame frames[KCOV_SIM_SYM_FRAMES];
};

struct kcov_sim_symbolizer;

/* Flags of kcov_sim_symbolizer_new(). */
#define KCOV_SIM_SYM_EXACT	0x1	/* symbolize the address itself; default:
					 * the call before a coverage PC (pc - 1),
					 * which a return address points past */
#define KCOV_SIM_SYM_OFFLINE	0x2	/* PCs come from another process: never
					 * decode them against this one */

/**
 * @brief A symbolizer: a cache of opened modules and their debug info.
 * @param flags KCOV_SIM_SYM_* bits.
 * @return the symbolizer, or NULL with errno set.
 */
KCOV_SIM_API struct kcov_sim_symbolizer *kcov_sim_symbolizer_new(unsigned int flags);
KCOV_SIM_API void kcov_sim_symbolizer_free(struct kcov_sim_symbolizer *s);

/**
 * @brief Make @path known for PCs of another process (addr2line -e):
 * module values whose id is the file's (see sim.h), kernel-range values in
 * its preferred slots, and raw values (taken as link-time addresses of the
 * first file added).
 * @return 0, or -ENOENT / -ENOEXEC when @path is missing or no ELF file.
 */
KCOV_SIM_API int kcov_sim_symbolizer_add_file(struct kcov_sim_symbolizer *s,
					      const char *path);

/**
 * @brief Feed one line of a module map (kcov_sim_pc_map_write(), or a
 * KCOV_SIM_RECORD file): "#kcov-sim module ..." lines name a module's id,
 * kernel slot, build-id and file; other lines are ignored.
 * @return 1 if the line was a module line, 0 if not, -EINVAL if malformed.
 */
KCOV_SIM_API int kcov_sim_symbolizer_add_map_line(struct kcov_sim_symbolizer *s,
						  const char *line);

/**
 * @brief Symbolize a PC of any mode. In-process PCs are decoded with
 * kcov_sim_pc_decode() unless the symbolizer is OFFLINE; then through the
 * files and maps added.
 * @return 0; -ENOENT if no module is known for @pc (out->module is "??");
 * -ESTALE if the file on disk is not the one the map names (build-ids
 * differ); -ERANGE for a raw value outside a position-independent first
 * file (a run-time address of a PIE: use module mode or a module map).
 * Without debug info the function comes from the symbol table and the
 * file is "??".
 */
KCOV_SIM_API int kcov_sim_symbolize(struct kcov_sim_symbolizer *s, uint64_t pc,
				    struct kcov_sim_sym *out);

/**
 * @brief The source function whose text holds @file:@line (@file: a whole
 * trailing part of the path), in the modules @s knows: *@function, and
 * the file's full path in *@path (strings belong to @s).
 * @return 0, or -ENOENT (*@path may still be set when only the function
 * is unknown).
 */
KCOV_SIM_API int kcov_sim_symbolizer_function_at(struct kcov_sim_symbolizer *s,
						 const char *file, int line,
						 const char **function, const char **path);

/** @brief Symbolize link-time address @offset of module @path. */
KCOV_SIM_API int kcov_sim_symbolize_offset(struct kcov_sim_symbolizer *s,
					   const char *path, uint64_t offset,
					   struct kcov_sim_sym *out);

/* ---- Capture for assertions -------------------------------------------- */

struct kcov_sim_cover;

/**
 * @brief Start capturing the coverage of the calling thread: opens a kcov
 * fd, KCOV_INIT_TRACE(@words; 0 means 1 << 18), mmap, KCOV_ENABLE(TRACE_PC)
 * and resets the counter. The capture code itself is never instrumented.
 * @return the capture, or NULL with errno set (EBUSY: this thread already
 * has a kcov device enabled; captures do not nest).
 */
KCOV_SIM_API struct kcov_sim_cover *kcov_sim_cover_begin(size_t words);

/**
 * @brief Stop capturing (KCOV_DISABLE, on the thread that began), keep the
 * PCs and release the device. Queries below symbolize on first use.
 * @return 0 or a negative errno (-EINVAL: not the thread that began).
 */
KCOV_SIM_API int kcov_sim_cover_end(struct kcov_sim_cover *cap);
KCOV_SIM_API void kcov_sim_cover_free(struct kcov_sim_cover *cap);

/** @brief The PCs in order; *@truncated set when the buffer filled up. */
KCOV_SIM_API const uint64_t *kcov_sim_cover_pcs(struct kcov_sim_cover *cap,
						size_t *n, int *truncated);
/** @brief The symbolized trace entry @i, or NULL. */
KCOV_SIM_API const struct kcov_sim_sym *kcov_sim_cover_sym(struct kcov_sim_cover *cap,
							   size_t i);

/**
 * @brief Trace entries (basic blocks executed) in function @func, inlined
 * copies included: > 0 reached, 0 not reached, negative errno.
 */
KCOV_SIM_API long kcov_sim_cover_hits(struct kcov_sim_cover *cap, const char *func);

/**
 * @brief How many times @func was entered: entries of its first basic
 * block (per inlined copy, the lowest PC seen at or above its entry).
 */
KCOV_SIM_API long kcov_sim_cover_calls(struct kcov_sim_cover *cap, const char *func);

/**
 * @brief Trace entries at @file:@line in any frame of the inline chain.
 * @file matches a whole trailing part of the path ("attr.c", "net/attr.c").
 */
KCOV_SIM_API long kcov_sim_cover_line_hits(struct kcov_sim_cover *cap,
					   const char *file, int line);

/** @brief Index of the first trace entry in @func, or -ENOENT. */
KCOV_SIM_API long kcov_sim_cover_first(struct kcov_sim_cover *cap, const char *func);

/**
 * @brief Whether @funcs[0..n) were reached in this order (each one at a
 * later trace entry than the one before; other code in between is fine).
 * @return 1 yes, 0 no, negative errno.
 */
KCOV_SIM_API int kcov_sim_cover_in_order(struct kcov_sim_cover *cap,
					 const char *const *funcs, size_t n);

/**
 * @brief The symbolized trace as text (malloc'd; free() it), one line per
 * run of entries at the same place, at most @max_lines lines (0: all).
 */
KCOV_SIM_API char *kcov_sim_cover_format(struct kcov_sim_cover *cap, size_t max_lines);

/** @brief kcov_sim_cover_format() written to @out. */
KCOV_SIM_API void kcov_sim_cover_print(struct kcov_sim_cover *cap, FILE *out,
				       size_t max_lines);

/* ---- Lines and labels by what ran (since 0.1, issue 11) ------------------ */

/*
 * A coverage PC says that one basic block ran: the code from the hook call
 * to the end of its block. The questions below look at every instruction
 * the trace proves ran - the block of each PC, and the code between two
 * consecutive PCs of a function that every path between them takes - and
 * ask the line table which source lines that code belongs to. So a line
 * whose code the compiler merged into another block is still answered
 * (README, "Lines at -O2").
 */
enum kcov_sim_reach {
	KCOV_SIM_NOT_REACHED = 0,	/* it has code, none of it ran */
	KCOV_SIM_REACHED = 1,		/* some of its code ran */
	KCOV_SIM_MAYBE = 2,		/* its code lies only on a branch the
					 * trace cannot tell was taken */
	KCOV_SIM_NO_CODE = 3,		/* no machine code of its own in this
					 * build (merged into other lines) */
	KCOV_SIM_NOT_FOUND = 4,		/* no instrumented code of that file, or
					 * no such label, in the modules seen */
};

struct kcov_sim_where {
	size_t		sz;		/* set to sizeof(struct kcov_sim_where) */
	int		reach;		/* enum kcov_sim_reach */
	long		hits;		/* times its code ran (REACHED) */
	int		line;		/* the line; for a label, its line */
	int		before, after;	/* NO_CODE: nearest lines above and
					 * below with code, 0 if none */
	char		why[640];	/* one or two sentences that say so */
};

/**
 * @brief Did the code of @file:@line run? @file matches a whole trailing
 * part of the path. A line without code that holds a label is answered
 * as kcov_sim_cover_label().
 * @return 0 with @out filled (up to @out->sz bytes), or a negative errno.
 */
KCOV_SIM_API int kcov_sim_cover_line(struct kcov_sim_cover *cap, const char *file,
				     int line, struct kcov_sim_where *out);

/**
 * @brief Was goto label @label of @file reached? By its address where the
 * debug info keeps one that belongs to its own statements, else by the
 * code of the statements after it.
 * @return 0 with @out filled, or a negative errno.
 */
KCOV_SIM_API int kcov_sim_cover_label(struct kcov_sim_cover *cap, const char *file,
				      const char *label, struct kcov_sim_where *out);

/* ---- Coverage of a whole run: sites, reports, lcov ------------------------ */

/**
 * @brief An empty, ended capture to fill with kcov_sim_cover_add(), for
 * PCs collected elsewhere (a KCOV_SIM_RECORD file, another process).
 * @param s the symbolizer that knows their modules (borrowed; NULL: a new
 * in-process one, owned by the capture).
 */
KCOV_SIM_API struct kcov_sim_cover *kcov_sim_cover_new(struct kcov_sim_symbolizer *s);

/**
 * @brief Append one run of PCs, in the order they were collected (one
 * buffer from reset to read). Runs are never joined: the code between two
 * PCs is only inferred inside one run.
 * @return 0 or a negative errno (-EINVAL: a capture still running).
 */
KCOV_SIM_API int kcov_sim_cover_add(struct kcov_sim_cover *cap, const uint64_t *pcs,
				    size_t n);

/**
 * @brief Report module @path too, even if no PC reached it (its coverable
 * sites count as not reached).
 */
KCOV_SIM_API int kcov_sim_cover_add_module(struct kcov_sim_cover *cap, const char *path);

/**
 * @brief The coverage sites of module @path: the link-time PCs of its calls
 * to __sanitizer_cov_trace_pc (the return addresses the hook records),
 * sorted. The array belongs to @s.
 * @return how many (0 when the module calls no hook: not instrumented, or
 * the hooks were inlined by LTO), or a negative errno.
 */
KCOV_SIM_API long kcov_sim_symbolizer_sites(struct kcov_sim_symbolizer *s,
					    const char *path, const uint64_t **pcs);

/* Flags of kcov_sim_cover_write_report(). */
#define KCOV_SIM_REPORT_ALL	0x1	/* also functions fully reached */

/**
 * @brief What was not reached, per function and per line: for each
 * instrumented function, sites and lines reached of all, then the lines
 * not reached. Paths are shown relative to @prefix when under it.
 * @return 0 or a negative errno.
 */
KCOV_SIM_API int kcov_sim_cover_write_report(struct kcov_sim_cover *cap, FILE *out,
					     const char *prefix, unsigned int flags);

/**
 * @brief The coverage as an lcov tracefile (TN, SF, FN, FNDA, FNF, FNH, DA,
 * LF, LH, end_of_record), every instrumented line with its count, lines
 * not reached as 0: the input of genhtml.
 * @param test_name the TN: name (NULL: none).
 * @return 0 or a negative errno.
 */
KCOV_SIM_API int kcov_sim_cover_write_lcov(struct kcov_sim_cover *cap, FILE *out,
					   const char *test_name);

#ifdef __cplusplus
}
#endif

#endif /* KCOV_SIM_COVER_H */
