/* SPDX-License-Identifier: MIT */
/*
 * mutate.c - the random mutations of the built-in engine and its
 * dictionaries: the user's (-dict=, AFL/libFuzzer format) and the words
 * CMP runs found (operands of comparisons the inputs made).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* ---- random numbers ---- */

static uint64_t rng_state[4];

static inline notrace uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (public-domain algorithm by Blackman and Vigna). */
notrace uint64_t rnd(void)
{
	uint64_t *s = rng_state, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

notrace void rnd_seed(uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++) {	/* splitmix64 */
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		rng_state[i] = z ^ (z >> 31);
	}
}


notrace void dict_add(struct dict *d, const uint8_t *b, size_t len)
{
	size_t i;

	if (!len || len > WORD_MAX)
		return;
	for (i = 0; i < d->nr; i++)
		if (d->w[i].len == len && !memcmp(d->w[i].b, b, len))
			return;
	if (d->nr == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct word *w = realloc(d->w, cap * sizeof(*w));

		if (!w)
			return;
		d->w = w;
		d->cap = cap;
	}
	d->w[d->nr].len = (uint8_t)len;
	memcpy(d->w[d->nr].b, b, len);
	d->nr++;
}

static notrace int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * One dictionary line: [name[@level]=]"bytes", with \\, \" and \xNN
 * escapes; '#' starts a comment line. Returns 0, or -1 if malformed.
 */
static notrace int dict_line(struct dict *d, char *s)
{
	uint8_t w[WORD_MAX];
	size_t n = 0;
	char *q, *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (!*s || *s == '#')
		return 0;
	q = strchr(s, '"');
	if (!q || end - q < 2 || end[-1] != '"')
		return -1;
	for (q++; q < end - 1; q++) {
		int c = (unsigned char)*q;

		if (c == '\\') {
			q++;
			if (q >= end - 1)
				return -1;
			if (*q == 'x') {
				int hi = q + 2 < end - 1 ? hexval(q[1]) : -1;
				int lo = hi >= 0 ? hexval(q[2]) : -1;

				if (lo < 0)
					return -1;
				c = hi * 16 + lo;
				q += 2;
			} else if (*q == '\\' || *q == '"') {
				c = *q;
			} else {
				return -1;
			}
		}
		if (n == WORD_MAX)
			return -1;
		w[n++] = (uint8_t)c;
	}
	dict_add(d, w, n);
	return 0;
}

notrace int dict_parse_file(struct dict *d, const char *path)
{
	char line[1024];
	int lineno = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (dict_line(d, line)) {
			fprintf(stderr, "ParseDictionaryFile: error in line %d\n"
				"\t\t%s\n", lineno, line);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* ---- mutators: each returns the new length, or 0 if it did not apply -- */

static const int64_t interesting[] = {
	0, 1, -1, 2, 4, 7, 8, 15, 16, 31, 32, 63, 64, 100, 127, -128, 128,
	255, 256, 512, 1000, 1024, 4096, 32767, -32768, 65535, 65536,
	0x7fffffff, -0x7fffffffll - 1, 0xffffffffll,
};

static notrace void put_int(uint8_t *p, int width, uint64_t v, bool be)
{
	int i;

	for (i = 0; i < width; i++)
		p[be ? width - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static notrace uint64_t get_int(const uint8_t *p, int width, bool be)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < width; i++)
		v |= (uint64_t)p[be ? width - 1 - i : i] << (8 * i);
	return v;
}

static notrace size_t m_erase(uint8_t *b, size_t len, size_t max)
{
	size_t n, pos;

	(void)max;
	if (len <= 1)
		return 0;
	n = 1 + rnd_below(len / 2 ? len / 2 : 1);
	pos = rnd_below(len - n + 1);
	if (pos + n > len)	/* never; tells the compiler so */
		return 0;
	memmove(b + pos, b + pos + n, len - pos - n);
	return len - n;
}

static notrace size_t m_insert(uint8_t *b, size_t len, size_t max)
{
	size_t n, pos, i;
	bool repeat = rnd() & 1;
	uint8_t c = (uint8_t)rnd();

	if (len >= max)
		return 0;
	n = 1 + rnd_below(repeat ? (max - len < 16 ? max - len : 16) : 1);
	pos = rnd_below(len + 1);
	memmove(b + pos + n, b + pos, len - pos);
	for (i = 0; i < n; i++)
		b[pos + i] = repeat ? c : (uint8_t)rnd();
	return len + n;
}

static notrace size_t m_byte(uint8_t *b, size_t len, size_t max)
{
	(void)max;
	if (!len)
		return 0;
	b[rnd_below(len)] = (uint8_t)rnd();
	return len;
}

static notrace size_t m_bit(uint8_t *b, size_t len, size_t max)
{
	(void)max;
	if (!len)
		return 0;
	b[rnd_below(len)] ^= (uint8_t)(1u << rnd_below(8));
	return len;
}

static notrace size_t m_arith(uint8_t *b, size_t len, size_t max)
{
	static const int widths[] = { 1, 2, 4, 8 };
	int w = widths[rnd_below(4)];
	bool be = rnd() & 1;
	int64_t delta = (int64_t)rnd_below(35) + 1;
	size_t pos;

	(void)max;
	if (len < (size_t)w)
		return 0;
	pos = rnd_below(len - (size_t)w + 1);
	if (rnd() & 1)
		delta = -delta;
	put_int(b + pos, w, get_int(b + pos, w, be) + (uint64_t)delta, be);
	return len;
}

static notrace size_t m_interesting(uint8_t *b, size_t len, size_t max)
{
	static const int widths[] = { 1, 2, 4, 8 };
	int w = widths[rnd_below(4)];
	size_t pos;

	(void)max;
	if (len < (size_t)w)
		return 0;
	pos = rnd_below(len - (size_t)w + 1);
	put_int(b + pos, w, (uint64_t)interesting[rnd_below(ARRAY_SIZE(interesting))],
		rnd() & 1);
	return len;
}

static notrace size_t m_shuffle(uint8_t *b, size_t len, size_t max)
{
	size_t n, pos, i;

	(void)max;
	if (len < 2)
		return 0;
	n = 2 + rnd_below(len < 8 ? len - 1 : 7);
	pos = rnd_below(len - n + 1);
	for (i = n - 1; i > 0; i--) {
		size_t j = rnd_below(i + 1);
		uint8_t t = b[pos + i];

		b[pos + i] = b[pos + j];
		b[pos + j] = t;
	}
	return len;
}

/* Copy a part of the input over another place, or insert it there. */
static notrace size_t m_copy(uint8_t *b, size_t len, size_t max)
{
	size_t n, from, to;

	if (len < 2)
		return 0;
	n = 1 + rnd_below(len / 2);
	from = rnd_below(len - n + 1);
	if ((rnd() & 1) && len + n <= max) {
		uint8_t tmp[512];

		if (n > sizeof(tmp))
			n = sizeof(tmp);
		memcpy(tmp, b + from, n);
		to = rnd_below(len + 1);
		memmove(b + to + n, b + to, len - to);
		memcpy(b + to, tmp, n);
		return len + n;
	}
	to = rnd_below(len - n + 1);
	memmove(b + to, b + from, n);
	return len;
}

/* A word, inserted or written over. */
static notrace size_t put_word(uint8_t *b, size_t len, size_t max,
			       const struct word *w)
{
	size_t pos;

	if ((rnd() & 1) && len + w->len <= max) {
		pos = rnd_below(len + 1);
		memmove(b + pos + w->len, b + pos, len - pos);
		memcpy(b + pos, w->b, w->len);
		return len + w->len;
	}
	if (len < w->len)
		return 0;
	pos = rnd_below(len - w->len + 1);
	memcpy(b + pos, w->b, w->len);
	return len;
}

static notrace size_t m_crossover(uint8_t *b, size_t len, size_t max,
				  const struct entry *o)
{
	size_t n, from, to;

	if (!o || !o->len)
		return 0;
	n = 1 + rnd_below(o->len);
	from = rnd_below(o->len - n + 1);
	if ((rnd() & 1) && len + n <= max) {
		to = rnd_below(len + 1);
		memmove(b + to + n, b + to, len - to);
		memcpy(b + to, o->data + from, n);
		return len + n;
	}
	/* Or: our head, its tail. */
	to = rnd_below(len + 1);
	if (to + (o->len - from) > max)
		return 0;
	memcpy(b + to, o->data + from, o->len - from);
	return to + (o->len - from);
}

notrace size_t mutate(uint8_t *buf, size_t len, size_t max,
		      const struct entry *other, const struct dict *user,
		      const struct dict *cmp_words)
{
	int tries;

	for (tries = 0; tries < 16; tries++) {
		size_t n = 0;

		switch (rnd_below(12)) {
		case 0: n = m_erase(buf, len, max); break;
		case 1: n = m_insert(buf, len, max); break;
		case 2: n = m_byte(buf, len, max); break;
		case 3: n = m_bit(buf, len, max); break;
		case 4: n = m_arith(buf, len, max); break;
		case 5: n = m_interesting(buf, len, max); break;
		case 6: n = m_shuffle(buf, len, max); break;
		case 7: n = m_copy(buf, len, max); break;
		case 8: n = m_crossover(buf, len, max, other); break;
		case 9:
		case 10:
			if (user && user->nr)
				n = put_word(buf, len, max,
					     &user->w[rnd_below(user->nr)]);
			break;
		default:
			if (cmp_words && cmp_words->nr)
				n = put_word(buf, len, max,
					     &cmp_words->w[rnd_below(cmp_words->nr)]);
			break;
		}
		if (n)
			return n;
	}
	/* Nothing applied (an empty input): grow it. */
	if (len < max) {
		buf[len] = (uint8_t)rnd();
		return len + 1;
	}
	return len;
}
