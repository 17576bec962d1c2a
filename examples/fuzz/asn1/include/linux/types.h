/* SPDX-License-Identifier: MIT */
/* Stand-in for the kernel's <linux/types.h>: the C library's types. */
#ifndef KSIM_STANDIN_TYPES_H
#define KSIM_STANDIN_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#endif
