/* SPDX-License-Identifier: MIT */
/*
 * realcode_demo - a fixed run through the three kernel files, for the
 * golden test: a few inputs each, the buffer reset between them (the
 * device is enabled and disabled around each input, so today's recorder
 * keeps all of them).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <kcov-sim/kcov.h>
#include <kcov-sim/sim.h>

#include <linux/asn1_ber_bytecode.h>
#include <linux/asn1_decoder.h>
#include <linux/glob.h>
#include <linux/kstrtox.h>

#define WORDS	(1 << 16)

static int act(void *context, size_t hdrlen, unsigned char tag, const void *value,
	       size_t vlen)
{
	(void)context;
	(void)hdrlen;
	(void)tag;
	(void)value;
	(void)vlen;
	return 0;
}

static const unsigned char machine[] = {
	ASN1_OP_MATCH, _tag(UNIV, CONS, SEQ),
	ASN1_OP_MATCH_ACT, _tag(UNIV, PRIM, INT), _action(0),
	ASN1_OP_MATCH_ACT, _tag(UNIV, PRIM, OTS), _action(0),
	ASN1_OP_END_SEQ,
	ASN1_OP_COMPLETE,
};
static const asn1_action_t actions[] = { act };
static const struct asn1_decoder decoder = { machine, sizeof(machine), actions };

static const struct {
	unsigned char	der[12];
	size_t		len;
} msgs[] = {
	{ { 0x30, 0x07, 0x02, 0x01, 0x05, 0x04, 0x02, 'h', 'i' }, 9 },
	{ { 0x30, 0x07, 0x02, 0x01, 0x05, 0x04 }, 6 },
	{ { 0x30, 0x03, 0x04, 0x01, 0x05 }, 5 },
};

static int fd;

static void run(void (*fn)(size_t), size_t i)
{
	if (kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
		perror("KCOV_ENABLE");
	fn(i);
	if (kcov_sim_ioctl(fd, KCOV_DISABLE, 0))
		perror("KCOV_DISABLE");
}

static void asn1(size_t i)
{
	printf("asn1 %zu: %d\n", i, asn1_ber_decoder(&decoder, NULL, msgs[i].der, msgs[i].len));
}

static void glob(size_t i)
{
	static const char *const pat[][2] = {
		{ "*.c", "asn1_decoder.c" }, { "a[!b]c", "abc" }, { "k?tox", "kstrtox" },
	};

	printf("glob %zu: %d\n", i, glob_match(pat[i][0], pat[i][1]));
}

static void kstrto(size_t i)
{
	static const char *const in[] = { "0x2a", "4294967296", "-1" };
	unsigned int v = 0;

	printf("kstrtouint %zu: %d %u\n", i, kstrtouint(in[i], 0, &v), v);
}

int main(void)
{
	size_t i;

	fd = kcov_sim_open();
	if (fd < 0 || kcov_sim_ioctl(fd, KCOV_INIT_TRACE, WORDS) ||
	    kcov_sim_mmap(NULL, WORDS * sizeof(unsigned long), PROT_READ | PROT_WRITE,
			  MAP_SHARED, fd, 0) == MAP_FAILED) {
		perror("kcov");
		return 1;
	}
	for (i = 0; i < 3; i++) {
		run(asn1, i);
		run(glob, i);
		run(kstrto, i);
	}
	kcov_sim_close(fd);
	return 0;
}
