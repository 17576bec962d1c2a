/* SPDX-License-Identifier: MIT */
/*
 * plant.c - the planted bug of the self-fuzz target's second variant
 * (selffuzz_plant): instrumented code on the ioctl path of the target's
 * kcov.c, reached only by a sequence: KCOV_INIT_TRACE of PLANT_INIT_WORDS
 * words, then KCOV_REMOTE_ENABLE with area_size PLANT_AREA_SIZE. Then it
 * aborts, and the engine must find that.
 *
 * Not an edit of lib/: target.cmake points kcov.c's calls of
 * ksim_buf_alloc() and ksim_copy_from_user() here (objcopy
 * --redefine-sym), and these pass them on.
 */
#include <stdlib.h>

#include "internal.h"

#define PLANT_INIT_WORDS	0x1a2bu
#define PLANT_AREA_SIZE		0x5eed0u

static uint32_t last_init_words;	/* of this input (selfplant_reset()) */

/* Called by the harness at the start of every input. */
__attribute__((visibility("default"))) void selfplant_reset(void)
{
	last_init_words = 0;
}

int selfplant_buf_alloc(int fd, uint32_t size, unsigned long **area,
			size_t *map_len)
{
	last_init_words = size;
	return ksim_buf_alloc(fd, size, area, map_len);
}

/*
 * A call of its own, so that matching the first word is new coverage for
 * every compiler (Clang would otherwise evaluate both compares in one
 * branch, and the engine would have to guess both words at once).
 */
static __attribute__((noinline)) void plant_second(void)
{
	if (last_init_words == PLANT_INIT_WORDS)
		abort();
	__asm__ volatile("" ::: "memory");
}

int selfplant_copy_from_user(void *dst, unsigned long src, size_t len)
{
	const struct kcov_remote_arg *arg = dst;
	int ret = ksim_copy_from_user(dst, src, len);

	/* The second copy of KCOV_REMOTE_ENABLE: the whole argument. */
	if (ret || len < sizeof(*arg))
		return ret;
	if (arg->area_size == PLANT_AREA_SIZE)
		plant_second();
	return ret;
}
