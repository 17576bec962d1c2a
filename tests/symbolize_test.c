/* SPDX-License-Identifier: MIT */
/*
 * symbolize.c and kcov-sim-symbolize: PCs of every mode to function,
 * file:line and inline chain, checked against binutils' addr2line on the
 * same binary (skipped, 77, when addr2line is missing).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "kernel_code.h"
#include <kcov-sim/cover.h>

#define MAX_PCS	511

static void workload(void)
{
	kc_branch(1);
	kc_branch(20);
	kc_switch(20);
	kc_loop(2);
}

static size_t collect(enum kcov_sim_pc_mode mode, uint64_t *out)
{
	int fd = t_open();
	unsigned long *area = t_init_map(fd, MAX_PCS + 1);
	size_t n, i;

	assert_int_equal(kcov_sim_set_pc_mode(mode), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	workload();
	n = __atomic_load_n(&area[0], __ATOMIC_RELAXED);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(kcov_sim_set_pc_mode(KCOV_SIM_PC_RAW), 0);
	for (i = 0; i < n; i++)
		out[i] = area[i + 1];
	t_munmap(area, (MAX_PCS + 1) * 8);
	t_close(fd);
	return n;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void exe_path(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	assert_true(n > 0);
	buf[n] = '\0';
}

/* One frame of addr2line -f -i output: "func\nfile:line[ (discriminator N)]". */
struct a2l_frame {
	char	func[256];
	char	file[PATH_MAX + 64];
	int	line;
};

/* addr2line -f -i -a on @addr: frames, innermost first. */
static int addr2line(const char *exe, uint64_t addr, struct a2l_frame *fr, int max)
{
	char cmd[PATH_MAX + 64], func[256], loc[PATH_MAX + 64];
	char *colon;
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "addr2line -f -i -e '%s' 0x%llx", exe,
		 (unsigned long long)addr);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (n < max && fgets(func, sizeof(func), p) && fgets(loc, sizeof(loc), p)) {
		func[strcspn(func, "\n")] = '\0';
		loc[strcspn(loc, " \n")] = '\0';	/* drop "(discriminator N)" */
		colon = strrchr(loc, ':');
		assert_non_null(colon);
		*colon = '\0';
		snprintf(fr[n].func, sizeof(fr[n].func), "%s", func);
		snprintf(fr[n].file, sizeof(fr[n].file), "%s", loc);
		fr[n].line = atoi(colon + 1);
		n++;
	}
	pclose(p);
	return n;
}

static int have_addr2line(void)
{
	return system("addr2line --version >/dev/null 2>&1") == 0;
}

/* cover.h: every frame of every collected PC (the call before it) is what
 * addr2line -f -i says for that address of the same file. */
static void test_symbolize_matches_addr2line(void **state)
{
	struct kcov_sim_symbolizer *s = kcov_sim_symbolizer_new(0);
	uint64_t pcs[MAX_PCS];
	struct a2l_frame fr[KCOV_SIM_SYM_FRAMES];
	struct kcov_sim_pc_loc loc;
	struct kcov_sim_sym sym;
	size_t n, i;
	int nf, f;

	(void)state;
	if (!have_addr2line())
		skip();
	assert_non_null(s);
	n = collect(KCOV_SIM_PC_RAW, pcs);
	assert_true(n > 4);
	for (i = 0; i < n; i++) {
		assert_int_equal(kcov_sim_pc_decode(pcs[i], &loc), 0);
		assert_int_equal(kcov_sim_symbolize(s, pcs[i], &sym), 0);
		nf = addr2line(loc.path, loc.offset - 1, fr, KCOV_SIM_SYM_FRAMES);
		assert_int_equal(sym.nframes, nf);
		for (f = 0; f < nf; f++) {
			assert_string_equal(sym.frames[f].function, fr[f].func);
			assert_string_equal(base(sym.frames[f].file), base(fr[f].file));
			assert_int_equal(sym.frames[f].line, fr[f].line);
		}
		assert_string_equal(base(sym.frames[sym.nframes - 1].file), "kernel_code.c");
	}
	kcov_sim_symbolizer_free(s);
}

/* cover.h: with EXACT, the address itself is looked up, as addr2line does. */
static void test_symbolize_exact_address(void **state)
{
	struct kcov_sim_symbolizer *s = kcov_sim_symbolizer_new(KCOV_SIM_SYM_EXACT);
	struct a2l_frame fr[KCOV_SIM_SYM_FRAMES];
	struct kcov_sim_pc_loc loc;
	struct kcov_sim_sym sym;

	(void)state;
	if (!have_addr2line())
		skip();
	assert_int_equal(kcov_sim_pc_decode((uintptr_t)kc_loop, &loc), 0);
	assert_int_equal(kcov_sim_symbolize(s, (uintptr_t)kc_loop, &sym), 0);
	assert_int_equal(addr2line(loc.path, loc.offset, fr, KCOV_SIM_SYM_FRAMES), 1);
	assert_string_equal(sym.frames[0].function, "kc_loop");
	assert_string_equal(fr[0].func, "kc_loop");
	assert_int_equal(sym.frames[0].line, fr[0].line);
	assert_int_equal(sym.frames[0].entry, loc.offset);
	kcov_sim_symbolizer_free(s);
}

/* Same frames for two symbolizations (function, file, line, depth). */
static void assert_same_sym(const struct kcov_sim_sym *a, const struct kcov_sim_sym *b)
{
	unsigned int f;

	assert_int_equal(a->nframes, b->nframes);
	for (f = 0; f < a->nframes; f++) {
		assert_string_equal(a->frames[f].function, b->frames[f].function);
		assert_string_equal(a->frames[f].file, b->frames[f].file);
		assert_int_equal(a->frames[f].line, b->frames[f].line);
	}
}

/* cover.h: module and kernel-range values symbolize offline like raw ones
 * in-process: module values from the file alone, kernel ones with a map. */
static void test_symbolize_offline_forms(void **state)
{
	struct kcov_sim_symbolizer *in = kcov_sim_symbolizer_new(0);
	struct kcov_sim_symbolizer *off = kcov_sim_symbolizer_new(KCOV_SIM_SYM_OFFLINE);
	struct kcov_sim_symbolizer *map = kcov_sim_symbolizer_new(KCOV_SIM_SYM_OFFLINE);
	uint64_t raw[MAX_PCS], mod[MAX_PCS], ker[MAX_PCS];
	struct kcov_sim_sym a, b;
	char exe[PATH_MAX], text[65536], *line;
	size_t n, i;
	ssize_t len;
	int fds[2];

	(void)state;
	n = collect(KCOV_SIM_PC_RAW, raw);
	assert_int_equal(collect(KCOV_SIM_PC_MODULE, mod), n);
	assert_int_equal(collect(KCOV_SIM_PC_KERNEL, ker), n);
	exe_path(exe, sizeof(exe));
	assert_int_equal(kcov_sim_symbolizer_add_file(off, exe), 0);
	/* The module map, as another process would get it. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(kcov_sim_pc_map_write(fds[1]), 0);
	close(fds[1]);
	len = read(fds[0], text, sizeof(text) - 1);
	close(fds[0]);
	assert_true(len > 0);
	text[len] = '\0';
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		assert_int_equal(kcov_sim_symbolizer_add_map_line(map, line), 1);
	for (i = 0; i < n; i++) {
		assert_int_equal(kcov_sim_symbolize(in, raw[i], &a), 0);
		assert_int_equal(kcov_sim_symbolize(off, mod[i], &b), 0);
		assert_same_sym(&a, &b);
		assert_int_equal(kcov_sim_symbolize(map, ker[i], &b), 0);
		assert_same_sym(&a, &b);
		assert_int_equal(kcov_sim_symbolize(map, mod[i], &b), 0);
		assert_same_sym(&a, &b);
	}
	kcov_sim_symbolizer_free(in);
	kcov_sim_symbolizer_free(off);
	kcov_sim_symbolizer_free(map);
}

/* cover.h: unknown PCs give "??" and -ENOENT; a map naming another build
 * of a file gives -ESTALE rather than wrong lines; junk lines -EINVAL. */
static void test_symbolize_unknown_and_stale(void **state)
{
	struct kcov_sim_symbolizer *s = kcov_sim_symbolizer_new(KCOV_SIM_SYM_OFFLINE);
	char exe[PATH_MAX], line[PATH_MAX + 128];
	struct kcov_sim_sym sym;

	(void)state;
	assert_int_equal(kcov_sim_symbolize(s, 0x1234, &sym), -ENOENT);
	assert_string_equal(sym.frames[0].function, "??");
	assert_int_equal(kcov_sim_symbolize(s, KCOV_SIM_PC_MODULE_PC(0x8badf00du, 4), &sym),
			 -ENOENT);
	assert_int_equal(kcov_sim_symbolizer_add_map_line(s, "not a module line"), 0);
	assert_int_equal(kcov_sim_symbolizer_add_map_line(s, "#kcov-sim module zz"), -EINVAL);
	exe_path(exe, sizeof(exe));
	snprintf(line, sizeof(line), "#kcov-sim module 8badf00d - 0011223344 %s", exe);
	assert_int_equal(kcov_sim_symbolizer_add_map_line(s, line), 1);
	assert_int_equal(kcov_sim_symbolize(s, KCOV_SIM_PC_MODULE_PC(0x8badf00du, 0x1000),
					    &sym), -ESTALE);
	kcov_sim_symbolizer_free(s);
}

/* kcov-sim-symbolize: a record-style file (module lines + module PCs) on
 * stdin gives the functions and lines of the in-process symbolizer. */
static void test_symbolize_tool_reads_record(void **state)
{
	char path[] = "/tmp/kcov-sim-sym-test-XXXXXX", cmd[PATH_MAX + 128];
	char func[256], loc[PATH_MAX + 64], want[PATH_MAX + 64], hex[32];
	struct kcov_sim_symbolizer *in = kcov_sim_symbolizer_new(0);
	uint64_t raw[MAX_PCS], mod[MAX_PCS];
	struct kcov_sim_sym a;
	size_t n, i;
	FILE *p;
	int fd;

	(void)state;
	n = collect(KCOV_SIM_PC_RAW, raw);
	assert_int_equal(collect(KCOV_SIM_PC_MODULE, mod), n);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(kcov_sim_pc_map_write(fd), 0);
	for (i = 0; i < n; i++) {
		snprintf(hex, sizeof(hex), "%016llx\n", (unsigned long long)mod[i]);
		assert_int_equal(write(fd, hex, strlen(hex)), (ssize_t)strlen(hex));
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s -f < %s", KSIM_SYMBOLIZE_TOOL, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	for (i = 0; i < n; i++) {
		assert_non_null(fgets(func, sizeof(func), p));
		assert_non_null(fgets(loc, sizeof(loc), p));
		assert_int_equal(kcov_sim_symbolize(in, raw[i], &a), 0);
		func[strcspn(func, "\n")] = '\0';
		assert_string_equal(func, a.frames[0].function);
		snprintf(want, sizeof(want), "%s:%d\n", a.frames[0].file, a.frames[0].line);
		assert_string_equal(loc, want);
	}
	assert_null(fgets(func, sizeof(func), p));
	assert_int_equal(pclose(p), 0);
	unlink(path);
	kcov_sim_symbolizer_free(in);
}

/* kcov-sim-symbolize -l: the sorted, unique file:line set, all frames. */
static void test_symbolize_tool_line_set(void **state)
{
	char path[] = "/tmp/kcov-sim-sym-test-XXXXXX", cmd[PATH_MAX + 128];
	char line[PATH_MAX], prev[PATH_MAX] = "", want[PATH_MAX];
	struct kcov_sim_symbolizer *in = kcov_sim_symbolizer_new(0);
	uint64_t mod[MAX_PCS];
	struct kcov_sim_sym a;
	size_t n, i, lines = 0, found = 0;
	FILE *p;
	int fd;

	(void)state;
	n = collect(KCOV_SIM_PC_MODULE, mod);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(kcov_sim_pc_map_write(fd), 0);
	for (i = 0; i < n; i++)
		dprintf(fd, "%016llx\n%016llx\n", (unsigned long long)mod[i],
			(unsigned long long)mod[i]);	/* duplicates collapse */
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s -l -p / < %s", KSIM_SYMBOLIZE_TOOL, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(kcov_sim_symbolize(in, mod[0], &a), 0);
	snprintf(want, sizeof(want), "%s:%d\n", a.frames[0].file + 1, a.frames[0].line);
	while (fgets(line, sizeof(line), p)) {
		assert_null(strstr(line, "0x"));	/* no addresses */
		assert_true(strcmp(prev, line) != 0);
		lines++;
		found += !strcmp(line, want);
		snprintf(prev, sizeof(prev), "%s", line);
	}
	assert_int_equal(pclose(p), 0);
	assert_true(lines >= 2);
	assert_int_equal(found, 1);
	unlink(path);
	kcov_sim_symbolizer_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbolize_matches_addr2line),
		cmocka_unit_test(test_symbolize_exact_address),
		cmocka_unit_test(test_symbolize_offline_forms),
		cmocka_unit_test(test_symbolize_unknown_and_stale),
		cmocka_unit_test(test_symbolize_tool_reads_record),
		cmocka_unit_test(test_symbolize_tool_line_set),
	};

	int ret = cmocka_run_group_tests_name("symbolization", tests, NULL, NULL);

	/* The comparison with addr2line is the point: without it, skip. */
	if (!ret && !have_addr2line()) {
		fprintf(stderr, "addr2line not found: skipped\n");
		return T_SKIP;
	}
	return ret;
}
