// SPDX-License-Identifier: MIT
/*
 * gen.c - random operation sequences for the differential test.
 *
 * A sequence opens a few devices and, most of the time, registers remote
 * handles first, then runs ops on up to four tasks: ioctls, mappings,
 * counter resets, PC/CMP/switch hooks, task-context remote sections on
 * registered handles (three in four pick a handle that is registered),
 * softirq sections on top of whatever a task runs (never more tasks in a
 * softirq than simulated CPUs, as on a non-RT kernel), hardirqs inside
 * them, context-switch bits, task creation and exit. Misuse the kernel
 * does not survive is never generated: remote_start()/remote_stop() in
 * task context only on tasks without coverage of their own (spec 5.12),
 * and a softirq returns only after its section ended.
 *
 * After every op the words that changed in every mapping are printed;
 * "# stats" counts how many remote sections ended and how many of those
 * changed a buffer (ksim-oracle-diff adds them up).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "gen.h"
#include "scenario.h"

#define G_TASKS		4
#define G_FILES		4
#define G_HANDLES	7

static const uint64_t handle_pool[G_HANDLES] = {
	KCOV_SUBSYSTEM_USB | 1, KCOV_SUBSYSTEM_USB | 2, KCOV_SUBSYSTEM_USB | 3,
	KCOV_SUBSYSTEM_USB | 4, KCOV_SUBSYSTEM_USB | 5, 0x42, 0x43,
};

struct g_task {
	int	id;		/* driver task, -1: none */
	int	cov;		/* owns a device (local or remote) */
	int	softirq, hardirq, ctxsw;
	int	task_section;	/* remote_start() called in task context */
	int	sirq_section;	/* remote_start() called in this softirq */
	int	sec_cmp;	/* the section's device traces CMP */
	int	sec_hooks;	/* hooks run in the open section */
	int	sec_file;	/* g_file whose handle it started on, or -1 */
};

struct g_file {
	int		f;		/* driver file, -1: none */
	int		map;		/* driver mapping, -1: none */
	unsigned long	size;		/* 0: not initialised */
	int		owner;		/* g_task index, -1 */
	int		remote;
	uint64_t	handles[G_HANDLES];
	int		nr_handles;
	int		cmp;		/* the remote mode is KCOV_TRACE_CMP */
};

struct gen {
	struct gen_rng	rng;
	struct g_task	t[G_TASKS];
	struct g_file	f[G_FILES];
	unsigned int	max_softirq, in_softirq;
	unsigned long	stops, delivered, task_starts, sirq_starts, rens_ok;
	unsigned long	stops_reg, delivered_reg;
};

static int registered(struct gen *g, uint64_t h)
{
	int i, k;

	for (i = 0; i < G_FILES; i++)
		for (k = 0; k < g->f[i].nr_handles; k++)
			if (g->f[i].handles[k] == h)
				return 1;
	return 0;
}

static void file_reset(struct g_file *f)
{
	f->owner = -1;
	f->remote = 0;
	f->nr_handles = 0;
}

/* Task @ti stopped owning whatever it owned (DISABLE or exit). */
static void owner_gone(struct gen *g, int ti)
{
	int i;

	for (i = 0; i < G_FILES; i++)
		if (g->f[i].f >= 0 && g->f[i].owner == ti)
			file_reset(&g->f[i]);
	g->t[ti].cov = 0;
}

static int pick_task(struct gen *g)
{
	int live[G_TASKS], busy[G_TASKS], n = 0, nb = 0, i;

	for (i = 0; i < G_TASKS; i++) {
		if (g->t[i].id < 0)
			continue;
		live[n++] = i;
		if (g->t[i].task_section || g->t[i].sirq_section)
			busy[nb++] = i;
	}
	/* Mostly the tasks inside a section, so that sections see hooks. */
	if (nb && gen_chance(&g->rng, 60))
		return busy[gen_below(&g->rng, nb)];
	return live[gen_below(&g->rng, n)];
}

static int pick_file(struct gen *g)
{
	int live[G_FILES], n = 0, i;

	for (i = 0; i < G_FILES; i++)
		if (g->f[i].f >= 0)
			live[n++] = i;
	return n ? live[gen_below(&g->rng, n)] : -1;
}

static unsigned long pick_size(struct gen *g)
{
	static const unsigned long odd[] = { 8, 4, 9, 2, 513, 5 };

	if (gen_chance(&g->rng, 85))
		return gen_chance(&g->rng, 70) ? 512 : 1024;
	return odd[gen_below(&g->rng, sizeof(odd) / sizeof(odd[0]))];
}

static void op_open_init(struct gen *g, int ti)
{
	int fi, t = g->t[ti].id;
	struct g_file *f;

	for (fi = 0; fi < G_FILES && g->f[fi].f >= 0; fi++)
		;
	if (fi == G_FILES)
		return;
	f = &g->f[fi];
	f->f = d_open(t);
	if (f->f < 0)
		return;
	file_reset(f);
	f->map = -1;
	f->size = pick_size(g);
	if (d_init(t, f->f, f->size))
		f->size = 0;
	else if (gen_chance(&g->rng, 90))
		f->map = d_mmap(t, f->f, f->size * sizeof(long), D_RW, 0);
}

static void op_remote_enable(struct gen *g, int ti, struct g_file *f)
{
	static const unsigned int areas[] = {
		64, 512, 64, 512, 256, 64, 2048, 16, 8, 1, 4, 64, 512, 128,
	};
	uint64_t hs[4], common = 0;
	int n = 1 + gen_below(&g->rng, 3), i, k = 0;
	unsigned int mode = gen_chance(&g->rng, 70) ? KCOV_TRACE_PC : KCOV_TRACE_CMP;
	unsigned int area = areas[gen_below(&g->rng, sizeof(areas) / sizeof(areas[0]))];

	if (gen_chance(&g->rng, 3))
		mode = 2;
	for (i = 0; i < n; i++) {
		uint64_t h = handle_pool[gen_below(&g->rng, 5)];
		int j, dup = 0;

		for (j = 0; j < k; j++)
			dup |= hs[j] == h;
		/* Mostly free handles, so the enable succeeds. */
		if ((registered(g, h) || dup) && gen_chance(&g->rng, 90))
			continue;
		if (gen_chance(&g->rng, 3))
			h = gen_chance(&g->rng, 50) ? 0 : (3ull << 56) | 1;
		hs[k++] = h;
	}
	if (gen_chance(&g->rng, 25)) {
		common = handle_pool[5 + gen_below(&g->rng, 2)];
		if (registered(g, common) && gen_chance(&g->rng, 85))
			common = 0;
	}
	if (d_remote_enable(g->t[ti].id, f->f, mode, area, common, k, hs) == 0) {
		f->owner = ti;
		f->remote = 1;
		f->cmp = mode == KCOV_TRACE_CMP;
		f->nr_handles = 0;
		for (i = 0; i < k; i++)
			f->handles[f->nr_handles++] = hs[i];
		if (common)
			f->handles[f->nr_handles++] = common;
		g->t[ti].cov = 1;
		g->rens_ok++;
	}
}

/* The owner disables its remote device and registers the same handles
 * again, while sections may be running (spec 5.10, cases 93/94). */
static int op_churn(struct gen *g, int ti)
{
	uint64_t hs[G_HANDLES];
	int fi, n, i, t = g->t[ti].id;
	struct g_file *f;

	for (fi = 0; fi < G_FILES; fi++)
		if (g->f[fi].f >= 0 && g->f[fi].owner == ti && g->f[fi].remote)
			break;
	if (fi == G_FILES)
		return 0;
	uint64_t common = 0;

	f = &g->f[fi];
	for (i = n = 0; i < f->nr_handles; i++) {
		if (f->handles[i] >> 56)
			hs[n++] = f->handles[i];
		else
			common = f->handles[i];
	}
	if (d_disable(t, f->f))
		return 1;
	owner_gone(g, ti);
	if (gen_chance(&g->rng, 70) &&
	    !d_remote_enable(t, f->f, f->cmp ? KCOV_TRACE_CMP : KCOV_TRACE_PC,
			     64, common, n, hs)) {
		f->owner = ti;
		f->remote = 1;
		f->nr_handles = n;
		memcpy(f->handles, hs, sizeof(hs));
		if (common)
			f->handles[f->nr_handles++] = common;
		g->t[ti].cov = 1;
		g->rens_ok++;
	}
	return 1;
}

static void op_ioctl(struct gen *g, int ti)
{
	int fi = pick_file(g), t = g->t[ti].id;
	struct g_file *f;
	unsigned int r = gen_below(&g->rng, 100);

	if (r < 20 && op_churn(g, ti))
		return;

	if (fi < 0) {
		op_open_init(g, ti);
		return;
	}
	f = &g->f[fi];
	if (r < 35) {
		if (!d_enable(t, f->f, gen_chance(&g->rng, 70) ? KCOV_TRACE_PC :
			      gen_chance(&g->rng, 90) ? KCOV_TRACE_CMP : 5)) {
			f->owner = ti;
			g->t[ti].cov = 1;
			if (f->map >= 0)
				d_poke(f->map, 0, 0);
		}
	} else if (r < 60) {
		if (!d_disable(t, f->f))
			owner_gone(g, ti);
	} else if (r < 85) {
		op_remote_enable(g, ti, f);
	} else if (r < 90) {
		d_init(t, f->f, pick_size(g));
	} else if (r < 95) {
		if (f->map < 0 && f->size)
			f->map = d_mmap(t, f->f, f->size * sizeof(long), D_RW, 0);
		else
			d_mmap(t, f->f, 4096 * (1 + gen_below(&g->rng, 2)), D_RW,
			       gen_chance(&g->rng, 20) ? 4096 : 0);
	} else {
		d_ioctl(t, f->f, gen_chance(&g->rng, 50) ? 0x6368 : KCOV_DISABLE, 1);
	}
}

static void op_poke(struct gen *g)
{
	int fi = pick_file(g);
	struct g_file *f;
	unsigned long v;

	if (fi < 0 || g->f[fi].map < 0)
		return;
	f = &g->f[fi];
	switch (gen_below(&g->rng, 16)) {
	case 0: v = f->size - 1; break;
	case 1: v = f->size - 2; break;
	case 2: v = (f->size - 1) / 4; break;
	case 3: v = (f->size - 1) / 4 - 1; break;
	case 4: v = gen_below(&g->rng, 16); break;
	default: v = 0; break;		/* the usual reset */
	}
	d_poke(f->map, 0, v);
}

/* A hook; @cmp: mostly CMP hooks (the code runs for a CMP device). */
static void op_hook_for(struct gen *g, int t, int cmp)
{
	static const uint64_t sw[] = { 3, 32, 1, 5, 9 }, sw8[] = { 2, 8, 0xff, 7 };
	unsigned int r = gen_below(&g->rng, 10);

	if (cmp)
		r = r < 1 ? 0 : 6 + r % 4;	/* nine in ten CMP/switch */
	else
		r = r < 9 ? 0 : 6 + gen_below(&g->rng, 4);
	if (r < 6)
		d_pc(t, gen_below(&g->rng, 16));
	else if (r < 9)
		d_cmp(t, gen_below(&g->rng, 8), gen_below(&g->rng, 300),
		      gen_next(&g->rng) >> gen_below(&g->rng, 64));
	else
		d_switch(t, gen_below(&g->rng, 10), gen_chance(&g->rng, 50) ? sw : sw8);
}

static void op_hook(struct gen *g, int t)
{
	op_hook_for(g, t, gen_chance(&g->rng, 35));
}

/* The open section's code: hooks of its device's kind. */
static void section_hook(struct gen *g, struct g_task *k)
{
	op_hook_for(g, k->id, k->sec_cmp);
	k->sec_hooks++;
}

/* A handle for remote_start(): mostly one that is registered. */
static uint64_t pick_handle(struct gen *g)
{
	uint64_t regs[G_FILES * G_HANDLES];
	int n = 0, i, k;

	for (i = 0; i < G_FILES; i++)
		for (k = 0; k < g->f[i].nr_handles; k++)
			regs[n++] = g->f[i].handles[k];
	if (n && gen_chance(&g->rng, 90))
		return regs[gen_below(&g->rng, n)];
	if (gen_chance(&g->rng, 3))
		return (2ull << 56) | 1;		/* invalid: WARN */
	return handle_pool[gen_below(&g->rng, G_HANDLES)];
}

static void section_start(struct gen *g, struct g_task *k, uint64_t h,
			  int softirq)
{
	unsigned int r = gen_below(&g->rng, 10);
	int t = k->id, i, j;

	k->sec_cmp = 0;
	k->sec_hooks = 0;
	k->sec_file = -1;
	for (i = 0; i < G_FILES; i++)
		for (j = 0; j < g->f[i].nr_handles; j++)
			if (g->f[i].handles[j] == h) {
				k->sec_cmp = g->f[i].cmp;
				k->sec_file = i;
			}

	if (softirq && h >> 56 == 1 && r < 4)
		d_rstart_usb_softirq(t, h & 0xffffffff);
	else if (!softirq && h >> 56 == 1 && r < 2)
		d_rstart_usb(t, h & 0xffffffff);
	else if (h >> 56 == 0 && r < 3)
		d_rstart_common(t, h);
	else
		d_rstart(t, h);
}

static void section_stop(struct gen *g, struct g_task *k, int softirq)
{
	int changed;

	if (softirq && gen_chance(&g->rng, 40))
		d_rstop_softirq(k->id);
	else
		d_rstop(k->id);
	changed = d_diff_maps() > 0;
	g->stops++;
	g->delivered += changed;
	if (k->sec_file >= 0) {
		g->stops_reg++;
		g->delivered_reg += changed;
		if (getenv("KSIM_GEN_DEBUG") && !changed)
			d_comment("undelivered: file map=%d size=%lu hooks=%d cmp=%d",
				  g->f[k->sec_file].map, g->f[k->sec_file].size,
				  k->sec_hooks, k->sec_cmp);
	}
}

/* One step of task @ti, chosen by where the task is. */
static void step_task(struct gen *g, int ti)
{
	struct g_task *k = &g->t[ti];
	int t = k->id;
	unsigned int r = gen_below(&g->rng, 100);

	if (k->hardirq) {
		if (r < 50)
			op_hook(g, t);
		else if (r < 55)
			d_rstop(t);		/* ignored in a hardirq */
		else {
			d_ctx(t, D_HARDIRQ_OUT);
			k->hardirq = 0;
		}
		return;
	}
	if (k->softirq) {
		if (!k->sirq_section && r < 50) {
			section_start(g, k, pick_handle(g), 1);
			k->sirq_section = 1;
			g->sirq_starts++;
		} else if (r < 70 || (k->sirq_section && !k->sec_hooks && r < 90)) {
			if (k->sirq_section)
				section_hook(g, k);
			else
				op_hook(g, t);
		} else if (r < 75) {
			d_ctx(t, D_HARDIRQ_IN);
			k->hardirq = 1;
		} else if (r < 78) {
			d_common_handle(t);
		} else if (k->sirq_section && !k->sec_hooks) {
			section_hook(g, k);
		} else if (k->sirq_section) {
			section_stop(g, k, 1);
			k->sirq_section = 0;
		} else {
			d_ctx(t, D_SOFTIRQ_OUT);
			k->softirq = 0;
			g->in_softirq--;
		}
		return;
	}
	/* Task context; inside a section mostly hooks, then the stop. */
	if (k->task_section && r < 60) {
		if (r < 40 || !k->sec_hooks)
			section_hook(g, k);
		else {
			section_stop(g, k, 0);
			k->task_section = 0;
		}
	} else if (r < 30) {
		op_hook(g, t);
	} else if (r < 48) {
		op_ioctl(g, ti);
	} else if (r < 63) {
		if (k->cov)
			op_hook(g, t);
		else if (!k->task_section) {
			section_start(g, k, pick_handle(g), 0);
			k->task_section = 1;
			g->task_starts++;
		} else {
			section_stop(g, k, 0);
			k->task_section = 0;
		}
	} else if (r < 75) {
		if (g->in_softirq < g->max_softirq) {
			d_ctx(t, D_SOFTIRQ_IN);
			k->softirq = 1;
			g->in_softirq++;
		} else {
			op_hook(g, t);
		}
	} else if (r < 81) {
		op_poke(g);
	} else if (r < 84) {
		/* Rarely inside a section: the bit silences its hooks. */
		if (!k->task_section || gen_chance(&g->rng, 10)) {
			d_ctx(t, k->ctxsw ? D_CTXSW_OUT : D_CTXSW_IN);
			k->ctxsw = !k->ctxsw;
		}
	} else if (r < 87) {
		d_ctx(t, D_BH_OFF);
		op_hook(g, t);
		d_ctx(t, D_BH_ON);
	} else if (r < 90) {
		d_common_handle(t);
	} else if (r < 94) {
		int i;

		for (i = 0; i < G_TASKS && g->t[i].id >= 0; i++)
			;
		if (i < G_TASKS) {
			memset(&g->t[i], 0, sizeof(g->t[i]));
			g->t[i].id = d_task(t);
		}
	} else if (r < 97) {
		/* Exit inside a section leaks its buffer in the kernel, not in
		 * the library: scenario x_exit_inside_section shows that. */
		if (ti != 0 && !k->task_section) {
			d_exit(t);
			owner_gone(g, ti);
			k->id = -1;
		}
	} else {
		op_open_init(g, ti);
	}
}

/* Devices first: nine sequences in ten start with remote handles
 * registered on a mapped buffer, owned by a task of their own. */
static void setup(struct gen *g)
{
	int n = 1 + gen_below(&g->rng, 3), i, fi;

	for (i = 0; i < n; i++)
		op_open_init(g, 0);
	for (i = 1; i < 3; i++) {
		if (!gen_chance(&g->rng, 70))
			continue;
		memset(&g->t[i], 0, sizeof(g->t[i]));
		g->t[i].id = d_task(0);
	}
	for (fi = 0; fi < G_FILES; fi++) {
		struct g_file *f = &g->f[fi];
		int ti = pick_task(g);

		if (f->f < 0 || !f->size || g->t[ti].cov || !gen_chance(&g->rng, 90))
			continue;
		op_remote_enable(g, ti, f);
		if (f->map >= 0)
			d_poke(f->map, 0, 0);
	}
}

void gen_sequence(const struct gen_config *cfg)
{
	struct gen g;
	unsigned int op;
	int i;

	memset(&g, 0, sizeof(g));
	g.rng.s = cfg->seed;
	g.max_softirq = cfg->irq_tasks ? cfg->irq_tasks :
			cfg->nr_cpus ? cfg->nr_cpus : 1;
	for (i = 0; i < G_TASKS; i++)
		g.t[i].id = -1;
	for (i = 0; i < G_FILES; i++) {
		g.f[i].f = -1;
		g.f[i].map = -1;
	}
	g.t[0].id = 0;
	setup(&g);
	for (op = 0; op < cfg->ops; op++) {
		step_task(&g, pick_task(&g));
		d_diff_maps();
	}
	for (i = 0; i < G_FILES; i++) {
		int d = g.f[i].f >= 0 ? d_dev(g.f[i].f) : -1;

		if (d >= 0)
			d_devinfo(d);
	}
	d_allocs();
	d_comment("stats ops=%u remote_enable_ok=%lu task_sections=%lu "
		  "softirq_sections=%lu sections_stopped=%lu delivered=%lu "
		  "stopped_on_registered=%lu delivered_on_registered=%lu",
		  cfg->ops, g.rens_ok, g.task_starts, g.sirq_starts, g.stops,
		  g.delivered, g.stops_reg, g.delivered_reg);
}
