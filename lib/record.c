/* SPDX-License-Identifier: MIT */
/*
 * record.c - golden-coverage recording. With KCOV_SIM_RECORD=<file> in the
 * environment at load time, every PC that a trace_pc hook appended during
 * the run - to any device, local or remote section, before and after every
 * reset of area[0] - is written to <file>, each once per flush.
 *
 * While recording, the PC mode carries KSIM_PC_RECORD, so the hooks take
 * their cold path for every PC and hand it to ksim_record_pc(): one probe
 * of a lock-free set of the PCs seen so far, and for a new one an append to
 * a log under a mutex. Without the variable the hooks are unchanged.
 *
 * The log is written out when a device is detached (KCOV_DISABLE, thread
 * exit: kcov.c calls ksim_record_flush()) and at process exit. A process
 * that ends with _exit() without a DISABLE loses what it did not flush.
 *
 * The file is text that kcov-sim-symbolize reads as it is: per flush, a
 * "#kcov-sim batch" comment, one module line per module the batch touches
 * (the format of kcov_sim_pc_map_write()), then one PC per line in
 * KCOV_SIM_PC_MODULE form (16 hex digits), whatever the PC mode was. PCs
 * that belong to no module are written raw. A batch is one write(2) to a
 * descriptor opened with O_APPEND just for it, so forked children and
 * threads append whole batches; nothing stays open across fork.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "pc_encode.h"

#define SET_BITS	22		/* 4 Mi slots: far more PCs than a program has */
#define SET_SLOTS	(1ul << SET_BITS)
#define BATCH_MODS	32		/* module lines per batch; more: no line */
#define PC_LINE		17		/* 16 hex digits and a newline */
#define MOD_LINE	(4096 + 160)

static const char *record_path;	/* set once by the constructor */
static uintptr_t *set;		/* open addressing, 0 = free; atomic slots */
static unsigned long set_full;	/* atomic: PCs dropped for lack of room */

/* PCs in the order first seen; [0, flushed) are in the file already. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t *log_pcs;		/* log_lock */
static size_t log_len, log_cap, flushed;	/* log_lock */

static notrace size_t set_hash(uintptr_t ip)
{
	return (size_t)((ip * 0x9E3779B97F4A7C15ull) >> (64 - SET_BITS));
}

static notrace void log_append(uintptr_t ip)
{
	uintptr_t *bigger;

	pthread_mutex_lock(&log_lock);
	if (log_len == log_cap) {
		bigger = ksim_realloc(log_pcs, (log_cap ? 2 * log_cap : 4096) *
					       sizeof(*log_pcs));
		if (!bigger) {
			pthread_mutex_unlock(&log_lock);
			return;
		}
		log_pcs = bigger;
		log_cap = log_cap ? 2 * log_cap : 4096;
	}
	log_pcs[log_len++] = ip;
	pthread_mutex_unlock(&log_lock);
}

/* From the hooks' cold path, on any thread: remember @ip once. */
notrace void ksim_record_pc(uintptr_t ip)
{
	size_t i, n;
	uintptr_t cur;

	if (unlikely(!set || !ip))
		return;
	for (i = set_hash(ip), n = 0; n < SET_SLOTS; i = (i + 1) & (SET_SLOTS - 1), n++) {
		cur = __atomic_load_n(&set[i], __ATOMIC_RELAXED);
		if (cur == ip)
			return;
		if (cur)
			continue;
		if (atomic_try_cmpxchg(&set[i], &cur, ip)) {
			log_append(ip);
			return;
		}
		if (cur == ip)	/* another thread inserted it just now */
			return;
	}
	atomic_inc(&set_full);
}

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

/* Write all of @len bytes, in one call where the kernel lets us. */
static notrace void write_all(const char *buf, size_t len)
{
	int fd = ksim_libc_open(record_path,
				O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "kcov-sim: KCOV_SIM_RECORD=%s: cannot open\n",
			record_path);
		return;
	}
	while (len) {
		n = ksim_libc_write(fd, buf, len);
		if (n <= 0)
			break;
		buf += n;
		len -= (size_t)n;
	}
	ksim_libc_close(fd);
}

/* One batch of @n raw PCs. */
static notrace void record_batch(const uintptr_t *pcs, size_t n)
{
	struct batch b = { .len = 0, .nr_ids = 0 };
	struct kcov_sim_pc_loc loc;
	size_t i, cap;
	uint64_t pc;

	cap = 96 + BATCH_MODS * MOD_LINE + n * PC_LINE;
	b.buf = ksim_malloc(cap);
	if (!b.buf)
		return;
	b.len = (size_t)snprintf(b.buf, 96, "#kcov-sim batch pid=%d n=%zu\n",
				 (int)getpid(), n);
	/* Module lines first: the reader must know a module before its PCs. */
	for (i = 0; i < n; i++)
		if (!kcov_sim_pc_decode(pcs[i] - READ_ONCE(ksim_pc_bias), &loc))
			batch_module(&b, &loc);
	for (i = 0; i < n; i++) {
		pc = pcs[i];
		if (!kcov_sim_pc_decode(pc - READ_ONCE(ksim_pc_bias), &loc))
			pc = loc.module_pc;
		b.len += (size_t)snprintf(b.buf + b.len, PC_LINE + 1, "%016llx\n",
					  (unsigned long long)pc);
	}
	write_all(b.buf, b.len);
	free(b.buf);
}

/* Write what was recorded since the last flush. Takes no other lock. */
notrace void ksim_record_flush(void)
{
	uintptr_t *pcs;
	size_t n;

	if (likely(!record_path))
		return;
	pthread_mutex_lock(&log_lock);
	n = log_len - flushed;
	pcs = n ? ksim_malloc(n * sizeof(*pcs)) : NULL;
	if (pcs) {
		memcpy(pcs, log_pcs + flushed, n * sizeof(*pcs));
		flushed = log_len;
	}
	pthread_mutex_unlock(&log_lock);
	if (!pcs)
		return;
	record_batch(pcs, n);
	free(pcs);
}

/*
 * Called by fork.c's handlers when other threads may exist. A child writes
 * only what it finds itself: what the parent has not flushed yet, the
 * parent will.
 */
notrace void ksim_record_fork(int when)
{
	ksim_fork_lock(&log_lock, when);
	if (when == KSIM_FORK_CHILD)
		flushed = log_len;
}

__attribute__((destructor)) static notrace void record_exit(void)
{
	ksim_record_flush();
	if (READ_ONCE(set_full))
		fprintf(stderr, "kcov-sim: KCOV_SIM_RECORD: %lu PCs not recorded "
			"(set full)\n", READ_ONCE(set_full));
}

__attribute__((constructor)) static notrace void record_init(void)
{
	const char *path = getenv("KCOV_SIM_RECORD");
	void *p;

	if (!path || !*path)
		return;
	/* Reserved, not committed: only the slots PCs hash to are touched. */
	p = ksim_libc_mmap(NULL, SET_SLOTS * sizeof(*set), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	record_path = ksim_strdup(path);
	if (IS_ERR_VALUE(p) || !record_path) {
		fprintf(stderr, "kcov-sim: KCOV_SIM_RECORD=%s: out of memory, "
			"not recording\n", path);
		record_path = NULL;
		return;
	}
	set = p;
	WRITE_ONCE(ksim_pc_mode, READ_ONCE(ksim_pc_mode) | KSIM_PC_RECORD);
}
