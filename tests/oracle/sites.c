// SPDX-License-Identifier: MIT
/*
 * sites.c - distinct call sites of the coverage hooks. Every site is its
 * own small function, aligned to 128 bytes and never inlined, cloned or
 * folded (GCC's identical-code folding would merge same-looking bodies: the
 * asm comment makes each body unique), so the return address a hook sees
 * names its site: site_name() maps a recorded PC back to "S<n>", "cmp4",
 * "sw". Not instrumented: the hooks are called explicitly.
 */
#include <stdint.h>

#include "sites.h"

#ifdef __clang__
#define SITE_ATTR __attribute__((noinline, aligned(SITE_ALIGN), used))
#else
#define SITE_ATTR __attribute__((noinline, noipa, aligned(SITE_ALIGN), used))
#endif
#define SITE_END(tag) __asm__ volatile("# oracle site " tag ::: "memory")

#define PC_SITE(n)							\
	static SITE_ATTR void pc_site_##n(void)				\
	{								\
		__sanitizer_cov_trace_pc();				\
		SITE_END(#n);						\
	}
PC_SITE(0) PC_SITE(1) PC_SITE(2) PC_SITE(3) PC_SITE(4) PC_SITE(5)
PC_SITE(6) PC_SITE(7) PC_SITE(8) PC_SITE(9) PC_SITE(10) PC_SITE(11)
PC_SITE(12) PC_SITE(13) PC_SITE(14) PC_SITE(15)

static void (*const pc_sites[SITE_PCS])(void) = {
	pc_site_0, pc_site_1, pc_site_2, pc_site_3, pc_site_4, pc_site_5,
	pc_site_6, pc_site_7, pc_site_8, pc_site_9, pc_site_10, pc_site_11,
	pc_site_12, pc_site_13, pc_site_14, pc_site_15,
};

#define CMP_SITE(name, hook, type)					\
	static SITE_ATTR void name(uint64_t a, uint64_t b)		\
	{								\
		hook((type)a, (type)b);					\
		SITE_END(#name);					\
	}
CMP_SITE(site_cmp1, __sanitizer_cov_trace_cmp1, uint8_t)
CMP_SITE(site_cmp2, __sanitizer_cov_trace_cmp2, uint16_t)
CMP_SITE(site_cmp4, __sanitizer_cov_trace_cmp4, uint32_t)
CMP_SITE(site_cmp8, __sanitizer_cov_trace_cmp8, unsigned long)
CMP_SITE(site_ccmp1, __sanitizer_cov_trace_const_cmp1, uint8_t)
CMP_SITE(site_ccmp2, __sanitizer_cov_trace_const_cmp2, uint16_t)
CMP_SITE(site_ccmp4, __sanitizer_cov_trace_const_cmp4, uint32_t)
CMP_SITE(site_ccmp8, __sanitizer_cov_trace_const_cmp8, unsigned long)

static void (*const cmp_sites[8])(uint64_t, uint64_t) = {
	site_cmp1, site_cmp2, site_cmp4, site_cmp8,
	site_ccmp1, site_ccmp2, site_ccmp4, site_ccmp8,
};

static SITE_ATTR void site_switch(uint64_t val, const uint64_t *cases)
{
	__sanitizer_cov_trace_switch((unsigned long)val, (void *)cases);
	SITE_END("switch");
}

static const char *const cmp_names[8] = {
	"cmp1", "cmp2", "cmp4", "cmp8", "ccmp1", "ccmp2", "ccmp4", "ccmp8",
};
static const char *const pc_names[SITE_PCS] = {
	"S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9",
	"S10", "S11", "S12", "S13", "S14", "S15",
};

void site_pc(int n)
{
	pc_sites[n % SITE_PCS]();
}

void site_cmp(int kind, uint64_t a, uint64_t b)
{
	cmp_sites[kind & 7](a, b);
}

void site_sw(uint64_t val, const uint64_t *cases)
{
	site_switch(val, cases);
}

static int inside(unsigned long v, const void *fn)
{
	unsigned long start = (unsigned long)fn;

	return v > start && v < start + SITE_ALIGN;
}

const char *site_name(unsigned long v)
{
	int i;

	for (i = 0; i < SITE_PCS; i++)
		if (inside(v, (const void *)pc_sites[i]))
			return pc_names[i];
	for (i = 0; i < 8; i++)
		if (inside(v, (const void *)cmp_sites[i]))
			return cmp_names[i];
	if (inside(v, (const void *)site_switch))
		return "sw";
	return 0;
}
