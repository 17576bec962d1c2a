/* SPDX-License-Identifier: MIT */
/*
 * Coverable vs covered: the coverage sites of this executable (its calls
 * to __sanitizer_cov_trace_pc, as syzkaller finds them), the report of
 * what was not reached, the lcov tracefile (genhtml must accept it), and
 * the tool's --sites and its hint for raw PCs of a PIE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include <kcov-sim/cmocka.h>

#include <linux/tlvdec.h>

static char self[4096];

static const char *self_path(void)
{
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	assert_true(n > 0);
	self[n] = '\0';
	return self;
}

#define src_line(text)	kcov_source_line(TLVDEC_SOURCE, (text))

/* Output of @cmd and its exit status. */
static int run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t used;
	int status;

	assert_non_null(p);
	used = fread(out, 1, len - 1, p);
	out[used] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char buf[1 << 20];

/* The sites are exactly objdump's calls to the hook, in instrumented code. */
static void test_sites_are_the_hook_calls(void **state)
{
	struct kcov_sim_symbolizer *s = kcov_sim_symbolizer_new(KCOV_SIM_SYM_OFFLINE);
	const uint64_t *pcs;
	struct kcov_sim_sym sym;
	char cmd[8192];
	long n, i, tlv = 0;

	(void)state;
	n = kcov_sim_symbolizer_sites(s, self_path(), &pcs);
	assert_true(n > 20);
	for (i = 0; i < n; i++) {
		assert_true(i == 0 || pcs[i] > pcs[i - 1]);
		assert_int_equal(kcov_sim_symbolize_offset(s, self, pcs[i], &sym), 0);
		const char *fn = sym.frames[sym.nframes - 1].function;
		const char *file = sym.frames[sym.nframes - 1].file;

		if (!strncmp(fn, "tlv_", 4))
			tlv++;
		/* Instrumented sources only (a sanitizer's module constructor
		 * and destructor, _sub_I_ / _sub_D_, are compiled from them). */
		else if (strncmp(fn, "kc_", 3) && strncmp(fn, "_sub_", 5) &&
			 !strstr(file, "kernel_code.c") && !strstr(file, "tlvdec"))
			fail_msg("site 0x%lx in %s (%s)", (unsigned long)pcs[i], fn, file);
	}
	assert_true(tlv > 10);
	snprintf(cmd, sizeof(cmd), "%s -d --no-show-raw-insn '%s' | "
		 "grep -c 'call.*<__sanitizer_cov_trace_pc[@>]'", KSIM_GNU_OBJDUMP, self);
	assert_int_equal(run(cmd, buf, sizeof(buf)), 0);
	assert_int_equal(atol(buf), n);
	kcov_sim_symbolizer_free(s);
}

/* The tool lists the same sites. */
static void test_tool_lists_sites(void **state)
{
	struct kcov_sim_symbolizer *s = kcov_sim_symbolizer_new(KCOV_SIM_SYM_OFFLINE);
	const uint64_t *pcs;
	char cmd[8192];
	long n, lines = 0;
	char *p;

	(void)state;
	n = kcov_sim_symbolizer_sites(s, self_path(), &pcs);
	snprintf(cmd, sizeof(cmd), "%s --sites -s -e '%s' 2>/dev/null", KSIM_SYMBOLIZE_TOOL,
		 self);
	assert_int_equal(run(cmd, buf, sizeof(buf)), 0);
	for (p = buf; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, n);
	assert_non_null(strstr(buf, " tlv_decode tlvdec.c:"));
	kcov_sim_symbolizer_free(s);
}

/* A raw run-time PC of this PIE: "??", a hint, exit status 1. */
static void test_tool_hints_at_pie_raw_pcs(void **state)
{
	char cmd[8192];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s -f -e '%s' 0x%lx 2>&1", KSIM_SYMBOLIZE_TOOL,
		 self_path(), (unsigned long)(uintptr_t)tlv_decode + 4);
	assert_int_equal(run(cmd, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "position-independent"));
	assert_non_null(strstr(buf, "KCOV_SIM_PC_MODE=module"));
	assert_non_null(strstr(buf, "??"));
}

static struct kcov_sim_cover *capture_valid(void)
{
	static const u8 blob[] = { 0x01, 0x02, 0xaa, 0xbb };
	struct tlv_item items[TLV_MAX_ITEMS];
	struct kcov_sim_cover *cap = kcov_capture_begin();
	const char *errmsg;

	assert_int_equal(tlv_decode(blob, sizeof(blob), items, TLV_MAX_ITEMS, &errmsg), 1);
	kcov_capture_end(cap);
	return cap;
}

/* The report names each function with what was not reached. */
static void test_report_lists_lines_not_reached(void **state)
{
	struct kcov_sim_cover *cap = capture_valid();
	char *text = NULL, want[64];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_int_equal(kcov_sim_cover_write_report(cap, f, NULL, 0), 0);
	fclose(f);
	assert_non_null(strstr(text, "tlvdec.c\n"));
	assert_non_null(strstr(text, "  tlv_decode() line "));
	assert_non_null(strstr(text, "    not reached:"));
	assert_non_null(strstr(text, "  tlv_parse() line "));	/* never called */
	snprintf(want, sizeof(want), "%d", src_line("nbytes = len & 0x7f;"));
	assert_non_null(strstr(strstr(text, "tlv_decode()"), want));
	free(text);
	kcov_sim_cover_free(cap);
}

/* lcov: reached lines count, others 0, functions; genhtml accepts it. */
static void test_lcov_tracefile(void **state)
{
	struct kcov_sim_cover *cap = capture_valid();
	char path[] = "/tmp/ksim-lcov-XXXXXX", want[64], cmd[8192];
	int fd = mkstemp(path);
	FILE *f;
	size_t len;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_int_equal(kcov_sim_cover_write_lcov(cap, f, "sites"), 0);
	fclose(f);
	f = fopen(path, "r");
	len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[len] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "TN:sites\n"));
	assert_non_null(strstr(buf, "tlvdec.c\n"));
	assert_non_null(strstr(buf, "FNDA:1,tlv_decode\n"));
	assert_non_null(strstr(buf, "FNDA:0,tlv_parse\n"));
	snprintf(want, sizeof(want), "DA:%d,0\n", src_line("nbytes = len & 0x7f;"));
	assert_non_null(strstr(buf, want));
	snprintf(want, sizeof(want), "DA:%d,1\n", src_line("items[n].len = len;"));
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "end_of_record\n"));
	if (KSIM_GENHTML[0]) {
		snprintf(cmd, sizeof(cmd), "%s --quiet -o %s.html %s >/dev/null 2>&1 && "
			 "test -f %s.html/index.html && rm -rf %s.html", KSIM_GENHTML, path,
			 path, path, path);
		assert_int_equal(run(cmd, buf, sizeof(buf)), 0);
	}
	unlink(path);
	kcov_sim_cover_free(cap);
}

/* Runs added from elsewhere: the record's module form, answered the same. */
static void test_cover_from_added_runs(void **state)
{
	struct kcov_sim_cover *cap = capture_valid(), *copy;
	struct kcov_sim_where a = { .sz = sizeof(a) }, b = { .sz = sizeof(b) };
	const uint64_t *pcs;
	size_t n;
	int line = src_line("items[n].len = len;");

	(void)state;
	pcs = kcov_sim_cover_pcs(cap, &n, NULL);
	copy = kcov_sim_cover_new(NULL);
	assert_non_null(copy);
	assert_int_equal(kcov_sim_cover_add(copy, pcs, n), 0);
	assert_int_equal(kcov_sim_cover_add(copy, pcs, n), 0);	/* a second run */
	assert_int_equal(kcov_sim_cover_line(cap, "tlvdec.c", line, &a), 0);
	assert_int_equal(kcov_sim_cover_line(copy, "tlvdec.c", line, &b), 0);
	assert_int_equal(a.reach, KCOV_SIM_REACHED);
	assert_int_equal(b.reach, KCOV_SIM_REACHED);
	assert_int_equal(b.hits, 2 * a.hits);
	kcov_sim_cover_free(copy);
	kcov_sim_cover_free(cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sites_are_the_hook_calls),
		cmocka_unit_test(test_tool_lists_sites),
		cmocka_unit_test(test_tool_hints_at_pie_raw_pcs),
		cmocka_unit_test(test_report_lists_lines_not_reached),
		cmocka_unit_test(test_lcov_tracefile),
		cmocka_unit_test(test_cover_from_added_runs),
	};

	return cmocka_run_group_tests_name("coverage sites, report, lcov", tests, NULL, NULL);
}
