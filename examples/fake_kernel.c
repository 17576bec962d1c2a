/* SPDX-License-Identifier: MIT */
/* fake_kernel.c - instrumented "kernel" code for the examples. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include <kcov-sim/kernel.h>

#include "fake_kernel.h"

#define EINVAL	22
#define EPERM	1

long fake_sys_setprio(int which, int prio)
{
	if (which < 0 || which > 2)
		return -EINVAL;
	if (prio < -20 || prio > 19)
		return -EINVAL;
	if (prio < 0 && which == 2)
		return -EPERM;
	return 0;
}

/* ---- a USB hub thread: one remote section per event ------------------- */

struct hub {
	pthread_t	thread;
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	unsigned int	bus;
	bool		pending, done, stop;
	uint32_t	status;
};

static struct hub hubs[4];

static void hub_handle_event(struct hub *hub)
{
	switch (hub->status) {
	case 0:			/* port connected */
		break;
	case 1:			/* port reset */
	case 2:
		hub->status = 0;
		break;
	default:		/* error */
		hub->status = 0xff;
		break;
	}
}

static void *hub_thread(void *arg)
{
	struct hub *hub = arg;

	pthread_mutex_lock(&hub->lock);
	while (!hub->stop) {
		if (!hub->pending) {
			pthread_cond_wait(&hub->cond, &hub->lock);
			continue;
		}
		kcov_remote_start_usb(hub->bus);
		hub_handle_event(hub);
		kcov_remote_stop();
		hub->pending = false;
		hub->done = true;
		pthread_cond_broadcast(&hub->cond);
	}
	pthread_mutex_unlock(&hub->lock);
	return NULL;
}

int fake_usb_start(unsigned int bus)
{
	struct hub *hub = &hubs[bus % 4];

	hub->bus = bus;
	pthread_mutex_init(&hub->lock, NULL);
	pthread_cond_init(&hub->cond, NULL);
	return pthread_create(&hub->thread, NULL, hub_thread, hub);
}

void fake_usb_event(unsigned int bus, uint32_t status)
{
	struct hub *hub = &hubs[bus % 4];

	pthread_mutex_lock(&hub->lock);
	hub->status = status;
	hub->pending = true;
	hub->done = false;
	pthread_cond_broadcast(&hub->cond);
	while (!hub->done)
		pthread_cond_wait(&hub->cond, &hub->lock);
	pthread_mutex_unlock(&hub->lock);
}

void fake_usb_stop(unsigned int bus)
{
	struct hub *hub = &hubs[bus % 4];

	pthread_mutex_lock(&hub->lock);
	hub->stop = true;
	pthread_cond_broadcast(&hub->cond);
	pthread_mutex_unlock(&hub->lock);
	pthread_join(hub->thread, NULL);
}

/* ---- a worker that reports with the caller's common handle ----------- */

struct work {
	const int	*v;
	int		n;
	long		sum;
	uint64_t	handle;		/* kcov_common_handle() of the caller */
};

static void *worker(void *arg)
{
	struct work *w = arg;

	kcov_remote_start_common(w->handle);
	for (int i = 0; i < w->n; i++)
		if (w->v[i] > 0)
			w->sum += w->v[i];
	kcov_remote_stop();
	return NULL;
}

long fake_sys_async_sum(const int *v, int n)
{
	struct work w = { v, n, 0, kcov_common_handle() };
	pthread_t t;

	if (n < 0)
		return -EINVAL;
	if (pthread_create(&t, NULL, worker, &w))
		return -EPERM;
	pthread_join(t, NULL);
	return w.sum;
}
