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
 *	assert_kcov_label_reached(cap, "attr.c", "out_free");
 *	assert_kcov_order(cap, "parse", "validate_attr", "check_range");
 *	kcov_sim_cover_free(cap);
 *
 * A failing assertion prints what it expected and the symbolized trace
 * (at most KCOV_SIM_CMOCKA_TRACE_LINES lines) before failing the test.
 * Like every cmocka assertion, use them on the test's main thread.
 *
 * Line and label assertions ask what ran (cover.h, kcov_sim_cover_line()):
 * a line counts as covered when its code ran, whichever block the compiler
 * put it in; a line or label with no code of its own in this build fails
 * either assertion with a message that says so and why.
 */
#ifndef KCOV_SIM_CMOCKA_H
#define KCOV_SIM_CMOCKA_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kcov-sim/cover.h>

#ifndef KCOV_SIM_CMOCKA_TRACE_LINES
#define KCOV_SIM_CMOCKA_TRACE_LINES	200
#endif

static inline void _kcov_sim_fail(struct kcov_sim_cover *cap, const char *file,
				  int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * cmocka (1.1.5) formats each print_error() into a 1024-byte buffer: print
 * long text a line at a time, and a line in pieces of less than that.
 */
static inline void _kcov_sim_print_lines(const char *text)
{
	const char *nl;
	int len;

	while (*text) {
		nl = strchr(text, '\n');
		len = nl ? (int)(nl - text) : (int)strlen(text);
		while (len > 960) {
			print_error("%.960s\n", text);
			text += 960;
			len -= 960;
		}
		print_error("%.*s\n", len, text);
		text += len + (nl != NULL);
	}
}

static inline void _kcov_sim_fail(struct kcov_sim_cover *cap, const char *file,
				  int line, const char *fmt, ...)
{
	va_list ap;
	char *msg, *trace;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	msg = len >= 0 ? (char *)malloc((size_t)len + 1) : NULL;
	if (msg) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)len + 1, fmt, ap);
		va_end(ap);
		_kcov_sim_print_lines(msg);
		free(msg);
	}
	trace = cap ? kcov_sim_cover_format(cap, KCOV_SIM_CMOCKA_TRACE_LINES) : NULL;
	if (trace)
		_kcov_sim_print_lines(trace);
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

/*
 * The first line of the source file @path that holds @text: assert on a
 * line by what it says, so that an edit above it does not break the test.
 * Fails the test if the file cannot be read or holds no such line.
 */
static inline int _kcov_sim_source_line(const char *path, const char *text,
					const char *file, int line)
{
	char buf[1024];
	FILE *f = fopen(path, "r");
	int n = 0, found = 0;

	if (!f)
		_kcov_sim_fail(NULL, file, line, "ERROR: cannot read %s\n", path);
	while (!found && fgets(buf, sizeof(buf), f)) {
		n++;
		found = strstr(buf, text) != NULL;
	}
	fclose(f);
	if (!found)
		_kcov_sim_fail(NULL, file, line, "ERROR: no line of %s holds \"%s\"\n",
			       path, text);
	return n;
}
#define kcov_source_line(path, text) \
	_kcov_sim_source_line((path), (text), __FILE__, __LINE__)

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

/* A line or label must have run (@want) or must not have; anything the
 * trace cannot tell (merged code, an untold branch) fails both ways. */
static inline void _kcov_sim_where(struct kcov_sim_cover *cap, int err,
				   const struct kcov_sim_where *w, int want,
				   const char *file, int line)
{
	if (err)
		_kcov_sim_fail(cap, file, line, "ERROR: coverage query failed: %d\n", err);
	else if (want && w->reach != KCOV_SIM_REACHED)
		_kcov_sim_fail(cap, file, line, "ERROR: %s\n", w->why);
	else if (!want && w->reach != KCOV_SIM_NOT_REACHED)
		_kcov_sim_fail(cap, file, line, "ERROR: %s%s\n", w->why,
			       w->reach == KCOV_SIM_REACHED ? ", but should not be" : "");
}

static inline void _kcov_sim_line(struct kcov_sim_cover *cap, const char *src,
				  int src_line, int want, const char *file, int line)
{
	struct kcov_sim_where w = { .sz = sizeof(w) };

	_kcov_sim_where(cap, kcov_sim_cover_line(cap, src, src_line, &w), &w, want,
			file, line);
}

static inline void _kcov_sim_label(struct kcov_sim_cover *cap, const char *src,
				   const char *label, int want, const char *file, int line)
{
	struct kcov_sim_where w = { .sz = sizeof(w) };

	_kcov_sim_where(cap, kcov_sim_cover_label(cap, src, label, &w), &w, want,
			file, line);
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
		char msg[900];
		size_t used = 0;

		used += (size_t)snprintf(msg, sizeof(msg), "ERROR: not reached in this order:");
		for (n = 0; funcs[n] && used < sizeof(msg); n++)
			used += (size_t)snprintf(msg + used, sizeof(msg) - used, " %s()",
						 funcs[n]);
		_kcov_sim_fail(cap, file, line, "%s%s\n", msg,
			       ret < 0 ? " (query failed)" : "");
	}
}

/* Some PC of @func (an inlined copy counts) was recorded. */
#define assert_kcov_covered(cap, func) \
	_kcov_sim_covered((cap), (func), 1, __FILE__, __LINE__)
/* No PC of @func was recorded. */
#define assert_kcov_not_covered(cap, func) \
	_kcov_sim_covered((cap), (func), 0, __FILE__, __LINE__)
/* Code of @src:@line ran ("attr.c" or "net/attr.c"; inlined copies count). */
#define assert_kcov_line_covered(cap, src, line) \
	_kcov_sim_line((cap), (src), (line), 1, __FILE__, __LINE__)
/* @src:@line has code and none of it ran. */
#define assert_kcov_line_not_covered(cap, src, line) \
	_kcov_sim_line((cap), (src), (line), 0, __FILE__, __LINE__)
/* goto label @label of @src was reached / was not. */
#define assert_kcov_label_reached(cap, src, label) \
	_kcov_sim_label((cap), (src), (label), 1, __FILE__, __LINE__)
#define assert_kcov_label_not_reached(cap, src, label) \
	_kcov_sim_label((cap), (src), (label), 0, __FILE__, __LINE__)
/* @func was entered exactly @n times. */
#define assert_kcov_calls(cap, func, n) \
	_kcov_sim_calls((cap), (func), (n), __FILE__, __LINE__)
/* The functions were reached in this order (others may run in between). */
#define assert_kcov_order(cap, ...) \
	_kcov_sim_order((cap), (const char *const[]){ __VA_ARGS__, NULL }, \
			__FILE__, __LINE__)

#endif /* KCOV_SIM_CMOCKA_H */
