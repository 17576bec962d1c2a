/* SPDX-License-Identifier: MIT */
/* link_policy.h - the attribute policy of the example's "link" messages. */
#ifndef LINK_POLICY_H
#define LINK_POLICY_H

#include "nlattr.h"

enum {
	INFO_UNSPEC,
	INFO_KIND,		/* string, at most 15 chars */
	INFO_DATA,		/* binary, at most 64 bytes */
	INFO_MAX = INFO_DATA,
};

enum {
	LINK_UNSPEC,
	LINK_LEGACY,		/* rejected */
	LINK_MTU,		/* u32 in [68, 65535] */
	LINK_NAME,		/* NUL-terminated, at most 15 chars */
	LINK_FLAGS,		/* u32 */
	LINK_UP,		/* flag */
	LINK_ADDR,		/* binary, at most 6 bytes */
	LINK_INFO,		/* nested INFO_* */
	LINK_MAX = LINK_INFO,
};

static const struct nla_policy info_policy[INFO_MAX + 1] = {
	[INFO_KIND] = { .kind = NLA_STRING, .len = 15 },
	[INFO_DATA] = { .kind = NLA_BINARY, .len = 64 },
};

static const struct nla_policy link_policy[LINK_MAX + 1] = {
	[LINK_LEGACY]	= { .kind = NLA_REJECT },
	[LINK_MTU]	= { .kind = NLA_U32, .has_range = 1, .min = 68, .max = 65535 },
	[LINK_NAME]	= { .kind = NLA_NUL_STRING, .len = 15 },
	[LINK_FLAGS]	= { .kind = NLA_U32 },
	[LINK_UP]	= { .kind = NLA_FLAG },
	[LINK_ADDR]	= { .kind = NLA_BINARY, .len = 6 },
	[LINK_INFO]	= { .kind = NLA_NESTED, .nested = info_policy,
			    .nested_max = INFO_MAX },
};

#endif /* LINK_POLICY_H */
