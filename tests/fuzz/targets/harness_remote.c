/* SPDX-License-Identifier: MIT */
/*
 * harness_remote.c - the remote magic: each input is handed to a worker
 * thread (a kernel thread's stand-in), which checks it inside a remote
 * coverage section with the common handle it inherited, as a vhost worker
 * does with the handle of the task that created it. The harness waits for
 * the worker, so the section's coverage belongs to this input.
 */
#include <pthread.h>

#include <kcov-sim/kernel.h>

#include "planted.h"

struct work {
	const uint8_t	*data;
	size_t		size;
};

static void *worker(void *arg)
{
	struct work *w = arg;

	kcov_remote_start_common(kcov_common_handle());
	planted_remote_work(w->data, w->size);
	kcov_remote_stop();
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct work w = { data, size };
	pthread_t t;

	if (pthread_create(&t, NULL, worker, &w))
		return 0;
	pthread_join(t, NULL);
	return 0;
}
