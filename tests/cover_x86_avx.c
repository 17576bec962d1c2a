/* SPDX-License-Identifier: MIT */
/*
 * Loops a vectoriser turns into VEX- and EVEX-encoded code: input for
 * cover_x86_test, which only decodes them (they never run).
 */
#include <stddef.h>
#include <stdint.h>

void avx_saxpy(float *y, const float *x, float a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] += a * x[i];
}

double avx_dot(const double *a, const double *b, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

size_t avx_count(const uint8_t *p, size_t n, uint8_t c)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += p[i] == c;
	return k;
}

void avx_shuffle(uint32_t *d, const uint32_t *s, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i += 4) {
		d[i] = s[i + 3] ^ (s[i] << 3);
		d[i + 1] = s[i + 2] >> 5;
		d[i + 2] = s[i + 1] * 7;
		d[i + 3] = s[i] + s[i + 2];
	}
}

int64_t avx_minmax(const int64_t *v, size_t n)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	for (size_t i = 0; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return hi - lo;
}
