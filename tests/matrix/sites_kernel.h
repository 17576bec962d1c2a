/* SPDX-License-Identifier: MIT */
/* sites_kernel.h - kernel-style code whose coverage sites the LTO form must
 * record exactly as the call-based libraries do (sites_main.c). */
#ifndef SITES_KERNEL_H
#define SITES_KERNEL_H

#include <stddef.h>
#include <stdint.h>

int sk_parse(const uint8_t *buf, size_t len);	/* TLV records, a loop */
int sk_classify(uint32_t v);			/* if/else chain, switch */
int sk_mix(uint8_t a, uint16_t b, uint64_t c);	/* every compare width */

#endif
