/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/remote.c: handle validation (spec 5.1), the handle
 * table, kcov_move_area() (5.9), the section buffer pool (5.6), area_size
 * edge cases, and every WARN of 3.3/5.5/5.8/5.12. "kthreads" are plain
 * threads; they record, the main thread asserts.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "helpers.h"

/*
 * USB handles of the running test: one that fails half-way may leave its
 * registrations behind, and the next test must not trip over them.
 */

static int ren1(int fd, uint32_t mode, uint32_t area_size, uint64_t handle)
{
	return t_ren(fd, mode, area_size, 0, &handle, 1);
}

/* ---- a kthread running one section ------------------------------------- */

/* One section with the given sites on a fresh thread. */
static struct t_kthread section_run(uint64_t handle, const t_site_fn *sites,
				    int n)
{
	struct t_kthread k = { .handle = handle, .nr_sites = n, .fd = -1 };

	assert_true(n <= T_KTHREAD_SITES);
	if (n)
		memcpy(k.sites, sites, (size_t)n * sizeof(*sites));
	t_kthread_run(&k);
	return k;
}

#define SECTION(h, ...) section_run((h), (t_site_fn[]){ __VA_ARGS__ },	\
	sizeof((t_site_fn[]){ __VA_ARGS__ }) / sizeof(t_site_fn))

/* n CMP records (arg1 = index in the section, arg2 = 0xc0). */
static struct t_kthread cmp_section(uint64_t handle, int n)
{
	t_site_fn sites[T_KTHREAD_SITES];

	for (int i = 0; i < n; i++)
		sites[i] = t_cmp_step;
	return section_run(handle, sites, n);
}

/* ---- handle validation (spec 5.1) -------------------------------------- */

struct handle_case {
	uint64_t	h;
	int		global_ok;	/* handles[i] of REMOTE_ENABLE */
	int		common_ok;	/* common_handle of REMOTE_ENABLE */
	int		start_ok;	/* kcov_remote_start(): else WARN */
};

static const struct handle_case handle_cases[] = {
	{ 0, 0, 1, 1 },				/* zero: "none" as common */
	{ 0x42, 0, 1, 1 },
	{ 0xffffffffull, 0, 1, 1 },
	{ KCOV_SUBSYSTEM_USB, 1, 0, 1 },		/* USB instance 0 */
	{ KCOV_SUBSYSTEM_USB | 1, 1, 0, 1 },
	{ KCOV_SUBSYSTEM_USB | 0xffffffffull, 1, 0, 1 },
	{ 1ull << 32, 0, 0, 0 },			/* reserved bits 32-55 */
	{ (1ull << 55) | 1, 0, 0, 0 },
	{ KCOV_SUBSYSTEM_USB | (1ull << 40), 0, 0, 0 },
	{ 0x02ull << 56, 0, 0, 0 },			/* unknown subsystems */
	{ (0x02ull << 56) | 1, 0, 0, 0 },
	{ (0xffull << 56) | 1, 0, 0, 0 },
};

static long start_stop_main(void *p)
{
	kcov_remote_start(*(uint64_t *)p);
	kcov_remote_stop();
	return 0;
}

/* Spec 5.1: each caller's verdict on each kind of handle. */
static void test_check_handle_table(void **state)
{
	int fd = t_fd(state);
	unsigned long warns = kcov_sim_warn_count(), expected = 0;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	for (size_t i = 0; i < sizeof(handle_cases) / sizeof(handle_cases[0]); i++) {
		const struct handle_case *c = &handle_cases[i];
		uint64_t h = c->h;

		print_message("handle %#llx\n", (unsigned long long)h);
		if (c->global_ok) {
			assert_int_equal(ren1(fd, KCOV_TRACE_PC, 8, h), 0);
			assert_int_equal(t_dev(fd).nr_handles, 1);
			assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
		} else {
			assert_sys_err(ren1(fd, KCOV_TRACE_PC, 8, h), EINVAL);
			assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
		}
		if (c->common_ok) {
			assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 8, h, NULL, 0), 0);
			assert_int_equal(kcov_common_handle(), h);
			assert_int_equal(t_dev(fd).nr_handles, h ? 1 : 0);
			assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
		} else {
			assert_sys_err(t_ren(fd, KCOV_TRACE_PC, 8, h, NULL, 0), EINVAL);
			assert_int_equal(kcov_common_handle(), 0);
		}
		if (!c->start_ok) {
			t_warn_expect(1);
			expected++;
		}
		t_in_thread(start_stop_main, &h);
		assert_int_equal(kcov_sim_warn_count(), warns + expected);
	}
}

/* ---- handle table ------------------------------------------------------ */

struct owner {
	int			fd;
	const uint64_t		*h;
	uint32_t		n;
	pthread_barrier_t	b;
	pthread_t		id;
	int			ren, dis;
};

static void *owner_main(void *p)
{
	struct owner *o = p;

	o->ren = t_ren(o->fd, KCOV_TRACE_PC, 8, 0, o->h, o->n);
	pthread_barrier_wait(&o->b);
	pthread_barrier_wait(&o->b);
	o->dis = o->ren ? 0 : t_ioctl(o->fd, KCOV_DISABLE, 0);
	return NULL;
}

/* Two devices, interleaved handles: each section finds its device. */
static void test_handle_table_lookup(void **state)
{
	int fd = t_fd(state), fd2 = t_open();
	unsigned long *a = t_init_map(fd, 1024), *b;
	uint64_t even[128], odd[128];
	struct owner o = { .fd = fd2, .h = odd, .n = 128 };
	size_t base = t_pool().handles;

	assert_true(fd2 >= 0);
	b = t_init_map(fd2, 1024);
	for (int i = 0; i < 128; i++) {
		even[i] = USB(2 * i);
		odd[i] = USB(2 * i + 1);
	}
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 8, 0, even, 128), 0);
	pthread_barrier_init(&o.b, NULL, 2);
	assert_int_equal(pthread_create(&o.id, NULL, owner_main, &o), 0);
	pthread_barrier_wait(&o.b);
	assert_int_equal(o.ren, 0);
	assert_int_equal(t_pool().handles, base + 256);
	T_WRITE(a[0], 0);
	T_WRITE(b[0], 0);
	for (int i = 0; i < 256; i++)
		SECTION(USB(i), i % 2 ? t_pc_y : t_pc_x);
	assert_int_equal(T_READ(a[0]), 128);
	assert_int_equal(T_READ(b[0]), 128);
	for (int i = 1; i <= 128; i++) {
		assert_true(t_pc_is(a[i], t_pc_x));
		assert_true(t_pc_is(b[i], t_pc_y));
	}
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_pool().handles, base + 128);
	assert_int_equal(t_dev(fd2).nr_handles, 128);
	SECTION(USB(1), t_pc_z);
	assert_int_equal(T_READ(b[0]), 129);
	assert_true(t_pc_is(b[129], t_pc_z));
	pthread_barrier_wait(&o.b);
	pthread_join(o.id, NULL);
	pthread_barrier_destroy(&o.b);
	assert_int_equal(o.dis, 0);
	assert_int_equal(t_pool().handles, base);
	t_munmap(a, 8192);
	t_munmap(b, 8192);
	t_close(fd2);
}

/* ---- kcov_move_area (spec 5.9) ----------------------------------------- */

/* PC mode: room for 2 of 5 PCs keeps the first 2. */
static void test_move_area_pc_truncates(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 509);
	SECTION(HU(1), t_pc_x, t_pc_y, t_pc_z, t_pc_z, t_pc_z);
	assert_int_equal(T_READ(a[0]), 511);
	assert_true(t_pc_is(a[510], t_pc_x));
	assert_true(t_pc_is(a[511], t_pc_y));
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* PC mode: full, beyond capacity, and wrapped counters copy nothing. */
static void test_move_area_pc_no_room(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	const unsigned long counts[] = { 511, 512, 100000, ULONG_MAX };

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		T_WRITE(a[0], counts[i]);
		T_WRITE(a[511], 0x5a5a);
		SECTION(HU(1), t_pc_x);
		assert_int_equal(T_READ(a[0]), counts[i]);
		assert_int_equal(a[511], 0x5a5a);
	}
	/* An empty section changes nothing either. */
	T_WRITE(a[0], 0);
	section_run(HU(1), NULL, 0);
	assert_int_equal(T_READ(a[0]), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 5.9 CMP: 56 free bytes take 1 record + 24 uncounted bytes. */
static void test_move_area_cmp_partial(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);

	assert_int_equal(ren1(fd, KCOV_TRACE_CMP, 64, HU(1)), 0);
	T_WRITE(a[0], 126);
	cmp_section(HU(1), 2);
	assert_int_equal(T_READ(a[0]), 127);
	assert_int_equal(a[505], KCOV_CMP_SIZE(2));	/* record 127 */
	assert_int_equal(a[506], 0);
	assert_int_equal(a[507], 0xc0);
	assert_true(t_pc_is(a[508], (void (*)(void))t_cmp4_site));
	assert_int_equal(a[509], KCOV_CMP_SIZE(2));	/* 24 bytes of the next */
	assert_int_equal(a[510], 1);
	assert_int_equal(a[511], 0xc0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* CMP mode: a count beyond capacity copies nothing, not even a partial. */
static void test_move_area_cmp_no_room(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);

	assert_int_equal(ren1(fd, KCOV_TRACE_CMP, 64, HU(1)), 0);
	T_WRITE(a[0], 128);
	for (int i = 505; i < 512; i++)
		T_WRITE(a[i], 0x77);
	cmp_section(HU(1), 1);
	assert_int_equal(T_READ(a[0]), 128);
	for (int i = 505; i < 512; i++)
		assert_int_equal(a[i], 0x77);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 5.9 CMP: room for exactly 2 records: a third is dropped whole. */
static void test_move_area_cmp_exact_fit(void **state)
{
	int fd = t_fd(state);
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 9), 0);
	assert_int_equal(ren1(fd, KCOV_TRACE_CMP, 64, HU(1)), 0);
	info = t_dev(fd);
	T_WRITE(info.area[0], 0);
	cmp_section(HU(1), 3);
	assert_int_equal(T_READ(info.area[0]), 2);
	assert_int_equal(info.area[2], 0);	/* arg1 of record 1 */
	assert_int_equal(info.area[6], 1);	/* arg1 of record 2 */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* ---- the pool (spec 5.6) ----------------------------------------------- */

/* 5.6: reuse by exact size only; stale pooled data never copied. */
static void test_pool_exact_size_and_stale_data(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	KCOV_SIM_OUT(kcov_sim_pool_stats, s0);
	KCOV_SIM_OUT(kcov_sim_pool_stats, s1);
	KCOV_SIM_OUT(kcov_sim_pool_stats, s2);
	KCOV_SIM_OUT(kcov_sim_pool_stats, s3);

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 777, HU(1)), 0);
	T_WRITE(a[0], 0);
	s0 = t_pool();
	SECTION(HU(1), t_pc_x, t_pc_x, t_pc_x, t_pc_x, t_pc_x);
	SECTION(HU(1), t_pc_y);
	s1 = t_pool();
	assert_int_equal(s1.allocs, s0.allocs + 1);
	assert_int_equal(s1.reuses, s0.reuses + 1);
	assert_int_equal(T_READ(a[0]), 6);
	assert_true(t_pc_is(a[6], t_pc_y));
	assert_int_equal(a[7], 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);

	/* 776 words: the pooled 777-word buffer is big enough, but not exact. */
	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 776, HU(1)), 0);
	SECTION(HU(1), t_pc_z);
	s2 = t_pool();
	assert_int_equal(s2.allocs, s1.allocs + 1);
	assert_int_equal(s2.reuses, s1.reuses);
	assert_int_equal(s2.pooled, s1.pooled + 1);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 777, HU(1)), 0);
	SECTION(HU(1), t_pc_z);
	s3 = t_pool();
	assert_int_equal(s3.allocs, s2.allocs);
	assert_int_equal(s3.reuses, s2.reuses + 1);
	assert_int_equal(T_READ(a[0]), 8);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* ---- area_size edge cases (spec 5.6) ----------------------------------- */

/* 5.6: area_size 0 starts nothing; 1, 2, 3 hold 0, 1, 2 PCs. */
static void test_area_size_pc_edges(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	const unsigned long want[] = { 0, 0, 1, 2 };
	KCOV_SIM_OUT(kcov_sim_pool_stats, s0);
	struct t_kthread k;

	for (uint32_t size = 0; size < 4; size++) {
		assert_int_equal(ren1(fd, KCOV_TRACE_PC, size, HU(1)), 0);
		T_WRITE(a[0], 0);
		s0 = t_pool();
		k = SECTION(HU(1), t_pc_x, t_pc_y, t_pc_z);
		assert_int_equal(k.mode_in, size ? KCOV_SIM_MODE_TRACE_PC : KCOV_SIM_MODE_DISABLED);
		assert_int_equal(k.size_in, size);
		assert_int_equal(T_READ(a[0]), want[size]);
		if (want[size] > 0)
			assert_true(t_pc_is(a[1], t_pc_x));
		if (want[size] > 1)
			assert_true(t_pc_is(a[2], t_pc_y));
		if (!size) {
			assert_int_equal(t_pool().allocs, s0.allocs);
			assert_int_equal(t_pool().reuses, s0.reuses);
		}
		assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	}
	t_munmap(a, 4096);
}

/* CMP sections of 4, 5 and 9 words hold 0, 1 and 2 records. */
static void test_area_size_cmp_edges(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	const uint32_t sizes[] = { 4, 5, 8, 9 };
	const unsigned long want[] = { 0, 1, 1, 2 };

	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(ren1(fd, KCOV_TRACE_CMP, sizes[i], HU(1)), 0);
		T_WRITE(a[0], 0);
		cmp_section(HU(1), 3);
		assert_int_equal(T_READ(a[0]), want[i]);
		assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	}
	t_munmap(a, 4096);
}

/* ---- contexts ------------------------------------------------------------ */

struct ctx_probe {
	uint64_t	h_hardirq, h_nmi, h_softirq, h_task;
	enum kcov_sim_mode	mode_hardirq, mode_nmi;
};

static long ctx_probe_main(void *p)
{
	struct ctx_probe *cp = p;
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	cp->h_task = kcov_common_handle();
	kcov_sim_hardirq_enter();
	cp->h_hardirq = kcov_common_handle();
	kcov_remote_start(HU(1));
	kcov_sim_task_info(&ti);
	cp->mode_hardirq = ti.kcov_mode;
	t_pc_x();
	kcov_remote_stop();
	kcov_sim_hardirq_exit();
	kcov_sim_nmi_enter();
	cp->h_nmi = kcov_common_handle();
	kcov_remote_start(HU(1));
	kcov_sim_task_info(&ti);
	cp->mode_nmi = ti.kcov_mode;
	kcov_remote_stop();
	kcov_sim_nmi_exit();
	kcov_sim_softirq_enter();
	cp->h_softirq = kcov_common_handle();
	kcov_sim_softirq_exit();
	return 0;
}

/* 5.4, 5.5 #2: hardirq/NMI: no section, no WARN, no common handle. */
static void test_irq_contexts_ignored(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	uint64_t h = HU(1);
	struct ctx_probe cp;

	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0x6789, &h, 1), 0);
	T_WRITE(a[0], 0);
	t_in_thread(ctx_probe_main, &cp);
	assert_int_equal(cp.h_task, 0x6789);
	assert_int_equal(cp.h_hardirq, 0);
	assert_int_equal(cp.h_nmi, 0);
	assert_int_equal(cp.h_softirq, 0);
	assert_int_equal(cp.mode_hardirq, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(cp.mode_nmi, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(T_READ(a[0]), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* ---- WARNs (spec 3.3, 5.5, 5.8, 5.12) ---------------------------------- */

static long nested_start_main(void *p)
{
	unsigned int *mode_after_inner = p;
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	kcov_remote_start(HU(1));
	t_pc_x();
	kcov_remote_start(HU(1));
	kcov_sim_task_info(&ti);
	*mode_after_inner = ti.kcov_mode;
	t_pc_y();
	kcov_remote_stop();
	return 0;
}

/* 5.5 #4: a nested start in a task section WARNs once and changes nothing. */
static void test_warn_nested_task_start(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	unsigned long warns = kcov_sim_warn_count();
	unsigned int mode = 0;

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	t_warn_expect(1);
	t_in_thread(nested_start_main, &mode);
	assert_int_equal(kcov_sim_warn_count(), warns + 1);
	assert_int_equal(mode, KCOV_SIM_MODE_TRACE_PC);
	assert_int_equal(T_READ(a[0]), 2);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 5.12 #1: start and stop over local coverage WARN; coverage intact. */
static void test_warn_start_with_local_coverage(void **state)
{
	int fd = t_fd(state), r = t_open();
	unsigned long *l = t_init_map(fd, 512), *ra;
	unsigned long warns = kcov_sim_warn_count();
	struct owner o = { .fd = r, .n = 1 };
	uint64_t h = HU(1);

	assert_true(r >= 0);
	ra = t_init_map(r, 512);
	o.h = &h;
	pthread_barrier_init(&o.b, NULL, 2);
	assert_int_equal(pthread_create(&o.id, NULL, owner_main, &o), 0);
	pthread_barrier_wait(&o.b);
	assert_int_equal(o.ren, 0);
	T_WRITE(ra[0], 0);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(l[0], 0);
	t_warn_expect(1);
	kcov_remote_start(HU(1));
	assert_int_equal(kcov_sim_warn_count(), warns + 1);
	assert_int_equal(t_task().kcov_mode, KCOV_SIM_MODE_TRACE_PC);
	t_pc_x();
	t_warn_expect(1);
	kcov_remote_stop();
	assert_int_equal(kcov_sim_warn_count(), warns + 2);
	assert_int_equal(t_task().kcov_mode, KCOV_SIM_MODE_TRACE_PC);
	t_pc_y();
	assert_int_equal(T_READ(l[0]), 2);
	assert_true(t_pc_is(l[1], t_pc_x));
	assert_true(t_pc_is(l[2], t_pc_y));
	assert_int_equal(T_READ(ra[0]), 0);
	assert_int_equal(t_pool().sections, 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);

	pthread_barrier_wait(&o.b);
	pthread_join(o.id, NULL);
	pthread_barrier_destroy(&o.b);
	assert_int_equal(o.dis, 0);
	t_munmap(ra, 4096);
	t_munmap(l, 4096);
	t_close(r);
}

/* 5.12 #4: stop without start over local coverage: WARN, no damage. */
static void test_warn_stop_without_start(void **state)
{
	int fd = t_fd(state);
	unsigned long *l = t_init_map(fd, 512);
	unsigned long warns = kcov_sim_warn_count();
	struct kcov_sim_pool_stats s0 = t_pool();

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(l[0], 0);
	t_pc_x();
	t_warn_expect(1);
	kcov_remote_stop();
	assert_int_equal(kcov_sim_warn_count(), warns + 1);
	assert_int_equal(t_task().kcov_mode, KCOV_SIM_MODE_TRACE_PC);
	t_pc_y();
	assert_int_equal(T_READ(l[0]), 2);
	assert_int_equal(t_pool().pooled, s0.pooled);	/* not pushed to the pool */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(l, 4096);
}

/* 5.5 #4 [P-2025]: the remote owner itself cannot start a section. */
static void test_warn_owner_starts_section(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	unsigned long warns = kcov_sim_warn_count();

	t_profile_only("P-2025", "linux-6.1", "linux-6.12", NULL);
	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	t_warn_expect(2);
	kcov_remote_start(HU(1));
	t_pc_x();
	kcov_remote_stop();	/* the owner's mode is not a section's */
	assert_int_equal(kcov_sim_warn_count(), warns + 2);
	assert_int_equal(t_task().kcov_mode, KCOV_SIM_MODE_REMOTE);
	assert_int_equal(T_READ(a[0]), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

/* 5.5 #1: an invalid handle WARNs even when nothing is registered. */
static void test_warn_invalid_handle(void **state)
{
	unsigned long warns = kcov_sim_warn_count();
	uint64_t h = (0x03ull << 56) | 5;

	(void)state;
	t_warn_expect(1);
	t_in_thread(start_stop_main, &h);
	assert_int_equal(kcov_sim_warn_count(), warns + 1);
}

/* 5.5 #5: a nested start in a softirq section WARNs. */
static void test_warn_nested_softirq_start(void **state)
{
	int fd = t_fd(state), r = t_open();
	unsigned long *ra;
	unsigned long warns = kcov_sim_warn_count();
	struct owner o = { .fd = r, .n = 1 };
	uint64_t h = HU(1);

	(void)fd;
	assert_true(r >= 0);
	ra = t_init_map(r, 512);
	o.h = &h;
	pthread_barrier_init(&o.b, NULL, 2);
	assert_int_equal(pthread_create(&o.id, NULL, owner_main, &o), 0);
	pthread_barrier_wait(&o.b);
	assert_int_equal(o.ren, 0);
	T_WRITE(ra[0], 0);
	t_warn_expect(1);
	kcov_sim_softirq_enter();
	kcov_remote_start(HU(1));
	kcov_remote_start(HU(1));
	t_pc_x();
	kcov_remote_stop();
	kcov_sim_softirq_exit();
	assert_int_equal(kcov_sim_warn_count(), warns + 1);
	assert_int_equal(T_READ(ra[0]), 1);
	pthread_barrier_wait(&o.b);
	pthread_join(o.id, NULL);
	pthread_barrier_destroy(&o.b);
	t_munmap(ra, 4096);
	t_close(r);
}

/* 5.8 #5: stop in task of an open softirq section: WARN. */
static void test_warn_stop_softirq_section_from_task(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	unsigned long warns = kcov_sim_warn_count();
	KCOV_SIM_OUT(kcov_sim_task_info, mid);

	t_profile_only("P-2025", "linux-6.1", "linux-6.12", NULL);
	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	t_warn_expect(1);
	/* The owner (mode REMOTE) is what the softirq interrupts. */
	kcov_sim_softirq_enter();
	kcov_remote_start(HU(1));
	t_pc_x();
	kcov_sim_softirq_exit();
	kcov_remote_stop();
	mid = t_task();
	kcov_sim_softirq_enter();
	kcov_remote_stop();
	kcov_sim_softirq_exit();
	assert_int_equal(kcov_sim_warn_count(), warns + 1);
	assert_int_equal(mid.kcov_softirq, 1);
	assert_int_equal(t_task().kcov_softirq, 0);
	assert_int_equal(t_task().kcov_mode, KCOV_SIM_MODE_REMOTE);
	assert_int_equal(T_READ(a[0]), 1);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

static long exit_in_section_main(void *p)
{
	(void)p;
	kcov_remote_start(HU(1));
	t_pc_x();
	return 0;	/* no kcov_remote_stop() */
}

/* 3.3: exit inside a section: WARN, reference leaked, buffer pooled. */
static void test_warn_exit_inside_section(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	unsigned long warns = kcov_sim_warn_count();
	KCOV_SIM_OUT(kcov_sim_pool_stats, s0);

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	T_WRITE(a[0], 0);
	assert_int_equal(t_dev(fd).refcount, 2);
	s0 = t_pool();
	t_warn_expect(1);
	t_in_thread(exit_in_section_main, NULL);
	assert_int_equal(kcov_sim_warn_count(), warns + 1);
	assert_int_equal(t_dev(fd).refcount, 3);	/* leaked, as in the kernel */
	assert_int_equal(t_pool().sections, s0.sections);
	/* Back in the pool: the pool grew by what the section allocated. */
	assert_int_equal(t_pool().pooled - s0.pooled, t_pool().allocs - s0.allocs);
	assert_int_equal(T_READ(a[0]), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_dev(fd).refcount, 2);
	t_munmap(a, 4096);
}

/*
 * Issue 13 #1: a thread that exits inside a softirq section (registered by
 * another thread's device) over its own local coverage: the section is
 * the kernel's WARN, and the exit still detaches the thread's own device
 * (spec 3.3), which another thread can then enable.
 */
struct exit_in_softirq {
	int	own;		/* the exiting thread's own device */
	bool	remote_owner;	/* own device REMOTE_ENABLEd, else local */
	uint64_t own_handle;
	uint64_t section;	/* handle of the softirq section */
	int	ret;
};

static long exit_in_softirq_main(void *p)
{
	struct exit_in_softirq *e = p;

	if (e->remote_owner)
		e->ret = t_ren(e->own, KCOV_TRACE_PC, 64, 0, &e->own_handle, 1);
	else
		e->ret = t_ioctl(e->own, KCOV_ENABLE, KCOV_TRACE_PC);
	kcov_sim_softirq_enter();
	kcov_remote_start(e->section);
	t_pc_x();
	return 0;	/* exits in the softirq, inside the section */
}

static void exit_in_softirq_run(int fd, bool remote_owner)
{
	int own = t_open();
	unsigned long *oa = t_init_map(own, 512);
	struct exit_in_softirq e = { .own = own, .remote_owner = remote_owner,
				     .own_handle = HU(2), .section = HU(1) };
	unsigned long warns = kcov_sim_warn_count();

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 64, HU(1)), 0);
	t_warn_expect(1);
	t_in_thread(exit_in_softirq_main, &e);
	assert_int_equal(e.ret, 0);
	assert_int_equal(kcov_sim_warn_count(), warns + 1);
	/* The exit detached the thread's own device: INIT, file only. */
	assert_int_equal(t_dev(own).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_dev(own).refcount, 1);
	assert_int_equal(t_dev(own).nr_handles, 0);
	/* ... so that anyone may enable it, or register its handle. */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	if (remote_owner)
		assert_int_equal(ren1(own, KCOV_TRACE_PC, 64, HU(2)), 0);
	else
		assert_int_equal(t_ioctl(own, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_int_equal(t_ioctl(own, KCOV_DISABLE, 0), 0);
	t_munmap(oa, 4096);
	t_close(own);
}

static void test_exit_in_softirq_section_detaches_local(void **state)
{
	exit_in_softirq_run(t_fd(state), false);
}

static void test_exit_in_softirq_section_detaches_remote_owner(void **state)
{
	exit_in_softirq_run(t_fd(state), true);
}

/*
 * Issue 13 #5: area_size 0xffffffff (valid, spec 5.2) asks for a 32 GiB
 * section buffer. As vmalloc() would, the allocation fails cleanly and
 * the section does not start; nothing aborts (ASan's allocator would).
 */
static void test_huge_area_size_fails_cleanly(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	struct t_kthread k;

	assert_int_equal(ren1(fd, KCOV_TRACE_PC, 0xffffffffu, HU(1)), 0);
	T_WRITE(a[0], 0);
	k = SECTION(HU(1), t_pc_x, t_pc_y);
	assert_int_equal(k.mode_in, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(T_READ(a[0]), 0);
	assert_int_equal(t_pool().sections, 0);
	assert_int_equal(t_dev(fd).refcount, 2);	/* file + owner */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, 4096);
}

#define FD_TEST(f)	T_REMOTE_FD_TEST(f)
#define NOFD_TEST(f)	T_REMOTE_TEST(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_check_handle_table),
		FD_TEST(test_exit_in_softirq_section_detaches_local),
		FD_TEST(test_exit_in_softirq_section_detaches_remote_owner),
		FD_TEST(test_huge_area_size_fails_cleanly),
		FD_TEST(test_handle_table_lookup),
		FD_TEST(test_move_area_pc_truncates),
		FD_TEST(test_move_area_pc_no_room),
		FD_TEST(test_move_area_cmp_partial),
		FD_TEST(test_move_area_cmp_no_room),
		FD_TEST(test_move_area_cmp_exact_fit),
		FD_TEST(test_pool_exact_size_and_stale_data),
		FD_TEST(test_area_size_pc_edges),
		FD_TEST(test_area_size_cmp_edges),
		FD_TEST(test_irq_contexts_ignored),
		FD_TEST(test_warn_nested_task_start),
		FD_TEST(test_warn_start_with_local_coverage),
		FD_TEST(test_warn_stop_without_start),
		FD_TEST(test_warn_owner_starts_section),
		NOFD_TEST(test_warn_invalid_handle),
		FD_TEST(test_warn_nested_softirq_start),
		FD_TEST(test_warn_stop_softirq_section_from_task),
		FD_TEST(test_warn_exit_inside_section),
	};

	return cmocka_run_group_tests_name("remote.c", tests, NULL, NULL);
}
