/* SPDX-License-Identifier: MIT */
/*
 * tlvdec_demo - decode a fixed set of blobs under KCOV, as a fuzzer's
 * executor would, for the golden-coverage tests:
 *
 *   tlvdec_demo enable	ENABLE and DISABLE around each blob
 *   tlvdec_demo reset	ENABLE once; before each blob reset area[0] and
 *			after it read the buffer; DISABLE at the end
 *
 * Both must reach the same source lines: a golden file records the whole
 * run, not only what the buffer held at DISABLE.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <kcov-sim/kcov.h>
#include <kcov-sim/sim.h>

#include <linux/tlvdec.h>

#define WORDS	4096

static const struct {
	u8		data[16];
	size_t		len;
	unsigned int	max;
} blobs[] = {
	{ { 0x00, 0x01, 0x02 }, 3, TLV_MAX_ITEMS },			/* invalid tag */
	{ { 0x01, 0x83, 0x00, 0x00, 0x01 }, 5, TLV_MAX_ITEMS },		/* too long */
	{ { 0x01, 0x00, 0x02, 0x00 }, 4, 1 },				/* too many */
	{ { 0x01, 0x81, 0x02, 0xaa, 0xbb }, 5, TLV_MAX_ITEMS },		/* long form */
	{ { 0x01, 0x05, 0x00 }, 3, TLV_MAX_ITEMS },			/* overrun */
};

int main(int argc, char **argv)
{
	int reset = argc > 1 && !strcmp(argv[1], "reset");
	struct tlv_item items[TLV_MAX_ITEMS];
	unsigned long *area, total = 0;
	const char *errmsg;
	size_t i;
	int fd, ret;

	fd = kcov_sim_open();
	if (fd < 0 || kcov_sim_ioctl(fd, KCOV_INIT_TRACE, WORDS)) {
		perror("kcov");
		return 1;
	}
	area = kcov_sim_mmap(NULL, WORDS * sizeof(unsigned long), PROT_READ | PROT_WRITE,
			     MAP_SHARED, fd, 0);
	if (area == MAP_FAILED)
		return 1;
	if (reset && kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
		return 1;
	for (i = 0; i < sizeof(blobs) / sizeof(blobs[0]); i++) {
		if (!reset && kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
			return 1;
		__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
		errmsg = "";
		ret = tlv_decode(blobs[i].data, blobs[i].len, items, blobs[i].max, &errmsg);
		total += __atomic_load_n(&area[0], __ATOMIC_RELAXED);
		printf("blob %zu: %d %s\n", i, ret, ret < 0 ? errmsg : "");
		if (!reset && kcov_sim_ioctl(fd, KCOV_DISABLE, 0))
			return 1;
	}
	if (reset && kcov_sim_ioctl(fd, KCOV_DISABLE, 0))
		return 1;
	printf("%lu PCs in all\n", total);
	kcov_sim_munmap(area, WORDS * sizeof(unsigned long));
	kcov_sim_close(fd);
	return 0;
}
