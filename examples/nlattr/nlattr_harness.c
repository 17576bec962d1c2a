/* SPDX-License-Identifier: MIT */
/*
 * nlattr_harness.c - the netlink-style parser under any fuzzing engine
 * (libFuzzer's entry point; built by kcov_sim_add_fuzzer()): the input is
 * a message of attributes, parsed with the "link" policy; an odd length
 * asks for strict parsing. Run it as
 *
 *   build/examples/nlattr/nlattr_fuzz [-seed=N] [-runs=N] [corpus_dir]
 */
#include <stddef.h>
#include <stdint.h>

#include "link_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlattr *tb[LINK_MAX + 1];
	struct nl_extack ext = { 0 };

	if (size > 4096)
		return 0;
	nla_parse(tb, LINK_MAX, data, (int)size, link_policy,
		  size & 1 ? NL_STRICT : 0, &ext);
	return 0;
}
