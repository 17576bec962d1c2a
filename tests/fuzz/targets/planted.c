/* SPDX-License-Identifier: MIT */
/* planted.c - the planted bugs (see planted.h); built instrumented. */
#include "planted.h"

#ifdef PLANTED_NO_BUG		/* the benchmark's throughput build */
#define BUG()	do { } while (0)
#else
#define BUG()	__builtin_trap()
#endif

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Some ordinary branches, so that coverage has somewhere to grow. */
static int classify(const uint8_t *d, size_t n)
{
	int score = 0;
	size_t i;

	for (i = 0; i < n && i < 16; i++) {
		if (d[i] == 0)
			score += 1;
		else if (d[i] < 0x20)
			score += 2;
		else if (d[i] < 0x80)
			score += 3;
		else
			score -= 1;
	}
	return score;
}

int planted_local(const uint8_t *d, size_t n)
{
	if (n < 8)
		return -1;
	if (classify(d, n) > 40)
		return 1;
	if (get_le32(d + 2) == 0x564f434bu) {		/* "KCOV" */
		if (get_le16(d + 6) == 0x2131u)		/* "1!" */
			BUG();
		return 2;
	}
	return 0;
}

int planted_remote_work(const uint8_t *d, size_t n)
{
	if (n < 6)
		return -1;
	if (d[0] != 'R')
		return classify(d, n) & 1;
	if (get_le32(d + 1) == 0x21544f4du)		/* "MOT!" */
		BUG();
	return 0;
}

static uint16_t csum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0x1d0f;
	size_t i;

	for (i = 0; i < n; i++)
		s = (s << 1 | s >> 15) + p[i];
	return (uint16_t)(s ^ (s >> 16));
}

/* [type][len][payload: len bytes][csum: le16] */
int planted_checksum(const uint8_t *d, size_t n)
{
	size_t len;

	if (n < 4)
		return -1;
	len = d[1];
	if (len + 4 != n)
		return -2;
	if (get_le16(d + 2 + len) != csum16(d + 2, len))
		return -3;
	if (d[0] != 7)
		return classify(d + 2, len) > 10 ? 1 : 0;
	if (len >= 4 && get_le32(d + 2) == 0xc0dec5edu)
		BUG();
	return 2;
}
