/* SPDX-License-Identifier: MIT */
/*
 * sites_kernel.c - kernel-style code with many coverage sites: early
 * returns, a loop, a switch, nested conditions and a static helper that
 * the compiler inlines. Compiled with -fsanitize-coverage=trace-pc,trace-cmp
 * for the call-based library and for the LTO form alike; sites_compare.cmake
 * checks that both record the same sites.
 */
#include "sites_kernel.h"

struct sk_rec {
	uint8_t	type;
	uint8_t	len;
};

static inline int sk_check_len(uint8_t type, uint8_t len)
{
	if (type == 3 && len != 4)
		return -1;
	if (len > 32)
		return -2;
	return 0;
}

__attribute__((noinline)) int sk_parse(const uint8_t *buf, size_t len)
{
	size_t off = 0;
	int sum = 0, n = 0;

	while (off + sizeof(struct sk_rec) <= len) {
		const struct sk_rec *r = (const void *)(buf + off);
		int err = sk_check_len(r->type, r->len);

		if (err)
			return err;
		if (off + 2 + r->len > len)
			return -3;
		switch (r->type) {
		case 1:
			sum += r->len;
			break;
		case 2:
			sum -= 1;
			break;
		case 3:
			sum += buf[off + 2] << 1;
			break;
		case 9:
			return -4;
		default:
			sum ^= r->type;
			break;
		}
		off += 2u + r->len;
		n++;
	}
	return n > 8 ? -5 : sum;
}

__attribute__((noinline)) int sk_classify(uint32_t v)
{
	volatile uint32_t vv = v;

	if (vv < 10)
		return 0;
	if (vv < 100) {
		if (vv & 1)
			return 1;
		return 2;
	}
	switch (vv) {
	case 1000: return 3;
	case 4096: return 4;
	case 65536: return 5;
	default: break;
	}
	return vv > 0x10000000u ? 6 : 7;
}

__attribute__((noinline)) int sk_mix(uint8_t a, uint16_t b, uint64_t c)
{
	volatile uint8_t va = a;
	volatile uint16_t vb = b;
	volatile uint64_t vc = c;
	int r = 0;

	if (va == 0x5a)
		r |= 1;
	if (vb != va)
		r |= 2;
	if (vc > 0x1122334455667788ull)
		r |= 4;
	if ((uint64_t)vb == vc)
		r |= 8;
	return r;
}
