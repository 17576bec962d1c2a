/* SPDX-License-Identifier: MIT */
/* selffuzz.h - the self-fuzz harness's entry points (selffuzz.c). */
#ifndef SELFFUZZ_H
#define SELFFUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Once per process: the reserve, the guard page, the target's settings. */
int selffuzz_setup(void);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
