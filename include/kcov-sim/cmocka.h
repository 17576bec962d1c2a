/* SPDX-License-Identifier: MIT */
/*
 * kcov-sim/cmocka.h - cmocka assertions on captured coverage (cover.h).
 * Include after <cmocka.h>; link kcov-sim-cover.
 *
 *	struct kcov_sim_cover *cap = kcov_capture_begin();
 *	err = parse(msg);			// the code under test
 *	kcov_capture_end(cap);
 *	assert_kcov_covered(cap, "validate_attr");
 *	assert_kcov_not_covered(cap, "reject_attr");
 *	assert_kcov_line_covered(cap, "attr.c", 212);
 *	assert_kcov_order(cap, "parse", "validate_attr", "check_range");
 *	kcov_sim_cover_free(cap);
 *
 * A failing assertion prints what it expected and the symbolized trace
 * (at most KCOV_SIM_CMOCKA_TRACE_LINES lines) before failing the test.
 * Like every cmocka assertion, use them on the test's main thread.
 */
#ifndef KCOV_SIM_CMOCKA_H
#define KCOV_SIM_CMOCKA_H

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include <kcov-sim/cover.h>

#ifndef KCOV_SIM_CMOCKA_TRACE_LINES
#define KCOV_SIM_CMOCKA_TRACE_LINES	200
#endif

static inline void _kcov_sim_fail(struct kcov_sim_cover *cap, const char *file,
				  int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline void _kcov_sim_fail(struct kcov_sim_cover *cap, const char *file,
				  int line, const char *fmt, ...)
{
	va_list ap;
	char *trace;

	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
	trace = cap ? kcov_sim_cover_format(cap, KCOV_SIM_CMOCKA_TRACE_LINES) : NULL;
	if (trace)
		print_error("%s", trace);
	free(trace);
	_fail(file, line);
}

static inline struct kcov_sim_cover *_kcov_sim_begin(size_t words, const char *file,
						     int line)
{
	struct kcov_sim_cover *cap = kcov_sim_cover_begin(words);

	if (!cap)
		_kcov_sim_fail(NULL, file, line,
			       "ERROR: kcov_sim_cover_begin: errno %d\n", errno);
	return cap;
}

static inline void _kcov_sim_end(struct kcov_sim_cover *cap, const char *file, int line)
{
	int err = kcov_sim_cover_end(cap);

	if (err)
		_kcov_sim_fail(NULL, file, line, "ERROR: kcov_sim_cover_end: %d\n", err);
}

/* Begin / end a capture, failing the test when the device says no. */
#define kcov_capture_begin()	_kcov_sim_begin(0, __FILE__, __LINE__)
#define kcov_capture_begin_words(words)	_kcov_sim_begin((words), __FILE__, __LINE__)
#define kcov_capture_end(cap)	_kcov_sim_end((cap), __FILE__, __LINE__)

static inline void _kcov_sim_covered(struct kcov_sim_cover *cap, const char *func,
				     int want, const char *file, int line)
{
	long hits = kcov_sim_cover_hits(cap, func);

	if (hits < 0)
		_kcov_sim_fail(cap, file, line, "ERROR: coverage query failed: %ld\n", hits);
	else if (want && !hits)
		_kcov_sim_fail(cap, file, line, "ERROR: %s() was not reached\n", func);
	else if (!want && hits)
		_kcov_sim_fail(cap, file, line,
			       "ERROR: %s() was reached (%ld PCs) but should not be\n",
			       func, hits);
}

static inline void _kcov_sim_line(struct kcov_sim_cover *cap, const char *src,
				  int src_line, int want, const char *file, int line)
{
	long hits = kcov_sim_cover_line_hits(cap, src, src_line);

	if (hits < 0)
		_kcov_sim_fail(cap, file, line, "ERROR: coverage query failed: %ld\n", hits);
	else if (want && !hits)
		_kcov_sim_fail(cap, file, line, "ERROR: %s:%d was not reached\n",
			       src, src_line);
	else if (!want && hits)
		_kcov_sim_fail(cap, file, line,
			       "ERROR: %s:%d was reached (%ld PCs) but should not be\n",
			       src, src_line, hits);
}

static inline void _kcov_sim_calls(struct kcov_sim_cover *cap, const char *func,
				   long want, const char *file, int line)
{
	long calls = kcov_sim_cover_calls(cap, func);

	if (calls != want)
		_kcov_sim_fail(cap, file, line,
			       "ERROR: %s() was entered %ld times, expected %ld\n",
			       func, calls, want);
}

static inline void _kcov_sim_order(struct kcov_sim_cover *cap, const char *const *funcs,
				   const char *file, int line)
{
	size_t n = 0;
	int ret;

	while (funcs[n])
		n++;
	ret = kcov_sim_cover_in_order(cap, funcs, n);
	if (ret != 1) {
		print_error("ERROR: not reached in this order:");
		for (n = 0; funcs[n]; n++)
			print_error(" %s()", funcs[n]);
		_kcov_sim_fail(cap, file, line, "%s\n", ret < 0 ? " (query failed)" : "");
	}
}

/* Some PC of @func (an inlined copy counts) was recorded. */
#define assert_kcov_covered(cap, func) \
	_kcov_sim_covered((cap), (func), 1, __FILE__, __LINE__)
/* No PC of @func was recorded. */
#define assert_kcov_not_covered(cap, func) \
	_kcov_sim_covered((cap), (func), 0, __FILE__, __LINE__)
/* Some PC at @src:@line ("attr.c" or "net/attr.c", any inline frame). */
#define assert_kcov_line_covered(cap, src, line) \
	_kcov_sim_line((cap), (src), (line), 1, __FILE__, __LINE__)
#define assert_kcov_line_not_covered(cap, src, line) \
	_kcov_sim_line((cap), (src), (line), 0, __FILE__, __LINE__)
/* @func was entered exactly @n times. */
#define assert_kcov_calls(cap, func, n) \
	_kcov_sim_calls((cap), (func), (n), __FILE__, __LINE__)
/* The functions were reached in this order (others may run in between). */
#define assert_kcov_order(cap, ...) \
	_kcov_sim_order((cap), (const char *const[]){ __VA_ARGS__, NULL }, \
			__FILE__, __LINE__)

#endif /* KCOV_SIM_CMOCKA_H */
