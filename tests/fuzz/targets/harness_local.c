/* SPDX-License-Identifier: MIT */
/* harness_local.c - the local magic (planted.h), libFuzzer's entry point. */
#include "planted.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	planted_local(data, size);
	return 0;
}
