/* SPDX-License-Identifier: MIT */
/*
 * pc.c: the PC modes of sim.h (DESIGN 9) and record.c's KCOV_SIM_RECORD
 * files, which are written in module form. Runs of this binary in child
 * processes (posix_spawn of itself) stand in for "another run under ASLR".
 */
#include <stdbool.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "kernel_code.h"

extern char **environ;

#define MAX_PCS	511	/* + the counter: one page */

/* The instrumented workload every run executes: the same PCs each time. */
static void workload(void)
{
	kc_branch(1);
	kc_branch(20);
	kc_loop(3);
}

/* Collect the PCs of @fn in @mode through a fresh device; returns count. */
static size_t collect(enum kcov_sim_pc_mode mode, void (*fn)(void), uint64_t *out)
{
	int fd = kcov_sim_open();
	unsigned long *area;
	size_t n, i;

	if (fd < 0 || kcov_sim_ioctl(fd, KCOV_INIT_TRACE, MAX_PCS + 1))
		return 0;
	area = kcov_sim_mmap(NULL, (MAX_PCS + 1) * 8, PROT_READ | PROT_WRITE,
			     MAP_SHARED, fd, 0);
	if (area == MAP_FAILED || kcov_sim_set_pc_mode(mode))
		return 0;
	if (kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
		return 0;
	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	fn();
	n = __atomic_load_n(&area[0], __ATOMIC_RELAXED);
	kcov_sim_ioctl(fd, KCOV_DISABLE, 0);
	kcov_sim_set_pc_mode(KCOV_SIM_PC_RAW);
	for (i = 0; i < n; i++)
		out[i] = area[i + 1];
	kcov_sim_munmap(area, (MAX_PCS + 1) * 8);
	kcov_sim_close(fd);
	return n;
}

/* ---- child processes ----------------------------------------------------- */

/* "--child-pcs <mode>": print the workload's PCs, one per line. */
static int child_pcs(const char *mode)
{
	uint64_t pcs[MAX_PCS];
	size_t n = collect((enum kcov_sim_pc_mode)atoi(mode), workload, pcs), i;

	for (i = 0; i < n; i++)
		printf("%016llx\n", (unsigned long long)pcs[i]);
	printf("raw-anchor %016llx\n", (unsigned long long)(uintptr_t)kc_branch);
	return n ? 0 : 1;
}

/* "--child-mode": print the mode the environment selected. */
static int child_mode(void)
{
	printf("%d\n", (int)kcov_sim_get_pc_mode());
	return 0;
}

static unsigned long *enable(int *fd)
{
	unsigned long *area;

	*fd = kcov_sim_open();
	if (*fd < 0 || kcov_sim_ioctl(*fd, KCOV_INIT_TRACE, MAX_PCS + 1))
		exit(2);
	area = kcov_sim_mmap(NULL, (MAX_PCS + 1) * 8, PROT_READ | PROT_WRITE,
			     MAP_SHARED, *fd, 0);
	if (area == MAP_FAILED || kcov_sim_ioctl(*fd, KCOV_ENABLE, KCOV_TRACE_PC))
		exit(2);
	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	return area;
}

static void loop3(void)
{
	kc_loop(3);
}

/*
 * "--child-record" (with KCOV_SIM_RECORD set): kc_branch(1), a reset of
 * the counter, kc_branch(20), DISABLE (batch 1: both inputs, although the
 * buffer holds the second only); then a forked grandchild's own device
 * runs kc_loop(3) and exits without DISABLE (batch 2: what it added).
 * This process exits enabled and adds nothing new: no third batch.
 */
static int child_record(void)
{
	unsigned long *area;
	int fd, gfd, status;
	pid_t pid;

	area = enable(&fd);
	kc_branch(1);
	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	kc_branch(20);
	kcov_sim_ioctl(fd, KCOV_DISABLE, 0);
	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	if (kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
		return 2;
	kc_branch(20);
	pid = fork();
	if (pid == 0) {
		enable(&gfd);
		loop3();
		exit(0);	/* no DISABLE: recorded at exit */
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
		return 3;
	return 0;		/* no DISABLE either */
}

/* Run this binary with @args and @env added; its stdout into @buf. */
static int spawn_self(const char *const *args, const char *env, char *buf, size_t len)
{
	char *argv[8], *envp[256];
	int pipefd[2], status, i, n = 0;
	posix_spawn_file_actions_t fa;
	ssize_t got;
	size_t used = 0;
	pid_t pid;

	argv[0] = "/proc/self/exe";
	for (i = 0; args[i]; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	for (i = 0; environ[i] && n < 250; i++)
		if (strncmp(environ[i], "KCOV_SIM_", 9))
			envp[n++] = environ[i];
	if (env)
		envp[n++] = (char *)env;
	envp[n] = NULL;
	assert_int_equal(pipe(pipefd), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addclose(&fa, pipefd[0]);
	assert_int_equal(posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, envp), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	while (used + 1 < len && (got = read(pipefd[0], buf + used, len - used - 1)) > 0)
		used += (size_t)got;
	buf[used] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Parse the PC lines of a child's output. */
static size_t parse_pcs(const char *text, uint64_t *pcs, uint64_t *anchor)
{
	size_t n = 0;
	const char *p = text;
	unsigned long long v;

	while (*p && n < MAX_PCS) {
		if (sscanf(p, "raw-anchor %llx", &v) == 1)
			*anchor = v;
		else if (sscanf(p, "%llx", &v) == 1)
			pcs[n++] = v;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return n;
}

/* ---- tests ------------------------------------------------------------------ */

/* sim.h: the mode is set and read back; unknown modes are -EINVAL. */
static void test_pc_mode_set_get(void **state)
{
	(void)state;
	assert_int_equal(kcov_sim_get_pc_mode(), KCOV_SIM_PC_RAW);
	assert_int_equal(kcov_sim_set_pc_mode(KCOV_SIM_PC_KERNEL), 0);
	assert_int_equal(kcov_sim_get_pc_mode(), KCOV_SIM_PC_KERNEL);
	assert_int_equal(kcov_sim_set_pc_mode((enum kcov_sim_pc_mode)3), -EINVAL);
	assert_int_equal(kcov_sim_get_pc_mode(), KCOV_SIM_PC_KERNEL);
	assert_int_equal(kcov_sim_set_pc_mode(KCOV_SIM_PC_RAW), 0);
	assert_int_equal(kcov_sim_get_pc_mode(), KCOV_SIM_PC_RAW);
}

/* sim.h: KCOV_SIM_PC_MODE selects the mode at load time; junk keeps raw. */
static void test_pc_mode_from_environment(void **state)
{
	static const char *const args[] = { "--child-mode", NULL };
	char out[64];

	(void)state;
	assert_int_equal(spawn_self(args, "KCOV_SIM_PC_MODE=kernel", out, sizeof(out)), 0);
	assert_int_equal(atoi(out), KCOV_SIM_PC_KERNEL);
	assert_int_equal(spawn_self(args, "KCOV_SIM_PC_MODE=module", out, sizeof(out)), 0);
	assert_int_equal(atoi(out), KCOV_SIM_PC_MODULE);
	assert_int_equal(spawn_self(args, "KCOV_SIM_PC_MODE=bogus", out, sizeof(out)), 0);
	assert_int_equal(atoi(out), KCOV_SIM_PC_RAW);
}

/* DESIGN 9: module-relative PCs are the same in every run (two children
 * and this process, each at its own ASLR base). */
static void test_pc_module_same_across_runs(void **state)
{
	static const char *const args[] = { "--child-pcs", "1", NULL };
	uint64_t a[MAX_PCS], b[MAX_PCS], self[MAX_PCS], anchor_a = 0, anchor_b = 0;
	static char out_a[16384], out_b[16384];
	size_t na, nb, ns, i;

	(void)state;
	assert_int_equal(spawn_self(args, NULL, out_a, sizeof(out_a)), 0);
	assert_int_equal(spawn_self(args, NULL, out_b, sizeof(out_b)), 0);
	na = parse_pcs(out_a, a, &anchor_a);
	nb = parse_pcs(out_b, b, &anchor_b);
	ns = collect(KCOV_SIM_PC_MODULE, workload, self);
	assert_true(na > 3);
	assert_int_equal(na, nb);
	assert_int_equal(na, ns);
	for (i = 0; i < na; i++) {
		assert_true(a[i] >> 63);	/* module form, not an address */
		assert_true(a[i] < KCOV_SIM_PC_KERNEL_BASE);
		assert_int_equal(a[i], b[i]);
		assert_int_equal(a[i], self[i]);
	}
	/* The raw anchors say whether ASLR moved the binary; either way the
	 * module values above had to match. */
	if (anchor_a == anchor_b)
		print_message("note: ASLR is off, both children loaded at %#llx\n",
			      (unsigned long long)anchor_a);
}

/* DESIGN 9: kernel-range PCs all lie in the x86-64 kernel text window and
 * stand for the same code as the module-relative ones. */
static void test_pc_kernel_range_in_window(void **state)
{
	uint64_t k[MAX_PCS], m[MAX_PCS];
	struct kcov_sim_pc_loc loc;
	size_t nk, nm, i;

	(void)state;
	nk = collect(KCOV_SIM_PC_KERNEL, workload, k);
	nm = collect(KCOV_SIM_PC_MODULE, workload, m);
	assert_true(nk > 3);
	assert_int_equal(nk, nm);
	for (i = 0; i < nk; i++) {
		assert_true(k[i] >= 0xffffffff80000000ull);
		assert_true(k[i] < 0xffffffffff000000ull);
		assert_true(k[i] < KCOV_SIM_PC_KERNEL_UNKNOWN);
		assert_int_equal(kcov_sim_pc_decode(k[i], &loc), 0);
		assert_int_equal(loc.form, KCOV_SIM_PC_KERNEL);
		assert_int_equal(loc.module_pc, m[i]);
		assert_true(loc.kernel_slot >= 0);
	}
}

/* sim.h: decode(raw) and decode(module) give the same module, offset and
 * run-time address; the module is this executable. */
static void test_pc_decode_round_trip(void **state)
{
	uint64_t r[MAX_PCS], m[MAX_PCS];
	struct kcov_sim_pc_loc lr, lm;
	char exe[PATH_MAX], real[PATH_MAX];
	size_t nr, nm, i;
	ssize_t len;

	(void)state;
	nr = collect(KCOV_SIM_PC_RAW, workload, r);
	nm = collect(KCOV_SIM_PC_MODULE, workload, m);
	assert_true(nr > 3);
	assert_int_equal(nr, nm);
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(len > 0);
	exe[len] = '\0';
	for (i = 0; i < nr; i++) {
		assert_int_equal(kcov_sim_pc_decode(r[i], &lr), 0);
		assert_int_equal(kcov_sim_pc_decode(m[i], &lm), 0);
		assert_int_equal(lr.form, KCOV_SIM_PC_RAW);
		assert_int_equal(lm.form, KCOV_SIM_PC_MODULE);
		assert_int_equal(lr.addr, r[i]);
		assert_int_equal(lm.addr, r[i]);
		assert_int_equal(lr.module_pc, m[i]);
		assert_int_equal(lr.offset, KCOV_SIM_PC_MODULE_OFF(m[i]));
		assert_int_equal(lr.module_id, KCOV_SIM_PC_MODULE_ID(m[i]));
		assert_non_null(realpath(lr.path, real));
		assert_string_equal(real, exe);
	}
	/* The PCs of kc_branch lie after its entry, in this module. */
	assert_int_equal(kcov_sim_pc_decode((uintptr_t)kc_branch, &lr), 0);
	assert_true(lm.module_id == lr.module_id);
	assert_true(KCOV_SIM_PC_MODULE_OFF(m[0]) > lr.offset);
}

/* sim.h: values in none of the forms, or of no module, do not decode. */
static void test_pc_decode_rejects(void **state)
{
	struct kcov_sim_pc_loc loc;

	(void)state;
	assert_int_equal(kcov_sim_pc_decode(0x10, &loc), -ENOENT);
	assert_int_equal(kcov_sim_pc_decode(KCOV_SIM_PC_MODULE_PC(0x80000001u, 0x10), &loc),
			 -ENOENT);
	assert_int_equal(kcov_sim_pc_decode(0xffffffff00001234ull, &loc), -EINVAL);
	assert_int_equal(kcov_sim_pc_decode(KCOV_SIM_PC_KERNEL_END, &loc), -EINVAL);
	assert_int_equal(kcov_sim_pc_decode(KCOV_SIM_PC_KERNEL_UNKNOWN + 5, &loc), -ENOENT);
	assert_int_equal(kcov_sim_pc_decode((uintptr_t)kc_branch, NULL), -EFAULT);
}

#if defined(__x86_64__)
static void *jit_page;

/* A hook called from code in an anonymous executable mapping (JIT-like):
 * sub $8, %rsp (ABI alignment); movabs $__sanitizer_cov_trace_pc, %rax;
 * call *%rax; add $8, %rsp; ret */
static void jit_call(void)
{
	((void (*)(void))jit_page)();
}

/* DESIGN 9: a PC outside every module neither crashes nor decodes: module
 * mode keeps the raw address, kernel mode maps it to the unknown region. */
static void test_pc_outside_any_module(void **state)
{
	uint64_t pcs[MAX_PCS], fn = (uintptr_t)__sanitizer_cov_trace_pc, ret_ip;
	struct kcov_sim_pc_loc loc;
	unsigned char *code;

	(void)state;
	jit_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (jit_page == MAP_FAILED)
		skip();
	code = jit_page;
	memcpy(code, "\x48\x83\xec\x08\x48\xb8", 6);	/* sub $8,%rsp; movabs */
	memcpy(code + 6, &fn, 8);
	memcpy(code + 14, "\xff\xd0\x48\x83\xc4\x08\xc3", 7);	/* call; add $8; ret */
	ret_ip = (uintptr_t)jit_page + 16;
	assert_int_equal(collect(KCOV_SIM_PC_MODULE, jit_call, pcs), 1);
	assert_int_equal(pcs[0], ret_ip);
	assert_int_equal(kcov_sim_pc_decode(pcs[0], &loc), -ENOENT);
	assert_int_equal(collect(KCOV_SIM_PC_KERNEL, jit_call, pcs), 1);
	assert_int_equal(pcs[0], KCOV_SIM_PC_KERNEL_UNKNOWN | (ret_ip & 0xffffff));
	assert_int_equal(kcov_sim_pc_decode(pcs[0], &loc), -ENOENT);
	munmap(jit_page, 4096);
}
#else
static void test_pc_outside_any_module(void **state)
{
	(void)state;
	skip();
}
#endif

/* pc.c: an object dlopen'ed after the table was built is found on a miss. */
static void test_pc_decode_after_dlopen(void **state)
{
	static const char *const libs[] = { "libbsd.so.0", "libz.so.1", "libm.so.6" };
	struct kcov_sim_pc_loc loc;
	void *h = NULL, *sym = NULL;
	size_t i;

	(void)state;
	assert_int_equal(kcov_sim_set_pc_mode(KCOV_SIM_PC_MODULE), 0);	/* builds it */
	assert_int_equal(kcov_sim_set_pc_mode(KCOV_SIM_PC_RAW), 0);
	for (i = 0; i < sizeof(libs) / sizeof(libs[0]) && !sym; i++) {
		h = dlopen(libs[i], RTLD_NOW | RTLD_NOLOAD);
		if (h) {		/* already there: not new */
			dlclose(h);
			continue;
		}
		h = dlopen(libs[i], RTLD_NOW);
		sym = h ? dlsym(h, i == 0 ? "strlcpy" : i == 1 ? "crc32" : "cos") : NULL;
	}
	if (!sym)
		skip();
	assert_int_equal(kcov_sim_pc_decode((uintptr_t)sym, &loc), 0);
	assert_non_null(strstr(loc.path, libs[i - 1]));
	assert_int_equal(loc.addr, (uintptr_t)sym);
	dlclose(h);
}

/* sim.h: the module map names this executable with its id. */
static void test_pc_map_write(void **state)
{
	struct kcov_sim_pc_loc loc;
	char buf[65536], want[32];
	int fds[2];
	ssize_t n;

	(void)state;
	assert_int_equal(kcov_sim_pc_decode((uintptr_t)kc_branch, &loc), 0);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(kcov_sim_pc_map_write(fds[1]), 0);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	snprintf(want, sizeof(want), "#kcov-sim module %08x ", loc.module_id);
	assert_non_null(strstr(buf, want));
}

/* Count the lines starting with @prefix. */
static int count_lines(const char *text, const char *prefix)
{
	int n = 0;
	const char *p = text;

	while (p && *p) {
		n += !strncmp(p, prefix, strlen(prefix));
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return n;
}

/* PCs of batch @k (0-based) of a record file. */
static size_t batch_pcs(const char *text, int k, uint64_t *pcs)
{
	const char *p = text;
	unsigned long long v;
	size_t n = 0;
	int b = -1;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, "#kcov-sim batch", 15))
			b++;
		else if (b == k && *p != '#' && sscanf(p, "%llx", &v) == 1)
			pcs[n++] = v;
	}
	return n;
}

static void branch1(void)
{
	kc_branch(1);
}

static void branch20(void)
{
	kc_branch(20);
}

/* Whether @pc is one of @set[0..n). */
static bool in_set(uint64_t pc, const uint64_t *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == pc)
			return true;
	return false;
}

/* @got[0..n) holds each PC of @want[0..m) once, and nothing else. */
static void assert_same_set(const uint64_t *got, size_t n,
			    const uint64_t *want, size_t m)
{
	size_t i, distinct = 0;

	for (i = 0; i < n; i++) {
		assert_true(in_set(got[i], want, m));
		assert_false(in_set(got[i], got, i));	/* once per batch */
	}
	for (i = 0; i < m; i++)
		distinct += !in_set(want[i], want, i);
	assert_int_equal(n, distinct);
}

/*
 * record.c: KCOV_SIM_RECORD keeps every PC the run reached, across
 * resets of the counter and across devices and processes, each once per
 * batch, in module form; a batch per detach, and at exit what is new.
 */
static void test_record_whole_run(void **state)
{
	static const char *const args[] = { "--child-record", NULL };
	char path[] = "/tmp/kcov-sim-pc-test-XXXXXX", env[64], text[65536], out[64];
	uint64_t got[MAX_PCS], want[2 * MAX_PCS], loop[MAX_PCS], fresh[MAX_PCS];
	struct kcov_sim_pc_loc loc;
	size_t n, m, k, i;
	ssize_t len;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	snprintf(env, sizeof(env), "KCOV_SIM_RECORD=%s", path);
	assert_int_equal(spawn_self(args, env, out, sizeof(out)), 0);
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	unlink(path);
	assert_true(len > 0);
	text[len] = '\0';
	assert_int_equal(count_lines(text, "#kcov-sim batch"), 2);
	assert_int_equal(kcov_sim_pc_decode((uintptr_t)kc_branch, &loc), 0);
	snprintf(out, sizeof(out), "#kcov-sim module %08x ", loc.module_id);
	assert_int_equal(count_lines(text, out), 2);

	/* Batch 1: both inputs, the reset between them notwithstanding. */
	m = collect(KCOV_SIM_PC_MODULE, branch1, want);
	m += collect(KCOV_SIM_PC_MODULE, branch20, want + m);
	n = batch_pcs(text, 0, got);
	assert_same_set(got, n, want, m);
	/* Batch 2: the grandchild's PCs that batch 1 did not have. */
	k = collect(KCOV_SIM_PC_MODULE, loop3, loop);
	for (i = 0, n = 0; i < k; i++)
		if (!in_set(loop[i], want, m))
			fresh[n++] = loop[i];
	assert_true(n > 0);
	m = batch_pcs(text, 1, got);
	assert_same_set(got, m, fresh, n);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pc_mode_set_get),
		cmocka_unit_test(test_pc_mode_from_environment),
		cmocka_unit_test(test_pc_module_same_across_runs),
		cmocka_unit_test(test_pc_kernel_range_in_window),
		cmocka_unit_test(test_pc_decode_round_trip),
		cmocka_unit_test(test_pc_decode_rejects),
		cmocka_unit_test(test_pc_outside_any_module),
		cmocka_unit_test(test_pc_decode_after_dlopen),
		cmocka_unit_test(test_pc_map_write),
		cmocka_unit_test(test_record_whole_run),
	};

	if (argc > 2 && !strcmp(argv[1], "--child-pcs"))
		return child_pcs(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "--child-mode"))
		return child_mode();
	if (argc > 1 && !strcmp(argv[1], "--child-record"))
		return child_record();
	return cmocka_run_group_tests_name("pc modes and recording", tests, NULL, NULL);
}
