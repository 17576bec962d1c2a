/* SPDX-License-Identifier: MIT */
/*
 * nlattr_demo - parse a few netlink-style messages, each inside a coverage
 * capture, and show which code of the (instrumented) parser each one
 * reached. With -v, the whole symbolized trace of every message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kcov-sim/cover.h>

#include "link_policy.h"

static int build_valid(char *b, int cap)
{
	int off = 0, nest;

	nla_put_u32(b, cap, &off, LINK_MTU, 1500);
	nla_put(b, cap, &off, LINK_NAME, "eth0", 5);
	nla_put(b, cap, &off, LINK_UP, NULL, 0);
	nest = nla_nest_start(b, cap, &off, LINK_INFO);
	nla_put(b, cap, &off, INFO_KIND, "veth", 4);
	nla_nest_end(b, nest, off);
	return off;
}

static int build_small_mtu(char *b, int cap)
{
	int off = 0;

	nla_put_u32(b, cap, &off, LINK_MTU, 9);
	return off;
}

static int build_unterminated(char *b, int cap)
{
	int off = 0;

	nla_put(b, cap, &off, LINK_NAME, "eth0", 4);
	return off;
}

static int build_unknown(char *b, int cap)
{
	int off = 0;

	nla_put_u32(b, cap, &off, LINK_FLAGS, 1);
	nla_put_u32(b, cap, &off, 42, 7);
	return off;
}

static int build_trailing(char *b, int cap)
{
	int off = 0;

	nla_put_u32(b, cap, &off, LINK_MTU, 1280);
	memset(b + off, 0xee, 2);
	return off + 2;
}

static const struct {
	const char	*what;
	int		(*build)(char *b, int cap);
	unsigned int	flags;
} msgs[] = {
	{ "valid link (mtu, name, up, nested info)", build_valid, NL_STRICT },
	{ "mtu 9, below the policy minimum", build_small_mtu, 0 },
	{ "name without its NUL", build_unterminated, 0 },
	{ "unknown type 42, strict", build_unknown, NL_STRICT },
	{ "unknown type 42, lenient", build_unknown, 0 },
	{ "2 stray bytes at the end, strict", build_trailing, NL_STRICT },
};

/* Distinct innermost functions in the order they were first reached. */
static void print_path(struct kcov_sim_cover *cap)
{
	const char *seen[64];
	size_t n, i, k, nseen = 0;
	const struct kcov_sim_sym *s;

	kcov_sim_cover_pcs(cap, &n, NULL);
	printf("    reached:");
	for (i = 0; i < n; i++) {
		s = kcov_sim_cover_sym(cap, i);
		for (k = 0; k < nseen && strcmp(seen[k], s->frames[0].function); k++)
			;
		if (k < nseen || nseen == sizeof(seen) / sizeof(seen[0]))
			continue;
		seen[nseen++] = s->frames[0].function;
		printf("%s %s", nseen > 1 ? " ->" : "", s->frames[0].function);
	}
	printf("\n    %zu PCs\n", n);
}

int main(int argc, char **argv)
{
	const struct nlattr *tb[LINK_MAX + 1];
	int verbose = argc > 1 && !strcmp(argv[1], "-v");
	struct kcov_sim_cover *cap;
	struct nl_extack ext;
	char buf[256];
	size_t i;
	int len, err;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		len = msgs[i].build(buf, sizeof(buf));
		memset(&ext, 0, sizeof(ext));
		cap = kcov_sim_cover_begin(0);
		if (!cap) {
			perror("kcov_sim_cover_begin");
			return 1;
		}
		err = nla_parse(tb, LINK_MAX, buf, len, link_policy, msgs[i].flags, &ext);
		kcov_sim_cover_end(cap);
		printf("[%zu] %s: %s%s%s\n", i + 1, msgs[i].what,
		       err ? strerror(-err) : "ok", ext.msg ? ": " : "",
		       ext.msg ? ext.msg : "");
		print_path(cap);
		if (verbose)
			kcov_sim_cover_print(cap, stdout, 0);
		kcov_sim_cover_free(cap);
	}
	return 0;
}
