/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/task.c: the fake task's fields, simulated contexts and
 * their nesting, WARNs on unbalanced exits, thread exit as kcov_task_exit()
 * and the fresh task of new threads and forked children.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define WORDS		512ul
#define LEN		(WORDS * sizeof(unsigned long))
/* Task and device mode values (enum kcov_mode, sim.h) */

static void assert_fresh_task(const struct kcov_sim_task_info *ti)
{
	assert_int_equal(ti->kcov_mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(ti->kcov_size, 0);
	assert_int_equal(ti->attached, 0);
	assert_int_equal(ti->kcov_softirq, 0);
	assert_int_equal(ti->in_task, 1);
}

static long task_info_body(void *arg)
{
	kcov_sim_task_info(arg);
	return 0;
}

/* A new thread's task: everything off, in task context, no handle. */
static void test_task_info_new_thread(void **state)
{
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	(void)state;
	memset(&ti, 0xff, sizeof(ti));
	ti.sz = sizeof(ti);
	t_in_thread(task_info_body, &ti);
	assert_fresh_task(&ti);
	assert_int_equal(ti.kcov_handle, 0);
}

/* ENABLE publishes mode and size into the task, DISABLE clears them. */
static void test_task_info_enable_disable(void **state)
{
	int fd = t_fd(state);
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, WORDS), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	kcov_sim_task_info(&ti);
	assert_int_equal(ti.kcov_mode, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(ti.kcov_size, WORDS);
	assert_int_equal(ti.attached, 1);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	kcov_sim_task_info(&ti);
	assert_fresh_task(&ti);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), 0);
	kcov_sim_task_info(&ti);
	assert_int_equal(ti.kcov_mode, KCOV_SIM_MODE_TRACE_CMP);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	kcov_sim_task_info(&ti);
	assert_fresh_task(&ti);
}

/* The context switch bit is OR-ed into the mode and cleared again. */
static void test_ctxsw_bit_in_mode(void **state)
{
	int fd = t_fd(state);
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	kcov_sim_ctxsw_begin();
	kcov_sim_task_info(&ti);
	assert_int_equal(ti.kcov_mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(ti.in_ctxsw, 1);
	kcov_sim_ctxsw_end();
	kcov_sim_task_info(&ti);
	assert_int_equal(ti.kcov_mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(ti.in_ctxsw, 0);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, WORDS), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	kcov_prepare_switch(NULL);
	kcov_sim_task_info(&ti);
	assert_int_equal(ti.kcov_mode, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(ti.in_ctxsw, 1);
	assert_int_equal(ti.attached, 1);
	kcov_finish_switch(NULL);
	kcov_sim_task_info(&ti);
	assert_int_equal(ti.kcov_mode, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* Context queries as a bitmask: task, softirq, hardirq, nmi. */
static unsigned int ctx(void)
{
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	kcov_sim_task_info(&ti);
	/* Both spellings agree: sim API and the kernel.h macros. */
	assert_int_equal(ti.in_task, kcov_sim_in_task());
	assert_int_equal(in_task(), kcov_sim_in_task());
	assert_int_equal(in_serving_softirq(), kcov_sim_in_serving_softirq());
	assert_int_equal(in_hardirq(), kcov_sim_in_hardirq());
	assert_int_equal(in_nmi(), kcov_sim_in_nmi());
	return (kcov_sim_in_task() ? 1 : 0) |
	       (kcov_sim_in_serving_softirq() ? 2 : 0) |
	       (kcov_sim_in_hardirq() ? 4 : 0) | (kcov_sim_in_nmi() ? 8 : 0);
}

/* Each context alone, entered and left. */
static void test_ctx_single(void **state)
{
	(void)state;
	assert_int_equal(ctx(), 1);
	kcov_sim_softirq_enter();
	assert_int_equal(ctx(), 2);
	kcov_sim_softirq_exit();
	kcov_sim_hardirq_enter();
	assert_int_equal(ctx(), 4);
	kcov_sim_hardirq_exit();
	kcov_sim_nmi_enter();
	assert_int_equal(ctx(), 8);
	kcov_sim_nmi_exit();
	assert_int_equal(ctx(), 1);
}

/* Softirq inside hardirq, NMI inside both: every level is counted. */
static void test_ctx_nesting(void **state)
{
	(void)state;
	kcov_sim_hardirq_enter();
	kcov_sim_softirq_enter();
	assert_int_equal(ctx(), 2 | 4);
	kcov_sim_nmi_enter();
	kcov_sim_nmi_enter();
	assert_int_equal(ctx(), 2 | 4 | 8);
	kcov_sim_nmi_exit();
	assert_int_equal(ctx(), 2 | 4 | 8);	/* one NMI level left */
	kcov_sim_nmi_exit();
	assert_int_equal(ctx(), 2 | 4);
	kcov_sim_softirq_exit();
	assert_int_equal(ctx(), 4);
	kcov_sim_hardirq_exit();
	assert_int_equal(ctx(), 1);
}

/* Ten levels of the same context unwind one by one. */
static void test_ctx_deep_nesting(void **state)
{
	(void)state;
	for (int i = 0; i < 10; i++)
		kcov_sim_hardirq_enter();
	for (int i = 0; i < 9; i++) {
		kcov_sim_hardirq_exit();
		assert_int_equal(ctx(), 4);
	}
	kcov_sim_hardirq_exit();
	assert_int_equal(ctx(), 1);
}

/* local_bh_disable() keeps the thread in task context. */
static void test_bh_disable_stays_task(void **state)
{
	(void)state;
	kcov_sim_bh_disable();
	kcov_sim_bh_disable();
	assert_int_equal(ctx(), 1);
	kcov_sim_bh_enable();
	kcov_sim_bh_enable();
	assert_int_equal(ctx(), 1);
}

/* An exit without its enter WARNs and changes nothing (no underflow). */
static void test_ctx_exit_without_enter_warns(void **state)
{
	(void)state;
	t_warn_expect(1);
	kcov_sim_softirq_exit();
	assert_non_null(strstr(t_warn_last(), "softirq exit without enter"));
	t_warn_expect(1);
	kcov_sim_hardirq_exit();
	assert_non_null(strstr(t_warn_last(), "hardirq exit without enter"));
	t_warn_expect(1);
	kcov_sim_nmi_exit();
	assert_non_null(strstr(t_warn_last(), "nmi exit without enter"));
	t_warn_expect(1);
	kcov_sim_bh_enable();
	assert_int_equal(ctx(), 1);
	/* The counters did not wrap: one enter, one exit is back to task. */
	kcov_sim_hardirq_enter();
	assert_int_equal(ctx(), 4);
	kcov_sim_hardirq_exit();
	assert_int_equal(ctx(), 1);
	kcov_sim_softirq_enter();
	kcov_sim_softirq_exit();
	assert_int_equal(ctx(), 1);
}

/* The gate follows the contexts: softirq in hardirq records nothing. */
static void test_ctx_gates_hooks(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(a[0], 0);
	kcov_sim_hardirq_enter();
	kcov_sim_softirq_enter();
	t_pc_x();
	kcov_sim_softirq_exit();
	t_pc_x();
	kcov_sim_hardirq_exit();
	kcov_sim_bh_disable();
	t_pc_y();
	kcov_sim_bh_enable();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 1);
	assert_true(t_pc_is(a[1], t_pc_y));
	assert_int_equal(t_munmap(a, LEN), 0);
}

struct exiting {
	int fd;
	unsigned long mode;
	int ret;
};

static long exit_enabled_body(void *arg)
{
	struct exiting *e = arg;

	e->ret = t_ioctl(e->fd, KCOV_ENABLE, e->mode);
	return 0;		/* exits still enabled */
}

/* Thread exit detaches like DISABLE: device back to INIT, ref dropped. */
static void test_thread_exit_detaches(void **state)
{
	struct exiting e = { .fd = t_fd(state) };
	KCOV_SIM_OUT(kcov_sim_dev_info, before);
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	assert_int_equal(t_ioctl(e.fd, KCOV_INIT_TRACE, WORDS), 0);
	assert_int_equal(kcov_sim_dev_info(e.fd, &before), 0);
	for (e.mode = KCOV_TRACE_PC; e.mode <= KCOV_TRACE_CMP; e.mode++) {
		t_in_thread(exit_enabled_body, &e);
		assert_int_equal(e.ret, 0);
		assert_int_equal(kcov_sim_dev_info(e.fd, &info), 0);
		assert_int_equal(info.mode, KCOV_SIM_MODE_INIT);
		assert_int_equal(info.refcount, before.refcount);
		assert_true(info.sequence > before.sequence);
		before.sequence = info.sequence;
	}
	/* This thread can now own it. */
	assert_int_equal(t_ioctl(e.fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_int_equal(t_ioctl(e.fd, KCOV_DISABLE, 0), 0);
}

struct remote_exit {
	int fd;
	struct kcov_remote_arg *arg;
};

static long exit_remote_body(void *arg)
{
	struct remote_exit *e = arg;

	/* Exits still owning the remote device. */
	return t_ioctl(e->fd, KCOV_REMOTE_ENABLE, (unsigned long)e->arg);
}

/* A remote owner's exit unregisters its handles and detaches. */
static void test_thread_exit_detaches_remote(void **state)
{
	struct remote_exit e = { .fd = t_fd(state) };
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	KCOV_SIM_OUT(kcov_sim_pool_stats, st);

	e.arg = calloc(1, sizeof(*e.arg) + sizeof(e.arg->handles[0]));
	assert_non_null(e.arg);
	e.arg->trace_mode = KCOV_TRACE_PC;
	e.arg->area_size = 64;
	e.arg->num_handles = 1;
	e.arg->handles[0] = kcov_remote_handle(KCOV_SUBSYSTEM_USB, 0x7a5c);
	assert_int_equal(t_ioctl(e.fd, KCOV_INIT_TRACE, WORDS), 0);
	assert_int_equal(t_in_thread(exit_remote_body, &e), 0);
	free(e.arg);
	assert_int_equal(kcov_sim_dev_info(e.fd, &info), 0);
	assert_int_equal(info.mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(info.remote, 0);
	assert_int_equal(info.nr_handles, 0);
	assert_int_equal(info.refcount, 1);
	assert_int_equal(kcov_sim_pool_stats(&st), 0);
	assert_int_equal(st.handles, 0);
}

struct creator {
	struct kcov_sim_task_info self, child;
};

static long creator_body(void *arg)
{
	struct creator *c = arg;

	c->self = t_task();
	t_in_thread(task_info_body, &c->child);
	return 0;
}

/* A pthread created by an enabled thread in a hardirq starts disabled,
 * in task context. */
static void test_new_thread_starts_disabled(void **state)
{
	int fd = t_fd(state);
	struct creator c = { .child.sz = sizeof(c.child) };

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, WORDS), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), 0);
	kcov_sim_hardirq_enter();
	t_in_thread(task_info_body, &c.child);
	kcov_sim_hardirq_exit();
	assert_fresh_task(&c.child);
	/* ... and so does the thread it creates in turn. */
	t_in_thread(creator_body, &c);
	assert_fresh_task(&c.self);
	assert_fresh_task(&c.child);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* kcov_handle follows pthread_create(), collection does not (spec 3.2). */
static void test_new_thread_inherits_handle(void **state)
{
	struct kcov_remote_arg arg = { .trace_mode = KCOV_TRACE_PC,
				       .area_size = 64,
				       .common_handle = 0x42 };
	int fd = t_fd(state);
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, WORDS), 0);
	assert_int_equal(t_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)&arg), 0);
	kcov_sim_task_info(&ti);
	/* P-2025's remote owner has mode REMOTE; P-2026's keeps its own. */
	assert_int_equal(ti.kcov_mode, t_profile_split() ? KCOV_SIM_MODE_DISABLED
							 : KCOV_SIM_MODE_REMOTE);
	assert_int_equal(ti.kcov_handle, 0x42);
	t_in_thread(task_info_body, &ti);
	assert_fresh_task(&ti);
	assert_int_equal(ti.kcov_handle, 0x42);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	kcov_sim_task_info(&ti);
	assert_int_equal(ti.kcov_handle, 0);	/* P-2025: DISABLE forgets it */
}

/* The forked child's task is re-initialised: collection off, contexts
 * reset, kcov_handle kept (kcov_task_init()). */
static void test_fork_child_task_reinit(void **state)
{
	struct kcov_remote_arg arg = { .trace_mode = KCOV_TRACE_PC,
				       .area_size = 64,
				       .common_handle = 0x43 };
	int fd = t_fd(state), status;
	pid_t pid;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, WORDS), 0);
	assert_int_equal(t_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)&arg), 0);
	kcov_sim_softirq_enter();
	kcov_sim_bh_disable();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		KCOV_SIM_OUT(kcov_sim_task_info, ti);
		int code = 0;

		kcov_sim_task_info(&ti);
		code |= ti.kcov_mode != 0;
		code |= (ti.attached != 0) << 1;
		code |= (ti.kcov_handle != 0x43) << 2;
		code |= (ti.in_task != 1) << 3;
		code |= (ti.kcov_softirq != 0) << 4;
		code |= (kcov_sim_in_serving_softirq() != 0) << 5;
		_exit(code);
	}
	kcov_sim_bh_enable();
	kcov_sim_softirq_exit();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

#define FD_TEST(f) cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)
#define TEST(f) cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_task_info_new_thread),
		FD_TEST(test_task_info_enable_disable),
		FD_TEST(test_ctxsw_bit_in_mode),
		TEST(test_ctx_single),
		TEST(test_ctx_nesting),
		TEST(test_ctx_deep_nesting),
		TEST(test_bh_disable_stays_task),
		TEST(test_ctx_exit_without_enter_warns),
		FD_TEST(test_ctx_gates_hooks),
		FD_TEST(test_thread_exit_detaches),
		FD_TEST(test_thread_exit_detaches_remote),
		FD_TEST(test_new_thread_starts_disabled),
		FD_TEST(test_new_thread_inherits_handle),
		FD_TEST(test_fork_child_task_reinit),
	};

	return cmocka_run_group_tests_name("task", tests, NULL, NULL);
}
