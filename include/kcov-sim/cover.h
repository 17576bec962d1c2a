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
 * differ). Without debug info the function comes from the symbol table
 * and the file is "??".
 */
KCOV_SIM_API int kcov_sim_symbolize(struct kcov_sim_symbolizer *s, uint64_t pc,
				    struct kcov_sim_sym *out);

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

#ifdef __cplusplus
}
#endif

#endif /* KCOV_SIM_COVER_H */
