/* SPDX-License-Identifier: MIT */
/*
 * record.c - golden-coverage recording. With KCOV_SIM_RECORD=<file> in the
 * environment at load time, the PCs a TRACE_PC device collected are
 * appended to <file> when the device is detached (KCOV_DISABLE, owner
 * thread exit, remote disable), and at process exit for devices still
 * enabled then (fork-server children exit without KCOV_DISABLE).
 *
 * The file is text that kcov-sim-symbolize reads as it is: per batch, a
 * "#kcov-sim batch" comment, one module line per module the batch touches
 * (the format of kcov_sim_pc_map_write()), then one PC per line in
 * KCOV_SIM_PC_MODULE form (16 hex digits), whatever the PC mode was. PCs
 * that belong to no module are written as collected.
 *
 * Each batch is one write(2) to a descriptor opened with O_APPEND just for
 * it, so forked children and concurrent threads append whole batches and
 * nothing stays open across fork or a close-all loop. Without the variable
 * ksim_record() is one load and a return.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "pc_encode.h"

#define BATCH_PCS	65536	/* PCs per write(2) */
#define BATCH_MODS	32	/* module lines per batch; more: no line */
#define PC_LINE		17	/* 16 hex digits and a newline */
#define MOD_LINE	(4096 + 160)

static const char *record_path;	/* set once by the constructor */
static bool exiting;		/* the exit pass ran: record nothing more */

struct batch {
	char		*buf;
	size_t		len;
	uint32_t	ids[BATCH_MODS];
	unsigned int	nr_ids;
};

static notrace void batch_module(struct batch *b, const struct kcov_sim_pc_loc *loc)
{
	unsigned int i;

	for (i = 0; i < b->nr_ids; i++)
		if (b->ids[i] == loc->module_id)
			return;
	if (b->nr_ids == BATCH_MODS)
		return;
	b->ids[b->nr_ids++] = loc->module_id;
	b->len += ksim_map_line(b->buf + b->len, MOD_LINE, loc->module_id,
				loc->kernel_slot, loc->build_id,
				loc->build_id_len, loc->path);
}

/* Write all of @len bytes in one call where the kernel lets us. */
static notrace void write_all(const char *buf, size_t len)
{
	int fd = open(record_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "kcov-sim: KCOV_SIM_RECORD=%s: cannot open\n",
			record_path);
		return;
	}
	while (len) {
		n = write(fd, buf, len);
		if (n <= 0)
			break;
		buf += n;
		len -= (size_t)n;
	}
	ksim_real_close(fd);
}

/* One batch of up to BATCH_PCS entries of @area, starting at @first. */
static notrace void record_batch(struct kcov *kcov, const unsigned long *area,
				 size_t first, size_t n)
{
	struct batch b = { .len = 0, .nr_ids = 0 };
	struct kcov_sim_pc_loc loc;
	size_t i, cap;
	uint64_t pc;

	cap = 96 + BATCH_MODS * MOD_LINE + n * PC_LINE;
	b.buf = malloc(cap);
	if (!b.buf)
		return;
	b.len = (size_t)snprintf(b.buf, 96, "#kcov-sim batch pid=%d dev=%llu n=%zu\n",
				 (int)getpid(), (unsigned long long)kcov->id, n);
	/* Module lines first: the reader must know a module before its PCs. */
	for (i = 0; i < n; i++)
		if (!kcov_sim_pc_decode(READ_ONCE(area[first + i]), &loc))
			batch_module(&b, &loc);
	for (i = 0; i < n; i++) {
		pc = READ_ONCE(area[first + i]);
		if (!kcov_sim_pc_decode(pc, &loc))
			pc = loc.module_pc;
		b.len += (size_t)snprintf(b.buf + b.len, PC_LINE + 1, "%016llx\n",
					  (unsigned long long)pc);
	}
	write_all(b.buf, b.len);
	free(b.buf);
}

/*
 * Append what @kcov collected. Caller holds kcov->lock, so neither the
 * mode nor the buffer changes under us; the hooks of a remote section copy
 * into area under that lock too (kcov_remote_stop()).
 */
notrace void ksim_record(struct kcov *kcov)
{
	const unsigned long *area;
	size_t n, i;

	if (likely(!record_path) || READ_ONCE(exiting))
		return;
	if (kcov->mode != KCOV_MODE_TRACE_PC || !kcov->area || kcov->size < 2)
		return;
	area = kcov->area;
	n = READ_ONCE(area[0]);
	if (n > kcov->size - 1)		/* the user may write anything there */
		n = kcov->size - 1;
	for (i = 0; i < n; i += BATCH_PCS)
		record_batch(kcov, area, 1 + i, n - i < BATCH_PCS ? n - i : BATCH_PCS);
}

/*
 * At exit: devices whose owner never disabled them. In a forked child a
 * device may still name the forking thread's task, whose copy here was
 * re-initialised (t->kcov no longer points back): the parent owns that
 * one and records it.
 */
static notrace void record_live(struct kcov *kcov, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&kcov->lock);
	if (kcov->t && READ_ONCE(kcov->t->kcov) == kcov)
		ksim_record(kcov);
	pthread_mutex_unlock(&kcov->lock);
}

__attribute__((destructor)) static notrace void record_exit(void)
{
	if (!record_path)
		return;
	ksim_dev_foreach(record_live, NULL);
	/* A thread that still runs may DISABLE later: it was recorded now. */
	WRITE_ONCE(exiting, true);
}

__attribute__((constructor)) static notrace void record_init(void)
{
	const char *path = getenv("KCOV_SIM_RECORD");

	if (path && *path)
		record_path = strdup(path);
}
