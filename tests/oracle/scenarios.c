// SPDX-License-Identifier: MIT
/*
 * scenarios.c - the spec's conformance cases (section 8 of kcov-abi.md)
 * that a single-process kernel can show, plus probes of what the spec does
 * not say ("x_" scenarios), written once in driver.h's language and run
 * against every backend. A scenario prints what it observes; it asserts
 * nothing: ksim-oracle-diff compares the kernel's transcript with the
 * library's. Names: cNNN_ = spec case NNN.
 *
 * Not here, because one process with threads cannot show them: case 58
 * (fork), 18 (mremap of the real mm), 34 (read/write/lseek are VFS
 * behaviour), 44 (PC bias: the oracle has no KASLR), 82's child process.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "driver.h"
#include "scenario.h"

#define T0		0
#define H(...)		(const uint64_t[]){ __VA_ARGS__ }
#define N(...)		(sizeof(H(__VA_ARGS__)) / sizeof(uint64_t))
/* REMOTE_ENABLE with a handle list: REN(t, f, mode, size, common, h...). */
#define REN(t, f, mode, size, common, ...) \
	d_remote_enable(t, f, mode, size, common, N(__VA_ARGS__), H(__VA_ARGS__))
#define REN0(t, f, mode, size, common) \
	d_remote_enable(t, f, mode, size, common, 0, NULL)

/* open + INIT(words) + a read-write mapping of the whole buffer. */
static int fresh(int t, unsigned long words, int *m)
{
	int f = d_open(t);

	d_init(t, f, words);
	*m = d_mmap(t, f, words * sizeof(unsigned long), D_RW, 0);
	return f;
}

/* A remote device owned by @t: USB handles, trace mode, area size. */
static int remote_dev(int t, unsigned int mode, unsigned int size, int *m,
		      uint64_t h)
{
	int f = fresh(t, 512, m);

	REN(t, f, mode, size, 0, h);
	d_poke(*m, 0, 0);
	return f;
}

/* ---- 8.1 uapi ---- */

static void c001_uapi(void)
{
	d_uapi();
}

/* ---- 8.2 INIT_TRACE ---- */

static void c005_init_zeroed(void)
{
	int m, f = fresh(T0, 512, &m);

	(void)f;
	d_dump(m, 0, 8);
	d_dump(m, 504, 8);
}

static void c006_init_small(void)
{
	d_init(T0, d_open(T0), 0);
	d_init(T0, d_open(T0), 1);
	d_init(T0, d_open(T0), 2);
}

static void c007_init_max(void)
{
	d_init(T0, d_open(T0), 268435456);
	d_init(T0, d_open(T0), ~0ul);
	d_init(T0, d_open(T0), 268435455);
}

static void c008_init_twice(void)
{
	int f = d_open(T0);

	d_init(T0, f, 512);
	d_init(T0, f, 1024);
	d_init(T0, f, 1);
	d_mmap(T0, f, 8192, D_RW, 0);
	d_mmap(T0, f, 4096, D_RW, 0);
}

static void c009_init_after_disable(void)
{
	int f = d_open(T0);

	d_init(T0, f, 512);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_disable(T0, f);
	d_init(T0, f, 512);
}

static void c010_init_two_tasks(void)
{
	int t1 = d_task(T0), t2 = d_task(T0), f = d_open(T0);

	d_init(t1, f, 512);
	d_init(t2, f, 512);
}

/* ---- 8.3 mmap ---- */

static void c011_mmap_before_init(void)
{
	d_mmap(T0, d_open(T0), 4096, D_RW, 0);
}

static void c012_mmap_bad_len_off(void)
{
	int f = d_open(T0);

	d_init(T0, f, 512);
	d_mmap(T0, f, 8192, D_RW, 0);
	d_mmap(T0, f, 4096, D_RW, 4096);
	d_mmap(T0, f, 4096, D_RW, 100);
	d_mmap(T0, f, 0, D_RW, 0);
}

static void c013_mmap_len_one(void)
{
	int f = d_open(T0), m;

	d_init(T0, f, 512);
	m = d_mmap(T0, f, 1, D_RW, 0);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_pc(T0, 1);
	if (m >= 0)
		d_dump(m, 0, 2);
}

static void c014_init_513(void)
{
	int f = d_open(T0), d;

	d_init(T0, f, 513);
	d_mmap(T0, f, 4104, D_RW, 0);
	d_mmap(T0, f, 8192, D_RW, 0);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_pc(T0, 1);
	d = d_dev(f);
	d_dump_dev(d, 0, 3);
}

static void c015_init_two_words(void)
{
	int f = d_open(T0);

	d_init(T0, f, 2);
	d_mmap(T0, f, 16, D_RW, 0);
	d_mmap(T0, f, 4096, D_RW, 0);
}

static void c016_two_maps_alias(void)
{
	int f = d_open(T0), a, b;

	d_init(T0, f, 1024);
	a = d_mmap(T0, f, 8192, D_RW, 0);
	b = d_mmap(T0, f, 8192, D_RW, 0);
	d_poke(a, 1000, 77);
	d_dump(b, 1000, 1);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_pc(T0, 2);
	d_dump(a, 0, 2);
	d_dump(b, 0, 2);
}

static void c017_map_after_enable(void)
{
	int f = d_open(T0), m;

	d_init(T0, f, 512);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_pc(T0, 1);
	d_pc(T0, 2);
	m = d_mmap(T0, f, 4096, D_RW, 0);
	d_dump(m, 0, 3);
}

static void c019_readonly_map(void)
{
	int f = d_open(T0), m;

	d_init(T0, f, 512);
	m = d_mmap(T0, f, 4096, D_RO, 0);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_pc(T0, 3);
	d_dump(m, 0, 2);
}

/* ---- 8.4 ENABLE / DISABLE ---- */

static void c020_enable_uninit(void)
{
	int f = d_open(T0);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_enable(T0, f, KCOV_TRACE_CMP);
}

static void c021_enable_without_mmap(void)
{
	int f = d_open(T0), m;

	d_init(T0, f, 512);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_pc(T0, 1);
	d_pc(T0, 2);
	d_pc(T0, 3);
	m = d_mmap(T0, f, 4096, D_RW, 0);
	d_dump(m, 0, 4);
}

static void c022_enable_bad_mode(void)
{
	int f = d_open(T0);

	d_init(T0, f, 512);
	d_enable(T0, f, 2);
	d_enable(T0, f, ~0ul);
	d_enable(T0, f, 1ul << 32);
	d_enable(T0, f, KCOV_TRACE_PC);
}

static void c023_no_cmp_support(void)
{
	int m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_CMP);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_pc(T0, 1);
	d_dump(m, 0, 2);
}

static void c024_enable_twice(void)
{
	int f = d_open(T0);

	d_init(T0, f, 512);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_enable(T0, f, KCOV_TRACE_CMP);
}

static void c025_enable_other_task(void)
{
	int t1 = d_task(T0), f = d_open(T0);

	d_init(T0, f, 512);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_enable(t1, f, KCOV_TRACE_PC);
}

static void c026_enable_second_fd(void)
{
	int t1 = d_task(T0), a = d_open(T0), b = d_open(T0);

	d_init(T0, a, 512);
	d_init(T0, b, 512);
	d_enable(T0, a, KCOV_TRACE_PC);
	d_enable(T0, b, KCOV_TRACE_PC);
	d_enable(T0, b, KCOV_TRACE_CMP);
	d_enable(t1, b, KCOV_TRACE_PC);
}

static void c027_disable_then_other(void)
{
	int t1 = d_task(T0), f = d_open(T0);

	d_init(T0, f, 512);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_disable(T0, f);
	d_enable(t1, f, KCOV_TRACE_PC);
	d_disable(t1, f);
}

static void c028_disable_nonzero_arg(void)
{
	int m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_ioctl(T0, f, KCOV_DISABLE, 1);
	d_pc(T0, 4);
	d_dump(m, 0, 2);
}

static void c029_disable_non_owner(void)
{
	int t1 = d_task(T0), m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_disable(t1, f);
	d_pc(T0, 1);
	d_dump(m, 0, 2);
}

static void c030_disable_states(void)
{
	int a = d_open(T0), b = d_open(T0);

	d_disable(T0, a);
	d_init(T0, a, 512);
	d_disable(T0, a);
	d_init(T0, b, 512);
	d_enable(T0, a, KCOV_TRACE_PC);
	d_disable(T0, b);
}

static void unknown_cmds(int t, int f)
{
	d_ioctl(t, f, _IO('c', 105), 0);
	d_ioctl(t, f, 0x40086367, 0);		/* KCOV_UNIQUE_ENABLE */
	d_ioctl(t, f, 0x6368, 0);		/* KCOV_RESET_TRACE */
	d_ioctl(t, f, 0x80046301, 512);		/* 32-bit INIT_TRACE */
	d_ioctl(t, f, 0, 0);
}

static void c031_unknown_ioctls(void)
{
	int f = d_open(T0);

	unknown_cmds(T0, f);
	d_init(T0, f, 512);
	unknown_cmds(T0, f);
	d_enable(T0, f, KCOV_TRACE_PC);
	unknown_cmds(T0, f);
}

static void c032_stale_counter(void)
{
	int m, f = fresh(T0, 512, &m);

	d_poke(m, 0, 7);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_pc(T0, 5);
	d_dump(m, 0, 9);
}

static void c033_after_disable(void)
{
	int m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_pc(T0, 1);
	d_disable(T0, f);
	d_pc(T0, 2);
	d_cmp(T0, 2, 1, 2);
	d_dump(m, 0, 3);
}

/* ---- 8.5 PC hook ---- */

static void c035_pc_sites(void)
{
	int m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_poke(m, 0, 0);
	d_pc(T0, 1);
	d_pc(T0, 2);
	d_pc(T0, 1);
	d_dump(m, 0, 5);
}

static void c036_capacity_unmappable(void)
{
	int f = d_open(T0), d, i;

	d_init(T0, f, 4);
	d_enable(T0, f, KCOV_TRACE_PC);
	for (i = 0; i < 5; i++)
		d_pc(T0, i);
	d = d_dev(f);
	d_dump_dev(d, 0, 4);
}

static void c037_full_buffer(void)
{
	int m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_poke(m, 0, 511);
	d_pc(T0, 1);
	d_dump(m, 0, 1);
	d_dump(m, 510, 2);
	d_poke(m, 0, 510);
	d_pc(T0, 2);
	d_pc(T0, 3);
	d_dump(m, 0, 1);
	d_dump(m, 510, 2);
	d_poke(m, 0, 0);
	d_pc(T0, 4);
	d_dump(m, 0, 3);
}

static void c038_counter_wrap_pc(void)
{
	int m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_poke(m, 0, ~0ul);
	d_pc(T0, 6);
	d_dump(m, 0, 3);
	d_pc(T0, 7);
	d_dump(m, 0, 3);
}

static void c039_not_enabled_task(void)
{
	int t1 = d_task(T0), m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_pc(t1, 1);
	d_dump(m, 0, 2);
}

static void c040_cmp_mode_ignores_pc(void)
{
	int m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_CMP);
	d_pc(T0, 1);
	d_dump(m, 0, 2);
}

static void c041_interrupt_contexts(void)
{
	int m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_ctx(T0, D_HARDIRQ_IN);
	d_pc(T0, 1);
	d_ctx(T0, D_HARDIRQ_OUT);
	d_ctx(T0, D_NMI_IN);
	d_pc(T0, 2);
	d_ctx(T0, D_NMI_OUT);
	d_ctx(T0, D_SOFTIRQ_IN);
	d_pc(T0, 3);
	d_ctx(T0, D_HARDIRQ_IN);
	d_pc(T0, 4);
	d_ctx(T0, D_HARDIRQ_OUT);
	d_ctx(T0, D_SOFTIRQ_OUT);
	d_pc(T0, 5);
	d_dump(m, 0, 3);
}

static void c042_bh_disabled(void)
{
	int m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_ctx(T0, D_BH_OFF);
	d_pc(T0, 1);
	d_ctx(T0, D_BH_ON);
	d_dump(m, 0, 2);
}

static void c043_ctxsw(void)
{
	int m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_ctx(T0, D_CTXSW_IN);
	d_pc(T0, 1);
	d_ctx(T0, D_CTXSW_OUT);
	d_pc(T0, 2);
	d_dump(m, 0, 3);
}

/* ---- 8.6 CMP hooks ---- */

static int cmp_dev(int words, int *m)
{
	int f = fresh(T0, words, m);

	d_enable(T0, f, KCOV_TRACE_CMP);
	d_poke(*m, 0, 0);
	return f;
}

static void c045_cmp1_record(void)
{
	int m;

	cmp_dev(512, &m);
	d_cmp(T0, 0, 0x12, 0x34);
	d_dump(m, 0, 6);
}

static void c046_cmp_sizes(void)
{
	int m;

	cmp_dev(512, &m);
	d_cmp(T0, 1, 0x1234, 0x5678);
	d_cmp(T0, 2, 0x12345678, 0x9abcdef0);
	d_cmp(T0, 3, 0x123456789abcdef0ull, 1);
	d_dump(m, 0, 13);
}

static void c047_const_cmp(void)
{
	int m;

	cmp_dev(512, &m);
	d_cmp(T0, 4, 7, 8);
	d_cmp(T0, 5, 7, 8);
	d_cmp(T0, 6, 7, 8);
	d_cmp(T0, 7, 7, 8);
	d_dump(m, 0, 17);
}

static void c048_zero_extend(void)
{
	int m;

	cmp_dev(512, &m);
	d_cmp(T0, 0, 0xff, 0x80);
	d_cmp(T0, 1, 0xffff, 0x8000);
	d_cmp(T0, 2, 0xffffffff, 1);
	d_cmp(T0, 0, 0x1ff, 0x180);		/* wider than u8: truncated */
	d_dump(m, 0, 17);
}

static void c049_cmp8_high_bit(void)
{
	int m;

	cmp_dev(512, &m);
	d_cmp(T0, 3, 1ull << 63, 0);
	d_cmp(T0, 7, ~0ull, 1ull << 63);
	d_dump(m, 0, 9);
}

static void c050_cmp_capacity(void)
{
	static const unsigned long sizes[] = { 8, 9, 5, 4, 2 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int f = d_open(T0), d, k;

		d_init(T0, f, sizes[i]);
		d_enable(T0, f, KCOV_TRACE_CMP);
		for (k = 0; k < 3; k++)
			d_cmp(T0, 2, k, k + 1);
		d = d_dev(f);
		d_dump_dev(d, 0, sizes[i]);
		d_disable(T0, f);
	}
}

static void c051_cmp_512_full(void)
{
	int m, i;

	cmp_dev(512, &m);
	for (i = 0; i < 200; i++)
		d_cmp(T0, 2, i, 200 - i);
	d_dump(m, 0, 1);
	d_dump(m, 500, 12);
}

static void c052_pc_mode_ignores_cmp(void)
{
	static const uint64_t cases[] = { 2, 32, 1, 2 };
	int m, f = fresh(T0, 512, &m);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_cmp(T0, 2, 1, 2);
	d_cmp(T0, 7, 1, 2);
	d_switch(T0, 2, cases);
	d_dump(m, 0, 2);
}

static void c053_switch(void)
{
	static const uint64_t cases[] = { 3, 32, 10, 20, 30 };
	int m;

	cmp_dev(512, &m);
	d_switch(T0, 20, cases);
	d_dump(m, 0, 13);
}

static void c054_switch_widths(void)
{
	static const uint64_t w8[] = { 1, 8, 5 }, w16[] = { 1, 16, 5 },
		w64[] = { 1, 64, 5 }, w0[] = { 1, 0, 5 }, w1[] = { 1, 1, 5 },
		w12[] = { 1, 12, 5 }, w128[] = { 1, 128, 5 };
	int m;

	cmp_dev(512, &m);
	d_switch(T0, 6, w8);
	d_switch(T0, 6, w16);
	d_switch(T0, 6, w64);
	d_switch(T0, 6, w0);
	d_switch(T0, 6, w1);
	d_switch(T0, 6, w12);
	d_switch(T0, 6, w128);
	d_dump(m, 0, 13);
}

static void c055_switch_no_cases(void)
{
	static const uint64_t cases[] = { 0, 32 };
	int m;

	cmp_dev(512, &m);
	d_switch(T0, 1, cases);
	d_dump(m, 0, 2);
}

static void c056_switch_room_for_two(void)
{
	static const uint64_t cases[] = { 3, 16, 1, 2, 3 };
	int m;

	cmp_dev(512, &m);
	d_poke(m, 0, 125);
	d_switch(T0, 9, cases);
	d_dump(m, 0, 1);
	d_dump(m, 500, 12);
}

static void c057_cmp_counter_wrap(void)
{
	int m;

	cmp_dev(512, &m);
	d_poke(m, 0, ~0ul);
	d_cmp(T0, 2, 1, 2);
	d_dump(m, 0, 5);
}

/* Not in the spec: counts of 2^62 and more wrap the record index. */
static void x_cmp_counter_2p62(void)
{
	int m;

	cmp_dev(512, &m);
	d_poke(m, 0, 1ul << 62);
	d_cmp(T0, 2, 1, 2);
	d_dump(m, 0, 6);
	d_poke(m, 0, (1ul << 62) + 3);
	d_cmp(T0, 2, 3, 4);
	d_dump(m, 0, 1);
	d_dump(m, 12, 5);
}

/* Counters beyond the capacity but not wrapping: nothing recorded. */
static void x_cmp_counter_large(void)
{
	int m;

	cmp_dev(512, &m);
	d_poke(m, 0, 1000);
	d_cmp(T0, 2, 1, 2);
	d_poke(m, 0, 1ul << 61);
	d_cmp(T0, 2, 1, 2);
	d_dump(m, 0, 6);
}

/* ---- 8.7 tasks ---- */

static void c059_new_task_off(void)
{
	int m, f = fresh(T0, 512, &m), t1;

	d_enable(T0, f, KCOV_TRACE_PC);
	t1 = d_task(T0);
	d_pc(t1, 1);
	d_pc(T0, 2);
	d_dump(m, 0, 3);
}

static void c060_exit_while_enabled(void)
{
	int t1 = d_task(T0), m, f = fresh(T0, 512, &m), d = d_dev(f);

	d_enable(t1, f, KCOV_TRACE_PC);
	d_pc(t1, 1);
	d_devinfo(d);
	d_exit(t1);
	d_devinfo(d);
	d_enable(T0, f, KCOV_TRACE_PC);
	d_pc(T0, 2);
	d_dump(m, 0, 3);
}

static void c061_close_while_enabled(void)
{
	int t1 = d_task(T0), f = d_open(t1), d, g;

	d_init(t1, f, 512);
	d_enable(t1, f, KCOV_TRACE_PC);
	d = d_dev(f);
	d_close(t1, f);
	d_devinfo(d);
	d_pc(t1, 1);
	d_pc(t1, 2);
	d_dump_dev(d, 0, 3);
	g = d_open(t1);
	d_init(t1, g, 512);
	d_enable(t1, g, KCOV_TRACE_PC);
	d_exit(t1);
	d_devinfo(d);
}

static void c062_close_with_mapping(void)
{
	int m, f = fresh(T0, 512, &m), d = d_dev(f);

	d_close(T0, f);
	d_devinfo(d);
	d_munmap(T0, m);
	d_devinfo(d);
}

static void c063_dup(void)
{
	int f = d_open(T0), g = d_dup(T0, f), d = d_dev(f), m;

	d_close(T0, f);
	d_devinfo(d);
	d_init(T0, g, 512);
	m = d_mmap(T0, g, 4096, D_RW, 0);
	d_enable(T0, g, KCOV_TRACE_PC);
	d_pc(T0, 1);
	d_disable(T0, g);
	d_dump(m, 0, 2);
	d_munmap(T0, m);
	d_close(T0, g);
	d_devinfo(d);
}

/* ---- 8.8 REMOTE_ENABLE validation ---- */

static void c064_num_handles(void)
{
	static uint64_t h[257];
	int f = d_open(T0), g = d_open(T0), i;

	for (i = 0; i < 257; i++)
		h[i] = USB(i + 1);
	d_init(T0, f, 512);
	d_init(T0, g, 512);
	d_remote_enable(T0, f, KCOV_TRACE_PC, 64, 0, 257, h);
	d_remote_enable(T0, g, KCOV_TRACE_PC, 64, 0, 256, h);
	d_disable(T0, g);
}

static void c065_bad_pointers(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kcov_remote_arg *a;
	int f = d_open(T0);

	d_init(T0, f, 512);
	munmap(p + page, page);
	d_remote_enable_ptr(T0, f, p + page, "unmapped");
	/* num_handles readable, the rest not. */
	a = (struct kcov_remote_arg *)(p + page - 12);
	memset(a, 0, 12);
	a->num_handles = 0;
	d_remote_enable_ptr(T0, f, a, "12 readable bytes");
	/* The header readable, its one handle not. */
	a = (struct kcov_remote_arg *)(p + page - 24);
	memset(a, 0, 24);
	a->num_handles = 1;
	d_remote_enable_ptr(T0, f, a, "header readable, handles[0] not");
	a->num_handles = 0;
	d_remote_enable_ptr(T0, f, a, "header readable, no handles");
	d_disable(T0, f);
	d_remote_enable_ptr(T0, f, NULL, "NULL");
	munmap(p, page);
}

static void c066_ren_opened_only(void)
{
	REN(T0, d_open(T0), KCOV_TRACE_PC, 64, 0, USB(1));
}

static void c067_ren_no_cmp_support(void)
{
	int f = d_open(T0);

	d_init(T0, f, 512);
	REN(T0, f, KCOV_TRACE_CMP, 64, 0, USB(1));
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1));
}

static void c067_ren_bad_mode(void)
{
	int f = d_open(T0);

	d_init(T0, f, 512);
	REN(T0, f, 2, 64, 0, USB(1));
	REN(T0, f, ~0u, 64, 0, USB(1));
	REN(T0, f, KCOV_TRACE_CMP, 64, 0, USB(1));
}

static void c068_common_in_list(void)
{
	int f = d_open(T0), t1 = d_task(T0), g = d_open(T0);

	d_init(T0, f, 512);
	d_init(T0, g, 512);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1), 0x42);
	REN(t1, g, KCOV_TRACE_PC, 64, 0, USB(1));	/* USB1 was rolled back */
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(2));
}

static void c069_zero_handle(void)
{
	int f = d_open(T0);

	d_init(T0, f, 512);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, 0);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(0));
}

static void c070_reserved_bits(void)
{
	int f = d_open(T0);

	d_init(T0, f, 512);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, 0x0000000100000001ull);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, (2ull << 56) | 1);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, (0xffull << 56) | 1);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(0xffffffff));
}

static void c071_common_handle_checks(void)
{
	int f = d_open(T0);

	d_init(T0, f, 512);
	REN0(T0, f, KCOV_TRACE_PC, 64, USB(1));
	d_common_handle(T0);
	REN0(T0, f, KCOV_TRACE_PC, 64, 0x0000000100000042ull);
	REN0(T0, f, KCOV_TRACE_PC, 64, 0);
	d_common_handle(T0);
	d_disable(T0, f);
	REN0(T0, f, KCOV_TRACE_PC, 64, 0x42);
	d_common_handle(T0);
}

static void c072_duplicate_handles(void)
{
	int f = d_open(T0), g = d_open(T0), t1 = d_task(T0);

	d_init(T0, f, 512);
	d_init(T0, g, 512);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1), USB(1));
	REN(t1, g, KCOV_TRACE_PC, 64, 0, USB(1));
	REN0(T0, f, KCOV_TRACE_PC, 64, 0x42);	/* common taken twice */
	d_disable(T0, f);
}

static void c073_handle_taken(void)
{
	int t1 = d_task(T0), f = d_open(T0), g = d_open(T0);

	d_init(T0, f, 512);
	d_init(T0, g, 512);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1));
	REN(t1, g, KCOV_TRACE_PC, 64, 0, USB(2), USB(1));
	REN(t1, g, KCOV_TRACE_PC, 64, 0, USB(2));	/* USB2 rolled back */
	d_disable(t1, g);
	d_disable(T0, f);
	REN(t1, g, KCOV_TRACE_PC, 64, 0, USB(1));
	REN0(T0, f, KCOV_TRACE_PC, 64, 0x42);
	REN0(t1, d_open(T0), KCOV_TRACE_PC, 64, 0x42);
}

static void c074_empty_remote_enable(void)
{
	int f = d_open(T0);

	d_init(T0, f, 512);
	REN0(T0, f, KCOV_TRACE_PC, 64, 0);
	d_disable(T0, f);
	d_enable(T0, f, KCOV_TRACE_PC);
}

static void c075_after_remote_enable(void)
{
	int f = d_open(T0), t1 = d_task(T0);

	d_init(T0, f, 512);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1));
	d_enable(T0, f, KCOV_TRACE_PC);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(2));
	d_enable(t1, f, KCOV_TRACE_PC);
	REN(t1, f, KCOV_TRACE_PC, 64, 0, USB(2));
}

/* [P-2025] one device per task, remote or local; [P-2026] one of each. */
static void c076_local_plus_remote(void)
{
	int a = d_open(T0), b = d_open(T0), t1 = d_task(T0), c = d_open(T0),
	    e = d_open(T0), mb;

	d_init(T0, a, 512);
	d_init(T0, b, 512);
	mb = d_mmap(T0, b, 4096, D_RW, 0);
	REN(T0, a, KCOV_TRACE_PC, 64, 0, USB(1));
	d_enable(T0, b, KCOV_TRACE_PC);
	d_pc(T0, 1);
	d_dump(mb, 0, 2);
	d_init(t1, c, 512);
	d_init(t1, e, 512);
	d_enable(t1, c, KCOV_TRACE_PC);
	REN(t1, e, KCOV_TRACE_PC, 64, 0, USB(2));
	d_disable(T0, b);
	d_disable(T0, a);
}

static void c077_owner_disable_other_task(void)
{
	int f = d_open(T0), t1 = d_task(T0);

	d_init(T0, f, 512);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1));
	d_disable(t1, f);
	d_disable(T0, f);
}

static void c078_failed_ren_clears_handle(void)
{
	int f = d_open(T0), g = d_open(T0), t1;

	d_init(T0, f, 512);
	d_init(T0, g, 512);
	REN(T0, f, KCOV_TRACE_PC, 64, 0x42, USB(1));
	t1 = d_task(T0);
	d_common_handle(t1);
	REN(t1, g, KCOV_TRACE_PC, 64, 0, USB(1));
	d_common_handle(t1);
	d_common_handle(T0);
}

/* [P-2025] a local DISABLE clears an inherited handle; [P-2026] keeps it. */
static void c079_local_disable_handle(void)
{
	int f = d_open(T0), g = d_open(T0), t1;

	d_init(T0, f, 512);
	d_init(T0, g, 512);
	REN0(T0, f, KCOV_TRACE_PC, 64, 0x42);
	t1 = d_task(T0);
	d_common_handle(t1);
	d_enable(t1, g, KCOV_TRACE_PC);
	d_common_handle(t1);
	d_disable(t1, g);
	d_common_handle(t1);
	d_disable(T0, f);
	d_common_handle(T0);
}

/* ---- 8.9 remote collection ---- */

static void c080_remote_usb(void)
{
	int m, t1 = d_task(T0);

	remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));
	d_pc(T0, 9);
	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_pc(t1, 2);
	d_pc(t1, 3);
	d_dump(m, 0, 1);
	d_rstop(t1);
	d_dump(m, 0, 5);
}

static void c081_common_worker(void)
{
	int m, f = fresh(T0, 512, &m), t1;
	uint64_t h;

	REN0(T0, f, KCOV_TRACE_PC, 64, 0x42);
	d_poke(m, 0, 0);
	t1 = d_task(T0);
	h = d_common_handle(t1);
	d_rstart(t1, h);
	d_pc(t1, 1);
	d_pc(t1, 2);
	d_rstop(t1);
	d_rstart_common(t1, 0x42);
	d_pc(t1, 3);
	d_rstop(t1);
	d_dump(m, 0, 4);
}

static void c082_common_handle_contexts(void)
{
	int f = d_open(T0), t1;

	d_init(T0, f, 512);
	REN0(T0, f, KCOV_TRACE_PC, 64, 0x42);
	d_common_handle(T0);
	t1 = d_task(T0);
	d_common_handle(t1);
	d_ctx(t1, D_SOFTIRQ_IN);
	d_common_handle(t1);
	d_ctx(t1, D_HARDIRQ_IN);
	d_common_handle(t1);
	d_ctx(t1, D_HARDIRQ_OUT);
	d_ctx(t1, D_SOFTIRQ_OUT);
	d_ctx(t1, D_BH_OFF);
	d_common_handle(t1);
	d_ctx(t1, D_BH_ON);
	d_ctx(t1, D_NMI_IN);
	d_common_handle(t1);
	d_ctx(t1, D_NMI_OUT);
}

static void c083_unregistered_handle(void)
{
	int m, t1 = d_task(T0), f = remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1)),
	    d = d_dev(f);

	d_devinfo(d);
	d_rstart(t1, USB(7));
	d_devinfo(d);
	d_pc(t1, 1);
	d_rstop(t1);
	d_rstart(t1, 0);
	d_pc(t1, 2);
	d_rstop(t1);
	d_rstart_common(t1, 0);
	d_rstop(t1);
	d_dump(m, 0, 2);
	d_devinfo(d);
}

static void c084_invalid_handle(void)
{
	int t1 = d_task(T0);

	d_rstart(t1, 2ull << 56);
	d_rstop(t1);
	d_rstart(t1, 0x0000000100000001ull);
	d_rstop(t1);
}

static void c085_sequential_sections(void)
{
	int m, t1 = d_task(T0);

	remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));
	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_pc(t1, 2);
	d_rstop(t1);
	d_rstart_usb(t1, 1);
	d_pc(t1, 3);
	d_pc(t1, 4);
	d_pc(t1, 5);
	d_rstop(t1);
	d_dump(m, 0, 6);
}

static void c086_concurrent_sections(void)
{
	int m, t1 = d_task(T0), t2 = d_task(T0), f = d_open(T0);

	d_init(T0, f, 512);
	m = d_mmap(T0, f, 4096, D_RW, 0);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1), USB(2));
	d_rstart(t1, USB(1));
	d_rstart(t2, USB(2));
	d_pc(t1, 1);
	d_pc(t2, 2);
	d_pc(t1, 3);
	d_pc(t2, 4);
	d_pc(t2, 5);
	d_rstop(t2);
	d_rstop(t1);
	d_dump(m, 0, 6);
}

static void c087_pc_truncation(void)
{
	int t1 = d_task(T0), f = d_open(T0), d, i;

	d_init(T0, f, 4);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1));
	d = d_dev(f);
	d_poke_dev(d, 0, 1);
	d_poke_dev(d, 1, 99);
	d_rstart(t1, USB(1));
	for (i = 0; i < 5; i++)
		d_pc(t1, i);
	d_rstop(t1);
	d_dump_dev(d, 0, 4);
}

static void c088_cmp_partial_record(void)
{
	int m, t1 = d_task(T0);

	remote_dev(T0, KCOV_TRACE_CMP, 64, &m, USB(1));
	d_poke(m, 0, 127);
	d_rstart(t1, USB(1));
	d_cmp(t1, 2, 0x11, 0x22);
	d_rstop(t1);
	d_dump(m, 0, 1);
	d_dump(m, 505, 7);
	d_poke(m, 0, 126);
	d_rstart(t1, USB(1));
	d_cmp(t1, 2, 0x33, 0x44);
	d_cmp(t1, 3, 0x55, 0x66);
	d_rstop(t1);
	d_dump(m, 0, 1);
	d_dump(m, 501, 11);
}

static void c089_corrupt_counter(void)
{
	int m, t1 = d_task(T0);

	remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));
	d_poke(m, 0, 10000);
	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_rstop(t1);
	d_dump(m, 0, 3);
	d_poke(m, 0, 511);
	d_rstart(t1, USB(1));
	d_pc(t1, 2);
	d_rstop(t1);
	d_dump(m, 0, 1);
	d_poke(m, 0, 510);
	d_rstart(t1, USB(1));
	d_pc(t1, 3);
	d_pc(t1, 4);
	d_rstop(t1);
	d_dump(m, 0, 1);
	d_dump(m, 510, 2);
}

static void c090_tiny_area_size(void)
{
	int m, t1 = d_task(T0), f = remote_dev(T0, KCOV_TRACE_PC, 1, &m, USB(1)),
	    d = d_dev(f);

	d_rstart(t1, USB(1));
	d_devinfo(d);
	d_pc(t1, 1);
	d_rstop(t1);
	d_dump(m, 0, 2);
	d_disable(T0, f);
	REN(T0, f, KCOV_TRACE_PC, 0, 0, USB(1));
	d_rstart(t1, USB(1));
	d_devinfo(d);
	d_pc(t1, 2);
	d_rstop(t1);
	d_dump(m, 0, 2);
	d_disable(T0, f);
	REN(T0, f, KCOV_TRACE_CMP, 4, 0, USB(1));
	d_rstart(t1, USB(1));
	d_cmp(t1, 2, 1, 2);
	d_rstop(t1);
	d_dump(m, 0, 2);
}

static void c091_pool_reuse(void)
{
	int m, t1 = d_task(T0), f = remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));

	d_allocs();
	d_rstart(t1, USB(1));
	d_rstop(t1);
	d_allocs();
	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_rstop(t1);
	d_allocs();
	d_disable(T0, f);
	REN(T0, f, KCOV_TRACE_PC, 128, 0, USB(1));
	d_rstart(t1, USB(1));
	d_pc(t1, 2);
	d_rstop(t1);
	d_allocs();
	d_disable(T0, f);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1));
	d_rstart(t1, USB(1));
	d_pc(t1, 3);
	d_rstop(t1);
	d_allocs();
	d_dump(m, 0, 4);
}

static void c092_cmp_remote(void)
{
	static const uint64_t cases[] = { 2, 8, 1, 9 };
	int m, t1 = d_task(T0);

	remote_dev(T0, KCOV_TRACE_CMP, 64, &m, USB(1));
	d_rstart(t1, USB(1));
	d_cmp(t1, 2, 1, 2);
	d_pc(t1, 1);
	d_switch(t1, 9, cases);
	d_rstop(t1);
	d_dump(m, 0, 14);
}

static void c093_disable_race(void)
{
	int m, t1 = d_task(T0), f = remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1)),
	    d = d_dev(f);

	d_rstart(t1, USB(1));
	d_devinfo(d);
	d_disable(T0, f);
	d_pc(t1, 1);
	d_pc(t1, 2);
	d_pc(t1, 3);
	d_rstop(t1);
	d_dump(m, 0, 2);
	d_devinfo(d);
	d_allocs();
	d_rstart(t1, USB(1));	/* no longer registered */
	d_pc(t1, 4);
	d_rstop(t1);
	d_dump(m, 0, 2);
}

static void c094_disable_reenable_race(void)
{
	int m, t1 = d_task(T0), f = remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));

	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_disable(T0, f);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1));
	d_pc(t1, 2);
	d_rstop(t1);
	d_dump(m, 0, 2);
	d_rstart(t1, USB(1));
	d_pc(t1, 3);
	d_rstop(t1);
	d_dump(m, 0, 2);
}

static void c095_close_race(void)
{
	int m, t1 = d_task(T0), f = remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1)),
	    d = d_dev(f);

	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_disable(T0, f);
	d_munmap(T0, m);
	d_close(T0, f);
	d_devinfo(d);
	d_rstop(t1);
	d_devinfo(d);
}

static void c096_owner_exits(void)
{
	int t1 = d_task(T0), t2 = d_task(T0), f = d_open(T0), g = d_open(T0), d;

	d_init(t1, f, 512);
	d_init(t2, g, 512);
	REN(t1, f, KCOV_TRACE_PC, 64, 0x42, USB(1));
	d = d_dev(f);
	d_devinfo(d);
	d_exit(t1);
	d_devinfo(d);
	REN(t2, g, KCOV_TRACE_PC, 64, 0x42, USB(1));
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(2));
}

/* A remote device whose owner closed the fd keeps capturing. */
static void x_closed_remote_keeps_capturing(void)
{
	int t1 = d_task(T0), t2 = d_task(T0), f = d_open(t1), d, i;

	d_init(t1, f, 8);
	REN(t1, f, KCOV_TRACE_PC, 64, 0, USB(1));
	d = d_dev(f);
	d_close(t1, f);
	d_devinfo(d);
	for (i = 0; i < 2; i++) {
		d_rstart(t2, USB(1));
		d_pc(t2, i);
		d_rstop(t2);
	}
	d_dump_dev(d, 0, 3);
	d_exit(t1);
	d_devinfo(d);
}

/* ---- 8.10 softirq and nesting ---- */

static void c097_softirq_over_local(void)
{
	int t = d_task(T0), ml, mr, l = fresh(t, 512, &ml);

	remote_dev(T0, KCOV_TRACE_PC, 64, &mr, USB(1));
	d_enable(t, l, KCOV_TRACE_PC);
	d_poke(ml, 0, 0);
	d_pc(t, 1);
	d_pc(t, 2);
	d_ctx(t, D_SOFTIRQ_IN);
	d_rstart(t, USB(1));
	d_pc(t, 3);
	d_pc(t, 4);
	d_pc(t, 5);
	d_rstop(t);
	d_ctx(t, D_SOFTIRQ_OUT);
	d_pc(t, 6);
	d_dump(mr, 0, 5);
	d_dump(ml, 0, 5);
}

static void c098_hardirq_in_softirq_section(void)
{
	int m, t = d_task(T0);

	remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));
	d_ctx(t, D_SOFTIRQ_IN);
	d_rstart(t, USB(1));
	d_pc(t, 1);
	d_ctx(t, D_HARDIRQ_IN);
	d_pc(t, 2);
	d_rstop(t);
	d_ctx(t, D_HARDIRQ_OUT);
	d_ctx(t, D_NMI_IN);
	d_pc(t, 3);
	d_ctx(t, D_NMI_OUT);
	d_pc(t, 4);
	d_rstop(t);
	d_ctx(t, D_SOFTIRQ_OUT);
	d_dump(m, 0, 4);
}

static void c099_start_in_hardirq_over_softirq(void)
{
	int m, t = d_task(T0);

	remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));
	d_ctx(t, D_SOFTIRQ_IN);
	d_ctx(t, D_HARDIRQ_IN);
	d_rstart(t, USB(1));
	d_pc(t, 1);
	d_rstop(t);
	d_ctx(t, D_HARDIRQ_OUT);
	d_pc(t, 2);
	d_ctx(t, D_SOFTIRQ_OUT);
	d_ctx(t, D_HARDIRQ_IN);
	d_rstart(t, USB(1));
	d_pc(t, 3);
	d_rstop(t);
	d_ctx(t, D_HARDIRQ_OUT);
	d_dump(m, 0, 2);
}

static void c100_nested_softirq_start(void)
{
	int m, t = d_task(T0), f = remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));

	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(2));	/* EINVAL: already on */
	d_ctx(t, D_SOFTIRQ_IN);
	d_rstart(t, USB(1));
	d_pc(t, 1);
	d_rstart(t, USB(1));
	d_pc(t, 2);
	d_rstop(t);
	d_pc(t, 3);
	d_rstop(t);
	d_ctx(t, D_SOFTIRQ_OUT);
	d_dump(m, 0, 4);
}

static void c101_nested_task_start(void)
{
	int m, t = d_task(T0);

	remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));
	d_rstart(t, USB(1));
	d_pc(t, 1);
	d_rstart(t, USB(1));
	d_pc(t, 2);
	d_rstop(t);
	d_pc(t, 3);
	d_rstop(t);
	d_dump(m, 0, 4);
}

static void c102_usb_softirq_helpers(void)
{
	int m, t = d_task(T0);

	remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));
	d_rstart_usb_softirq(t, 1);
	d_pc(t, 1);
	d_rstop_softirq(t);
	d_ctx(t, D_SOFTIRQ_IN);
	d_rstart_usb_softirq(t, 1);
	d_pc(t, 2);
	d_rstop_softirq(t);
	d_ctx(t, D_HARDIRQ_IN);
	d_rstart_usb_softirq(t, 1);
	d_pc(t, 3);
	d_rstop_softirq(t);
	d_ctx(t, D_HARDIRQ_OUT);
	d_ctx(t, D_SOFTIRQ_OUT);
	d_dump(m, 0, 3);
	/* A section started in the softirq, the stop from a hardirq on it. */
	d_ctx(t, D_SOFTIRQ_IN);
	d_rstart_usb_softirq(t, 1);
	d_pc(t, 4);
	d_ctx(t, D_HARDIRQ_IN);
	d_rstop_softirq(t);
	d_ctx(t, D_HARDIRQ_OUT);
	d_pc(t, 5);
	d_rstop_softirq(t);
	d_ctx(t, D_SOFTIRQ_OUT);
	d_dump(m, 0, 5);
}

static void c103_softirq_without_handle(void)
{
	int t = d_task(T0), m, f = fresh(t, 512, &m);

	d_enable(t, f, KCOV_TRACE_PC);
	d_poke(m, 0, 0);
	d_pc(t, 1);
	d_ctx(t, D_SOFTIRQ_IN);
	d_rstart(t, USB(5));
	d_pc(t, 2);
	d_rstop(t);
	d_ctx(t, D_SOFTIRQ_OUT);
	d_pc(t, 3);
	d_dump(m, 0, 4);
}

/* Two overlapping softirq sections on two tasks (two CPUs' worth of
 * softirqs) with the IRQ buffer pool sized for @cpus CPUs. */
static void two_softirq_sections(void)
{
	int m, t1 = d_task(T0), t2 = d_task(T0), f = d_open(T0), d;

	d_init(T0, f, 512);
	m = d_mmap(T0, f, 4096, D_RW, 0);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1), USB(2));
	d = d_dev(f);
	d_ctx(t1, D_SOFTIRQ_IN);
	d_rstart(t1, USB(1));
	d_ctx(t2, D_SOFTIRQ_IN);
	d_rstart(t2, USB(2));
	d_devinfo(d);
	d_pc(t1, 1);
	d_pc(t2, 2);
	d_rstop(t2);
	d_ctx(t2, D_SOFTIRQ_OUT);
	d_rstop(t1);
	d_ctx(t1, D_SOFTIRQ_OUT);
	d_devinfo(d);
	d_dump(m, 0, 3);
	/* Afterwards both buffers are back in the pool. */
	d_ctx(t2, D_SOFTIRQ_IN);
	d_rstart(t2, USB(2));
	d_pc(t2, 3);
	d_rstop(t2);
	d_ctx(t2, D_SOFTIRQ_OUT);
	d_dump(m, 0, 4);
}

static void c104_irq_pool_exhausted(void)
{
	two_softirq_sections();
}

static void c104_irq_pool_two_cpus(void)
{
	two_softirq_sections();
}

/* [P-2025] a softirq section on top of a remote owner must not lose the
 * owner's reference: its DISABLE still works and frees the handles. */
static void c105_softirq_over_remote_owner(void)
{
	int m, mo, t1 = d_task(T0), fo = d_open(t1), d;

	remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));
	d_init(t1, fo, 512);
	mo = d_mmap(t1, fo, 4096, D_RW, 0);
	REN(t1, fo, KCOV_TRACE_PC, 64, 0, USB(2));
	d = d_dev(fo);
	d_devinfo(d);
	d_ctx(t1, D_SOFTIRQ_IN);
	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_rstop(t1);
	d_ctx(t1, D_SOFTIRQ_OUT);
	d_devinfo(d);
	d_disable(t1, fo);
	d_devinfo(d);
	d_rstart(T0, USB(2));	/* T0 owns a remote device: WARN */
	d_dump(m, 0, 2);
	d_dump(mo, 0, 2);
}

/* ---- 8.11 concurrency, as deterministic interleavings ---- */

static void c106_enable_disable_pingpong(void)
{
	int t1 = d_task(T0), t2 = d_task(T0), f = d_open(T0), i;

	d_init(T0, f, 512);
	for (i = 0; i < 20; i++) {
		int a = i % 3 ? t1 : t2, b = a == t1 ? t2 : t1;

		d_enable(a, f, KCOV_TRACE_PC);
		d_enable(b, f, KCOV_TRACE_PC);
		d_disable(b, f);
		d_disable(a, f);
	}
	d_devinfo(d_dev(f));
}

static void c107_sections_vs_churn(void)
{
	int m, t1 = d_task(T0), t2 = d_task(T0), i, d,
	    f = remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));

	d = d_dev(f);
	for (i = 0; i < 6; i++) {
		d_rstart(t1, USB(1));
		d_pc(t1, i);
		if (i % 2)
			d_disable(T0, f);
		d_ctx(t2, D_SOFTIRQ_IN);
		d_rstart(t2, USB(1));
		d_pc(t2, i + 8);
		d_rstop(t2);
		d_ctx(t2, D_SOFTIRQ_OUT);
		d_rstop(t1);
		if (i % 2)
			REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1));
		d_dump(m, 0, 1);
	}
	d_dump(m, 0, 12);
	d_devinfo(d);
}

/* ---- probes beyond the spec's cases (spec 5.12 misuse and more) ---- */

/* remote_start in a task with local coverage: WARN; the paired stop then
 * meets the task's own coverage (spec 5.12). */
static void x_start_inside_local(void)
{
	int m, t1 = d_task(T0), f = fresh(T0, 512, &m), mr, d = d_dev(f);

	remote_dev(t1, KCOV_TRACE_PC, 512, &mr, USB(1));
	d_enable(T0, f, KCOV_TRACE_PC);
	d_poke(m, 0, 0);
	d_pc(T0, 1);
	d_rstart(T0, USB(1));
	d_rstop(T0);
	d_pc(T0, 3);
	d_dump(m, 0, 4);
	d_devinfo(d);
	d_disable(T0, f);
	d_devinfo(d);
}

/* remote_stop with no section in a task that has local coverage. */
static void x_stop_without_start_local(void)
{
	int m, f = fresh(T0, 512, &m), d = d_dev(f);

	d_enable(T0, f, KCOV_TRACE_PC);
	d_poke(m, 0, 0);
	d_pc(T0, 1);
	d_rstop(T0);
	d_pc(T0, 2);
	d_dump(m, 0, 3);
	d_devinfo(d);
	d_disable(T0, f);
}

/* remote_stop with no section in the owner of a remote device. */
static void x_stop_by_remote_owner(void)
{
	int m, f = remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));

	d_rstop(T0);
	d_disable(T0, f);
}

/* ioctls from a task that is inside a remote section of that device. */
static void x_ioctls_inside_section(void)
{
	int m, t1 = d_task(T0), f = remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1)),
	    g = d_open(T0);

	d_init(T0, g, 512);
	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_disable(t1, f);
	d_enable(t1, g, KCOV_TRACE_PC);
	REN(t1, g, KCOV_TRACE_PC, 64, 0, USB(3));
	d_pc(t1, 2);
	d_rstop(t1);
	d_dump(m, 0, 3);
	d_disable(T0, f);
}

/* A kthread that exits inside its section (spec 3.3: WARN, reference
 * leaked). */
static void x_exit_inside_section(void)
{
	int m, t1 = d_task(T0), f = remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1)),
	    d = d_dev(f);

	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_exit(t1);
	d_devinfo(d);
	d_allocs();
	t1 = d_task(T0);
	d_rstart(t1, USB(1));	/* a second buffer: the first one leaked */
	d_pc(t1, 2);
	d_rstop(t1);
	d_allocs();
	d_disable(T0, f);
	d_devinfo(d);
	d_dump(m, 0, 3);
}

/* A softirq that returns without ending its section. */
static void x_softirq_exit_open_section(void)
{
	int m, t1 = d_task(T0);

	remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));
	d_ctx(t1, D_SOFTIRQ_IN);
	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_ctx(t1, D_SOFTIRQ_OUT);
	d_pc(t1, 2);
	d_rstop(t1);
	d_ctx(t1, D_SOFTIRQ_IN);
	d_pc(t1, 3);
	d_rstop(t1);
	d_ctx(t1, D_SOFTIRQ_OUT);
	d_dump(m, 0, 4);
}

/* A softirq section on top of a kthread's own task-context section. */
static void x_softirq_over_task_section(void)
{
	int m, t1 = d_task(T0), f = d_open(T0);

	d_init(T0, f, 512);
	m = d_mmap(T0, f, 4096, D_RW, 0);
	REN(T0, f, KCOV_TRACE_PC, 64, 0, USB(1), USB(2));
	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_ctx(t1, D_SOFTIRQ_IN);
	d_rstart(t1, USB(2));
	d_pc(t1, 2);
	d_rstop(t1);
	d_ctx(t1, D_SOFTIRQ_OUT);
	d_pc(t1, 3);
	d_rstop(t1);
	d_dump(m, 0, 4);
}

/* The ctxsw bit around remote sections. */
static void x_ctxsw_and_sections(void)
{
	int m, t1 = d_task(T0), t2 = d_task(T0);

	remote_dev(T0, KCOV_TRACE_PC, 64, &m, USB(1));
	d_ctx(t1, D_CTXSW_IN);
	d_rstart(t1, USB(1));
	d_pc(t1, 1);
	d_ctx(t1, D_CTXSW_OUT);
	d_pc(t1, 2);
	d_rstop(t1);
	d_rstart(t2, USB(1));
	d_pc(t2, 3);
	d_ctx(t2, D_CTXSW_IN);
	d_pc(t2, 4);
	d_ctx(t2, D_SOFTIRQ_IN);
	d_rstart(t2, USB(1));
	d_ctx(t2, D_SOFTIRQ_OUT);
	d_rstop(t2);
	d_ctx(t2, D_CTXSW_OUT);
	d_pc(t2, 5);
	d_rstop(t2);
	d_dump(m, 0, 5);
}

/* Bits above the 32 of the ioctl command: the syscall drops them. */
static void x_ioctl_cmd_upper_bits(void)
{
	int f = d_open(T0), m;

	d_ioctl(T0, f, (1ul << 32) | KCOV_INIT_TRACE, 512);
	m = d_mmap(T0, f, 4096, D_RW, 0);
	d_ioctl(T0, f, (1ul << 40) | KCOV_ENABLE, KCOV_TRACE_PC);
	d_pc(T0, 1);
	d_ioctl(T0, f, (0xfffful << 48) | KCOV_DISABLE, 0);
	if (m >= 0)
		d_dump(m, 0, 2);
}

/* The INIT_TRACE size is an unsigned long; ENABLE's mode too. */
static void x_ioctl_arg_widths(void)
{
	int f = d_open(T0);

	d_init(T0, f, (1ul << 32) | 512);
	d_init(T0, f, 512);
	d_enable(T0, f, (1ul << 32) | KCOV_TRACE_PC);
	d_ioctl(T0, f, KCOV_DISABLE, 1ul << 32);
}

/* A thread created inside a softirq section, and by a remote owner. */
static void x_task_created_in_contexts(void)
{
	int m, t1 = d_task(T0), f = d_open(T0), t2, t3;

	d_init(T0, f, 512);
	m = d_mmap(T0, f, 4096, D_RW, 0);
	REN(T0, f, KCOV_TRACE_PC, 64, 0x42, USB(1));
	d_ctx(t1, D_SOFTIRQ_IN);
	d_rstart(t1, USB(1));
	t2 = d_task(t1);
	d_pc(t2, 1);
	d_common_handle(t2);
	d_rstop(t1);
	d_ctx(t1, D_SOFTIRQ_OUT);
	t3 = d_task(T0);
	d_common_handle(t3);
	d_pc(t3, 2);
	d_dump(m, 0, 2);
}

/* Many sections reuse the task pool; different sizes do not mix. */
static void x_pool_sizes(void)
{
	int m, t1 = d_task(T0), t2 = d_task(T0), f = d_open(T0), g = d_open(T0), mg;

	d_init(T0, f, 512);
	d_init(T0, g, 512);
	m = d_mmap(T0, f, 4096, D_RW, 0);
	mg = d_mmap(T0, g, 4096, D_RW, 0);
	REN(T0, f, KCOV_TRACE_PC, 8, 0, USB(1));
	REN(t2, g, KCOV_TRACE_PC, 4, 0, USB(2));
	d_rstart(t1, USB(1));
	d_rstart(t2, USB(2));	/* t2 owns g: WARN in P-2025 */
	d_pc(t1, 1);
	d_rstop(t1);
	d_rstart(t1, USB(2));
	d_pc(t1, 2);
	d_pc(t1, 3);
	d_pc(t1, 4);
	d_pc(t1, 5);
	d_rstop(t1);
	d_allocs();
	d_dump(m, 0, 3);
	d_dump(mg, 0, 5);
}

/* A large section buffer: 2^27 words (1 GiB), mostly never touched.
 * (Sizes the machine cannot hold are left out: whether vmalloc() fails
 * depends on the machine, or here on the arena's size.) */
static void x_area_size_huge(void)
{
	int m, t1 = d_task(T0), f = remote_dev(T0, KCOV_TRACE_PC, 1u << 27, &m, USB(1)),
	    d = d_dev(f);

	d_rstart(t1, USB(1));
	d_devinfo(d);
	d_pc(t1, 1);
	d_rstop(t1);
	d_dump(m, 0, 2);
	d_rstart(t1, USB(1));
	d_pc(t1, 2);
	d_rstop(t1);
	d_allocs();
	d_dump(m, 0, 3);
}

/* [P-2025] and [P-2026] alike: the remote owner's DISABLE (or a failed
 * REMOTE_ENABLE) clears its common handle; children made before keep
 * theirs. */
static void c079_remote_disable_handle(void)
{
	int f = d_open(T0), t1;

	d_init(T0, f, 512);
	REN0(T0, f, KCOV_TRACE_PC, 64, 0x42);
	t1 = d_task(T0);
	d_disable(T0, f);
	d_common_handle(T0);
	d_common_handle(t1);
	REN0(T0, f, KCOV_TRACE_PC, 64, 0x43);
	d_exit(t1);
	t1 = d_task(T0);
	d_common_handle(t1);
	d_exit(t1);
}

#define SC(fn)			{ #fn, fn, 1, 0 }
#define SC_CPUS(fn, n)		{ #fn, fn, n, 0 }
#define SC_NOCMP(fn)		{ #fn, fn, 1, SC_NO_CMP }

const struct scenario scenarios[] = {
	SC(c001_uapi),
	SC(c005_init_zeroed), SC(c006_init_small), SC(c007_init_max),
	SC(c008_init_twice), SC(c009_init_after_disable), SC(c010_init_two_tasks),
	SC(c011_mmap_before_init), SC(c012_mmap_bad_len_off), SC(c013_mmap_len_one),
	SC(c014_init_513), SC(c015_init_two_words), SC(c016_two_maps_alias),
	SC(c017_map_after_enable), SC(c019_readonly_map),
	SC(c020_enable_uninit), SC(c021_enable_without_mmap),
	SC(c022_enable_bad_mode), SC_NOCMP(c023_no_cmp_support),
	SC(c024_enable_twice), SC(c025_enable_other_task),
	SC(c026_enable_second_fd), SC(c027_disable_then_other),
	SC(c028_disable_nonzero_arg), SC(c029_disable_non_owner),
	SC(c030_disable_states), SC(c031_unknown_ioctls),
	SC(c032_stale_counter), SC(c033_after_disable),
	SC(c035_pc_sites), SC(c036_capacity_unmappable), SC(c037_full_buffer),
	SC(c038_counter_wrap_pc), SC(c039_not_enabled_task),
	SC(c040_cmp_mode_ignores_pc), SC(c041_interrupt_contexts),
	SC(c042_bh_disabled), SC(c043_ctxsw),
	SC(c045_cmp1_record), SC(c046_cmp_sizes), SC(c047_const_cmp),
	SC(c048_zero_extend), SC(c049_cmp8_high_bit), SC(c050_cmp_capacity),
	SC(c051_cmp_512_full), SC(c052_pc_mode_ignores_cmp), SC(c053_switch),
	SC(c054_switch_widths), SC(c055_switch_no_cases),
	SC(c056_switch_room_for_two), SC(c057_cmp_counter_wrap),
	SC(c059_new_task_off), SC(c060_exit_while_enabled),
	SC(c061_close_while_enabled), SC(c062_close_with_mapping), SC(c063_dup),
	SC(c064_num_handles), SC(c065_bad_pointers), SC(c066_ren_opened_only),
	SC(c067_ren_bad_mode), SC_NOCMP(c067_ren_no_cmp_support),
	SC(c068_common_in_list), SC(c069_zero_handle), SC(c070_reserved_bits),
	SC(c071_common_handle_checks), SC(c072_duplicate_handles),
	SC(c073_handle_taken), SC(c074_empty_remote_enable),
	SC(c075_after_remote_enable), SC(c076_local_plus_remote),
	SC(c077_owner_disable_other_task), SC(c078_failed_ren_clears_handle),
	SC(c079_local_disable_handle),
	SC(c080_remote_usb), SC(c081_common_worker),
	SC(c082_common_handle_contexts), SC(c083_unregistered_handle),
	SC(c084_invalid_handle), SC(c085_sequential_sections),
	SC(c086_concurrent_sections), SC(c087_pc_truncation),
	SC(c088_cmp_partial_record), SC(c089_corrupt_counter),
	SC(c090_tiny_area_size), SC(c091_pool_reuse), SC(c092_cmp_remote),
	SC(c093_disable_race), SC(c094_disable_reenable_race),
	SC(c095_close_race), SC(c096_owner_exits),
	SC(c097_softirq_over_local), SC(c098_hardirq_in_softirq_section),
	SC(c099_start_in_hardirq_over_softirq), SC(c100_nested_softirq_start),
	SC(c101_nested_task_start), SC(c102_usb_softirq_helpers),
	SC(c103_softirq_without_handle), SC_CPUS(c104_irq_pool_exhausted, 1),
	SC_CPUS(c104_irq_pool_two_cpus, 2), SC(c105_softirq_over_remote_owner),
	SC(c106_enable_disable_pingpong), SC(c107_sections_vs_churn),
	SC(x_cmp_counter_2p62), SC(x_cmp_counter_large),
	SC(x_closed_remote_keeps_capturing), SC(x_start_inside_local),
	SC(x_stop_without_start_local), SC(x_stop_by_remote_owner),
	SC(x_ioctls_inside_section), SC(x_exit_inside_section),
	SC(x_softirq_exit_open_section), SC(x_softirq_over_task_section),
	SC(x_ctxsw_and_sections), SC(x_ioctl_cmd_upper_bits),
	SC(x_ioctl_arg_widths), SC(x_task_created_in_contexts), SC(x_pool_sizes),
	SC(x_area_size_huge), SC(c079_remote_disable_handle),
};
const size_t nr_scenarios = sizeof(scenarios) / sizeof(scenarios[0]);
