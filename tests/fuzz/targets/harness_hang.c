/* SPDX-License-Identifier: MIT */
/* harness_hang.c - an input starting with "hang" never returns. */
#include <string.h>

#include "planted.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile int spin = 1;

	if (size >= 4 && !memcmp(data, "hang", 4))
		while (spin)
			;
	planted_local(data, size);
	return 0;
}
