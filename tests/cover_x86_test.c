/* SPDX-License-Identifier: MIT */
/*
 * lib/cover/x86.c: the instruction decoder that coverage ranges rest on.
 * objdump disassembles real compiler output (this test itself, the cover
 * library, and code built at -O3 with AVX2); every instruction must have the
 * length objdump gives it, and every direct branch the same target.
 */
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "x86.h"

struct image {
	int	fd;
	Elf	*elf;
};

static void image_open(struct image *im, const char *path)
{
	elf_version(EV_CURRENT);
	im->fd = open(path, O_RDONLY);
	assert_true(im->fd >= 0);
	im->elf = elf_begin(im->fd, ELF_C_READ, NULL);
	assert_non_null(im->elf);
}

static void image_close(struct image *im)
{
	elf_end(im->elf);
	close(im->fd);
}

/* The bytes at link-time address @addr, and how many follow in its section. */
static const uint8_t *image_at(struct image *im, uint64_t addr, size_t *avail)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf_Data *d;

	while ((scn = elf_nextscn(im->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    addr < sh.sh_addr || addr >= sh.sh_addr + sh.sh_size)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			return NULL;
		*avail = sh.sh_addr + sh.sh_size - addr;
		return (const uint8_t *)d->d_buf + (addr - sh.sh_addr);
	}
	return NULL;
}

struct line {
	uint64_t	addr;
	int		branch;		/* has a direct target */
	uint64_t	target;
	char		mnem[16];
};

/* One instruction line of objdump -d --no-show-raw-insn, or 0. */
static int parse_line(const char *s, struct line *l)
{
	const char *p;
	char *end;

	memset(l, 0, sizeof(*l));
	l->addr = strtoull(s, &end, 16);
	if (end == s || *end != ':' || end[1] != '\t')
		return 0;
	p = end + 2;
	sscanf(p, "%15s", l->mnem);
	/* "call   1130 <foo>", "jne    5a <bar+0x12>": a hex target, then '<'. */
	if (l->mnem[0] == 'j' || !strncmp(l->mnem, "call", 4) ||
	    !strncmp(l->mnem, "loop", 4)) {
		p += strlen(l->mnem);
		p += strspn(p, " ");
		if (strchr(p, '<') && !strchr(p, '*')) {
			l->target = strtoull(p, &end, 16);
			l->branch = end != p;
		}
	}
	return 1;
}

/* Compare the decoder with objdump over every instruction of @path. */
static void check_file(const char *path, unsigned long *checked)
{
	char cmd[4096], buf[1024];
	struct line prev = { 0 }, cur;
	int have_prev = 0;
	struct image im;
	FILE *p;

	image_open(&im, path);
	snprintf(cmd, sizeof(cmd), "%s -d --no-show-raw-insn -j .text '%s'",
		 KSIM_OBJDUMP, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(buf, sizeof(buf), p)) {
		if (!parse_line(buf, &cur)) {
			have_prev = 0;	/* a symbol header or blank: new run */
			continue;
		}
		if (have_prev && strcmp(prev.mnem, "(bad)")) {
			struct x86_insn in;
			size_t avail = 0;
			const uint8_t *b = image_at(&im, prev.addr, &avail);
			unsigned int len;

			assert_non_null(b);
			len = ksim_x86_decode(b, avail, prev.addr, &in);
			if (len != cur.addr - prev.addr)
				fail_msg("%s: %" PRIx64 " (%s): length %u, objdump %" PRIu64,
					 path, prev.addr, prev.mnem, len, cur.addr - prev.addr);
			if (prev.branch && in.target != prev.target)
				fail_msg("%s: %" PRIx64 " (%s): target %" PRIx64
					 ", objdump %" PRIx64, path, prev.addr,
					 prev.mnem, in.target, prev.target);
			if (prev.branch && in.kind != X86_CALL && in.kind != X86_JMP &&
			    in.kind != X86_JCC)
				fail_msg("%s: %" PRIx64 " (%s): not a direct branch",
					 path, prev.addr, prev.mnem);
			++*checked;
		}
		prev = cur;
		have_prev = 1;
	}
	assert_int_equal(pclose(p), 0);
	image_close(&im);
}

/* Every instruction of -O2 code (this test, and libkcov-sim-cover). */
static void test_x86_lengths_match_objdump(void **state)
{
	char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	unsigned long n = 0;

	(void)state;
	assert_true(len > 0);
	self[len] = '\0';	/* objdump's own /proc/self/exe is objdump */
	check_file(self, &n);
	check_file(KSIM_COVER_LIB, &n);
	assert_true(n > 2000);
	/* More on demand: KSIM_X86_EXTRA=/usr/lib/x86_64-linux-gnu/libc.so.6 */
	if (getenv("KSIM_X86_EXTRA"))
		check_file(getenv("KSIM_X86_EXTRA"), &n);
}

/* Vector code at -O3, AVX2 (VEX) and AVX-512 (EVEX), from cover_x86_avx.c. */
static void test_x86_vex_lengths_match_objdump(void **state)
{
	char objs[] = KSIM_AVX_OBJECTS, *save = NULL, *o;
	unsigned long n = 0;

	(void)state;
	for (o = strtok_r(objs, ":", &save); o; o = strtok_r(NULL, ":", &save))
		check_file(o, &n);
	assert_true(n > 200);
}

/* Hand-picked encodings: prefixes, REX.W immediates, rip-relative. */
static void test_x86_known_encodings(void **state)
{
	static const struct {
		uint8_t		bytes[15];
		unsigned int	len;
		int		kind;
	} cases[] = {
		{ { 0xe8, 0x00, 0x00, 0x00, 0x00 }, 5, X86_CALL },
		{ { 0xff, 0x15, 0x10, 0x00, 0x00, 0x00 }, 6, X86_CALL_IND },
		{ { 0x3e, 0xff, 0xe0 }, 3, X86_JMP_IND },	/* notrack jmp *%rax */
		{ { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, X86_OTHER },
		{ { 0x66, 0x81, 0x7f, 0x02, 0x34, 0x12 }, 6, X86_OTHER },
		{ { 0xf3, 0x0f, 0x1e, 0xfa }, 4, X86_OTHER },	/* endbr64 */
		{ { 0x0f, 0x0b }, 2, X86_TRAP },
		{ { 0xc2, 0x08, 0x00 }, 3, X86_RET },
		{ { 0x0f, 0x84, 0, 0, 0, 0 }, 6, X86_JCC },
		{ { 0xf6, 0x44, 0x24, 0x08, 0x01 }, 5, X86_OTHER },	/* test $1,8(%rsp) */
		{ { 0xf7, 0xd8 }, 2, X86_OTHER },			/* neg %eax */
		{ { 0x62 }, 0, 0 },				/* truncated EVEX */
	};
	struct x86_insn in;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int len = ksim_x86_decode(cases[i].bytes, cases[i].len ?
						   cases[i].len : 1, 0x1000, &in);

		if (len != cases[i].len || (len && in.kind != cases[i].kind))
			fail_msg("case %zu: len %u kind %d", i, len, in.kind);
	}
	/* lea 0x10(%rip),%rdx: rip-relative, register 2 */
	assert_int_equal(ksim_x86_decode((const uint8_t *)"\x48\x8d\x15\x10\x00\x00\x00",
					 7, 0x1000, &in), 7);
	assert_true(in.rip_rel);
	assert_int_equal(in.disp, 0x10);
	assert_int_equal(in.reg, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_known_encodings),
		cmocka_unit_test(test_x86_lengths_match_objdump),
		cmocka_unit_test(test_x86_vex_lengths_match_objdump),
	};

	return cmocka_run_group_tests_name("x86-64 decoder", tests, NULL, NULL);
}
