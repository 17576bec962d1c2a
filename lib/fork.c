/* SPDX-License-Identifier: MIT */
/*
 * fork.c - fork() of the whole simulated kernel (DESIGN 4). One process is
 * one simulated kernel: the child gets a consistent copy of every file's
 * state (pthread_atfork), while the coverage pages stay shared, and its
 * only thread is re-initialised as kcov_task_init() does.
 *
 * The lock order of the library, which prepare takes and parent/child
 * release in reverse; a lock is only ever taken while holding the ones
 * above it:
 */
#include <sys/single_threaded.h>

#include "internal.h"

static const struct {
	const char	*locks;		/* for the reader: what, and where */
	void		(*fork)(int when);
} lock_order[] = {
	{ "devices_lock, every kcov->lock, remote_lock (kcov.c)", ksim_kcov_fork },
	{ "files_lock, umap_lock (vfs.c)",			ksim_vfs_fork },
	{ "log_lock (record.c)",				ksim_record_fork },
	{ "table_lock (pc.c)",					ksim_pc_fork },
	{ "shadow_lock, symtab_lock (shadow.c)",		ksim_shadow_fork },
	{ "warn_lock (sim.c)",					ksim_sim_fork },
};

/*
 * Whether the prepare handler took every lock. A single-threaded process
 * has no other thread that could hold one across fork(), and locking and
 * unlocking them all would only dirty pages that fork() has just shared
 * (page faults in the fork-server loop). Written before fork() only.
 */
static bool fork_locked;

static notrace void fork_prepare(void)
{
	bool lock = !__libc_single_threaded;
	size_t i;

	/* Written only on a change: a store per fork would fault each time. */
	if (fork_locked != lock)
		fork_locked = lock;
	if (!lock)
		return;
	for (i = 0; i < ARRAY_SIZE(lock_order); i++)
		lock_order[i].fork(KSIM_FORK_PREPARE);
}

static notrace void fork_parent(void)
{
	size_t i = ARRAY_SIZE(lock_order);

	if (!fork_locked)
		return;
	while (i--)
		lock_order[i].fork(KSIM_FORK_PARENT);
}

/* Other threads are gone: their locks may not be released, so re-create. */
static notrace void fork_child(void)
{
	size_t i = ARRAY_SIZE(lock_order);

	if (fork_locked)
		while (i--)
			lock_order[i].fork(KSIM_FORK_CHILD);
	kcov_task_init(&ksim_current);
}

/*
 * Called once at load by the front door (shim.c): from a static archive
 * the linker takes only objects something refers to, and every program
 * that can hold a device goes through the front door.
 */
notrace void ksim_fork_init(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}
