/* SPDX-License-Identifier: MIT */
/* harness_checksum.c - the bug behind a length and a checksum. */
#include "planted.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	planted_checksum(data, size);
	return 0;
}
