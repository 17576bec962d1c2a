/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/types.h>: the kernel's integer names (64-bit ones
 * are long long, as on every kernel architecture), bool, and the limits
 * the kernel's headers bring along (ULLONG_MAX). */
#ifndef _KSIM_RC_LINUX_TYPES_H
#define _KSIM_RC_LINUX_TYPES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef int8_t s8;
typedef uint16_t u16;
typedef int16_t s16;
typedef uint32_t u32;
typedef int32_t s32;
typedef unsigned long long u64;
typedef long long s64;

#endif
