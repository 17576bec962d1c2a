/* SPDX-License-Identifier: MIT */
/*
 * nlattr.c - validation and parsing of netlink-style attributes. Compiled
 * with coverage instrumentation, like kernel code under CONFIG_KCOV.
 *
 * Every rejection goes through nla_fail(), which records the reason and
 * the offending attribute for the caller (the kernel's extended ack).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "nlattr.h"

#define NLA_MAX_DEPTH	4	/* nested attributes inside nested ones */

/* Only the golden-test example builds this branch in (see CMakeLists.txt). */
volatile int nla_extra_seen;

static int nla_fail(struct nl_extack *extack, const struct nlattr *nla,
		    const char *msg, int err)
{
	if (extack) {
		extack->msg = msg;
		extack->bad_attr = nla;
	}
	return err;
}

/* Room for a header, and for the length the header claims. */
static int nla_ok(const struct nlattr *nla, int remaining)
{
	return remaining >= (int)sizeof(*nla) &&
	       nla->nla_len >= sizeof(*nla) &&
	       nla->nla_len <= remaining;
}

static const struct nlattr *nla_next(const struct nlattr *nla, int *remaining)
{
	int step = NLA_ALIGN(nla->nla_len);

	*remaining -= step;
	return (const struct nlattr *)((const char *)nla + step);
}

static const uint8_t nla_int_size[] = {
	[NLA_U8] = 1, [NLA_U16] = 2, [NLA_U32] = 4, [NLA_U64] = 8,
};

static uint64_t nla_int_value(const struct nlattr *nla, int kind)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (kind) {
	case NLA_U8:
		memcpy(&v8, nla_data(nla), sizeof(v8));
		return v8;
	case NLA_U16:
		memcpy(&v16, nla_data(nla), sizeof(v16));
		return v16;
	case NLA_U32:
		memcpy(&v32, nla_data(nla), sizeof(v32));
		return v32;
	default:
		memcpy(&v64, nla_data(nla), sizeof(v64));
		return v64;
	}
}

/* An integer inside the policy's [min, max]. */
int nla_check_range(const struct nla_policy *pt, const struct nlattr *nla,
		    struct nl_extack *extack)
{
	uint64_t v = nla_int_value(nla, pt->kind);

	if (pt->min > 0 && v < (uint64_t)pt->min)
		return nla_fail(extack, nla, "value below the minimum", -ERANGE);
	if (pt->max >= 0 && v > (uint64_t)pt->max)
		return nla_fail(extack, nla, "value above the maximum", -ERANGE);
	return 0;
}

/* NLA_STRING: NUL optional; NLA_NUL_STRING: NUL required. */
int nla_check_string(const struct nla_policy *pt, const struct nlattr *nla,
		     int need_nul, struct nl_extack *extack)
{
	const char *s = nla_data(nla);
	int len = nla_len(nla);

	if (need_nul) {
		if (len == 0 || s[len - 1] != '\0')
			return nla_fail(extack, nla, "string is not NUL-terminated",
					-EINVAL);
		len = (int)strnlen(s, (size_t)len);
	} else if (len > 0 && s[len - 1] == '\0') {
		len--;
	}
	if (pt->len && len > pt->len)
		return nla_fail(extack, nla, "string too long", -ERANGE);
	return 0;
}

static int nla_validate_stream(const void *head, int len, int maxtype,
			       const struct nla_policy *policy, unsigned int flags,
			       struct nl_extack *extack, int depth);

/* One attribute against its policy entry. */
int nla_validate_attr(const struct nlattr *nla, int maxtype,
		      const struct nla_policy *policy, unsigned int flags,
		      struct nl_extack *extack, int depth)
{
	int type = nla_type(nla), len = nla_len(nla);
	const struct nla_policy *pt;

	if (type == 0 || type > maxtype) {
		if (flags & NL_STRICT)
			return nla_fail(extack, nla, "unknown attribute type", -EINVAL);
		return 0;
	}
	pt = &policy[type];
	switch (pt->kind) {
	case NLA_REJECT:
		return nla_fail(extack, nla, "attribute not allowed", -EINVAL);
	case NLA_FLAG:
		if (len)
			return nla_fail(extack, nla, "flag with a payload", -ERANGE);
		return 0;
	case NLA_U8:
	case NLA_U16:
	case NLA_U32:
	case NLA_U64:
		if (len != nla_int_size[pt->kind])
			return nla_fail(extack, nla, "integer of the wrong size", -ERANGE);
		return pt->has_range ? nla_check_range(pt, nla, extack) : 0;
	case NLA_STRING:
	case NLA_NUL_STRING:
		return nla_check_string(pt, nla, pt->kind == NLA_NUL_STRING, extack);
	case NLA_BINARY:
		if (pt->len && len > pt->len)
			return nla_fail(extack, nla, "binary attribute too long", -ERANGE);
		return 0;
	case NLA_NESTED:
		if (depth >= NLA_MAX_DEPTH)
			return nla_fail(extack, nla, "attributes nested too deep", -EINVAL);
		if (len && len < NLA_HDRLEN)
			return nla_fail(extack, nla, "nested attribute too short", -ERANGE);
		return nla_validate_stream(nla_data(nla), len, pt->nested_max,
					   pt->nested, flags, extack, depth + 1);
	default:
		if (pt->len && len < pt->len)
			return nla_fail(extack, nla, "attribute too short", -ERANGE);
		return 0;
	}
}

static int nla_validate_stream(const void *head, int len, int maxtype,
			       const struct nla_policy *policy, unsigned int flags,
			       struct nl_extack *extack, int depth)
{
	const struct nlattr *nla = head;
	int rem = len, err;

	for (; nla_ok(nla, rem); nla = nla_next(nla, &rem)) {
		err = nla_validate_attr(nla, maxtype, policy, flags, extack, depth);
		if (err)
			return err;
	}
	if (rem > 0 && (flags & NL_STRICT))
		return nla_fail(extack, nla, "bytes left after the last attribute",
				-EINVAL);
	return 0;
}

int nla_parse(const struct nlattr **tb, int maxtype, const void *head, int len,
	      const struct nla_policy *policy, unsigned int flags,
	      struct nl_extack *extack)
{
	const struct nlattr *nla = head;
	int rem = len, type, err;

	memset(tb, 0, sizeof(*tb) * (size_t)(maxtype + 1));
	for (; nla_ok(nla, rem); nla = nla_next(nla, &rem)) {
		err = nla_validate_attr(nla, maxtype, policy, flags, extack, 0);
		if (err)
			return err;
		type = nla_type(nla);
		if (type > 0 && type <= maxtype)
			tb[type] = nla;
#ifdef NLATTR_GOLDEN_EXTRA
		if (type == maxtype)	/* GOLDEN-EXTRA-BRANCH */
			nla_extra_seen++;
#endif
	}
	if (rem > 0 && (flags & NL_STRICT))
		return nla_fail(extack, nla, "bytes left after the last attribute",
				-EINVAL);
	return 0;
}

const struct nlattr *nla_find(const void *head, int len, int type)
{
	const struct nlattr *nla = head;
	int rem = len;

	for (; nla_ok(nla, rem); nla = nla_next(nla, &rem))
		if (nla_type(nla) == type)
			return nla;
	return NULL;
}
