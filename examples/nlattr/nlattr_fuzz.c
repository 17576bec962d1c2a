/* SPDX-License-Identifier: MIT */
/*
 * nlattr_fuzz - a small coverage-guided fuzzer of the netlink-style parser,
 * fed by KCOV through the ABI alone (open/ioctl/mmap), as a userspace
 * stand-in for a syzkaller-style executor: reset the counter, run one
 * input, read the PCs, keep the input if it reached a PC never seen before.
 *
 *   nlattr_fuzz [iterations]	(default 20000; deterministic: fixed seed)
 *
 * Exits 0 when the corpus reached more distinct PCs than the seed alone.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kcov-sim/kcov.h>

#include "link_policy.h"

#define COVER_WORDS	(64 << 10)
#define MAX_INPUT	256
#define MAX_CORPUS	512
#define SEEN_SLOTS	(1 << 14)	/* open addressing, power of two */

struct input {
	unsigned char	data[MAX_INPUT];
	int		len;
};

static struct input corpus[MAX_CORPUS];
static int corpus_len;
static unsigned long seen[SEEN_SLOTS];	/* distinct PCs; 0 = empty */
static unsigned long nr_seen;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Add @pc to the set; true if it is new. */
static int see(unsigned long pc)
{
	unsigned long h = (pc * 0x9e3779b97f4a7c15ull) >> 50;

	for (;; h = (h + 1) & (SEEN_SLOTS - 1)) {
		if (seen[h] == pc)
			return 0;
		if (!seen[h]) {
			if (nr_seen >= SEEN_SLOTS / 2)
				return 0;	/* full enough: stop growing */
			seen[h] = pc;
			nr_seen++;
			return 1;
		}
	}
}

static void mutate(struct input *in)
{
	int n = 1 + (int)(next_rand() % 4), pos;

	while (n--) {
		pos = in->len ? (int)(next_rand() % (uint64_t)in->len) : 0;
		switch (next_rand() % 6) {
		case 0:		/* flip a bit */
			if (in->len)
				in->data[pos] ^= (unsigned char)(1u << (next_rand() % 8));
			break;
		case 1:		/* an interesting byte */
			if (in->len) {
				static const unsigned char v[] = { 0, 1, 4, 7, 8, 15, 16, 0x40, 0x80, 0xff };

				in->data[pos] = v[next_rand() % sizeof(v)];
			}
			break;
		case 2:		/* a header-sized chunk: length and type */
			if (in->len >= 4) {
				pos &= ~3;
				in->data[pos] = (unsigned char)(4 + next_rand() % 24);
				in->data[pos + 1] = 0;
				in->data[pos + 2] = (unsigned char)(next_rand() % (LINK_MAX + 2));
			}
			break;
		case 3:		/* grow */
			if (in->len + 4 <= MAX_INPUT) {
				memset(in->data + in->len, (int)(next_rand() & 0xff), 4);
				in->len += 4;
			}
			break;
		case 4:		/* shrink */
			if (in->len > 4)
				in->len -= 1 + (int)(next_rand() % 4);
			break;
		default:	/* splice another corpus entry's tail */
			if (corpus_len > 1) {
				const struct input *o = &corpus[next_rand() % (uint64_t)corpus_len];
				int take = o->len - pos;

				if (take > 0 && pos + take <= MAX_INPUT) {
					memcpy(in->data + pos, o->data + pos, (size_t)take);
					if (pos + take > in->len)
						in->len = pos + take;
				}
			}
			break;
		}
	}
}

/* Run one input; returns how many PCs it reached that were never seen. */
static unsigned long run(unsigned long *cover, const struct input *in,
			 int *err)
{
	const struct nlattr *tb[LINK_MAX + 1];
	struct nl_extack ext = { 0 };
	unsigned long n, i, fresh = 0;

	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	*err = nla_parse(tb, LINK_MAX, in->data, in->len, link_policy,
			 in->len & 1 ? NL_STRICT : 0, &ext);
	n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
	if (n >= COVER_WORDS)
		n = COVER_WORDS - 1;
	for (i = 1; i <= n; i++)
		fresh += see(cover[i]);
	return fresh;
}

static int seed(struct input *in)
{
	int off = 0;

	nla_put_u32(in->data, MAX_INPUT, &off, LINK_MTU, 1500);
	nla_put(in->data, MAX_INPUT, &off, LINK_NAME, "eth0", 5);
	in->len = off;
	return off;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? strtol(argv[1], NULL, 0) : 20000, i;
	unsigned long *cover, seed_pcs;
	int fd, err, errors[140] = { 0 };
	struct input in;

	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (fd == -1)
		perror("open"), exit(1);
	if (ioctl(fd, KCOV_INIT_TRACE, COVER_WORDS))
		perror("KCOV_INIT_TRACE"), exit(1);
	cover = mmap(NULL, COVER_WORDS * sizeof(unsigned long),
		     PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (cover == MAP_FAILED)
		perror("mmap"), exit(1);
	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
		perror("KCOV_ENABLE"), exit(1);

	seed(&corpus[0]);
	corpus_len = 1;
	run(cover, &corpus[0], &err);
	seed_pcs = nr_seen;
	for (i = 0; i < iters; i++) {
		in = corpus[next_rand() % (uint64_t)corpus_len];
		mutate(&in);
		if (run(cover, &in, &err) && corpus_len < MAX_CORPUS)
			corpus[corpus_len++] = in;
		if (err <= 0 && err > -140)
			errors[-err]++;
	}
	if (ioctl(fd, KCOV_DISABLE, 0))
		perror("KCOV_DISABLE"), exit(1);
	munmap(cover, COVER_WORDS * sizeof(unsigned long));
	close(fd);

	printf("%ld inputs: %lu distinct PCs (the seed reached %lu), corpus of %d\n",
	       iters, nr_seen, seed_pcs, corpus_len);
	printf("results:");
	for (i = 0; i < 140; i++)
		if (errors[i])
			printf(" %s%ld=%d", i ? "-" : "", i, errors[i]);
	printf("\n");
	return nr_seen > seed_pcs ? 0 : 1;
}
