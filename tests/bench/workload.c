/* SPDX-License-Identifier: MIT */
/*
 * workload.c - kernel-style code for the benchmark: a netlink-attribute
 * (TLV) parser driven by a policy table, with nested attributes, and a
 * request handler on top, in the shape of net/ code. Every variant of the
 * benchmark runs this same source; only the instrumentation differs.
 *
 * It calls no library function, so all of its time is its own code and
 * whatever the instrumentation adds.
 */
#include <errno.h>

#include "workload.h"

struct nlattr {
	uint16_t	nla_len;	/* header + payload, unpadded */
	uint16_t	nla_type;
};

#define NLA_ALIGNTO		4u
#define NLA_ALIGN(n)		(((n) + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1))
#define NLA_HDRLEN		((int)NLA_ALIGN(sizeof(struct nlattr)))
#define NLA_F_NESTED		(1u << 15)
#define NLA_F_NET_BYTEORDER	(1u << 14)
#define NLA_TYPE_MASK		(0xffffu & ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER))

enum nla_kind {
	NLA_UNSPEC,
	NLA_U8,
	NLA_U16,
	NLA_U32,
	NLA_STRING,
	NLA_FLAG,
	NLA_NESTED,
	NLA_BINARY,
};

enum nla_check {
	CHECK_NONE,
	CHECK_RANGE,	/* min <= value <= max */
	CHECK_MASK,	/* no bit outside max */
};

struct nla_policy {
	uint8_t			type;	/* enum nla_kind */
	uint8_t			check;	/* enum nla_check */
	uint16_t		len;	/* string: max, binary: exact */
	uint32_t		min;
	uint32_t		max;
	const struct nla_policy	*nested;
	int			nested_max;
};

static const struct nla_policy vlan_policy[__WL_VLAN_MAX] = {
	[WL_VLAN_ID]	= { .type = NLA_U16, .check = CHECK_RANGE, .min = 1, .max = 4094 },
	[WL_VLAN_PROTO]	= { .type = NLA_U16 },
	[WL_VLAN_FLAGS]	= { .type = NLA_U32, .check = CHECK_MASK, .max = 0xf },
};

static const struct nla_policy info_policy[__WL_INFO_MAX] = {
	[WL_INFO_KIND]	= { .type = NLA_STRING, .len = 15 },
	[WL_INFO_DATA]	= { .type = NLA_NESTED, .nested = vlan_policy,
			    .nested_max = __WL_VLAN_MAX - 1 },
};

static const struct nla_policy link_policy[__WL_LINK_MAX] = {
	[WL_LINK_NAME]		= { .type = NLA_STRING, .len = 15 },
	[WL_LINK_MTU]		= { .type = NLA_U32, .check = CHECK_RANGE,
				    .min = 68, .max = 65535 },
	[WL_LINK_TXQLEN]	= { .type = NLA_U32 },
	[WL_LINK_FLAGS]		= { .type = NLA_U32, .check = CHECK_MASK, .max = 0x1ff },
	[WL_LINK_ADDR]		= { .type = NLA_BINARY, .len = 6 },
	[WL_LINK_OPER]		= { .type = NLA_U8, .check = CHECK_RANGE, .max = 6 },
	[WL_LINK_INFO]		= { .type = NLA_NESTED, .nested = info_policy,
				    .nested_max = __WL_INFO_MAX - 1 },
	[WL_LINK_PROMISC]	= { .type = NLA_FLAG },
	[WL_LINK_GROUP]		= { .type = NLA_U32 },
};

static inline int nla_type(const struct nlattr *nla)
{
	return nla->nla_type & NLA_TYPE_MASK;
}

static inline const void *nla_data(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static inline int nla_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

static inline int nla_ok(const struct nlattr *nla, int remaining)
{
	return remaining >= (int)sizeof(*nla) &&
	       nla->nla_len >= sizeof(*nla) &&
	       nla->nla_len <= remaining;
}

static inline const struct nlattr *nla_next(const struct nlattr *nla,
					    int *remaining)
{
	unsigned int totlen = NLA_ALIGN(nla->nla_len);

	*remaining -= totlen;
	return (const struct nlattr *)((const char *)nla + totlen);
}

/* Payloads start 4-aligned, so plain loads are fine. */
static inline uint32_t nla_get_u32(const struct nlattr *nla)
{
	return *(const uint32_t *)nla_data(nla);
}

static inline uint16_t nla_get_u16(const struct nlattr *nla)
{
	return *(const uint16_t *)nla_data(nla);
}

static inline uint8_t nla_get_u8(const struct nlattr *nla)
{
	return *(const uint8_t *)nla_data(nla);
}

static int validate_int(const struct nlattr *nla, const struct nla_policy *pt)
{
	uint32_t v;

	switch (pt->type) {
	case NLA_U8:
		v = nla_get_u8(nla);
		break;
	case NLA_U16:
		v = nla_get_u16(nla);
		break;
	default:
		v = nla_get_u32(nla);
		break;
	}
	switch (pt->check) {
	case CHECK_RANGE:
		if (v < pt->min || v > pt->max)
			return -ERANGE;
		break;
	case CHECK_MASK:
		if (v & ~pt->max)
			return -EINVAL;
		break;
	}
	return 0;
}

/* A string attribute: NUL-terminated or not, at most pt->len bytes. */
static int validate_string(const struct nlattr *nla, const struct nla_policy *pt)
{
	const char *s = nla_data(nla);
	int len = nla_len(nla);

	if (len > 0 && s[len - 1] == '\0')
		len--;
	if (len == 0)
		return -EINVAL;
	if (pt->len && len > pt->len)
		return -ERANGE;
	return 0;
}

static int validate_nla(const struct nlattr *nla, const struct nla_policy *pt)
{
	int len = nla_len(nla);
	static const uint8_t min_len[] = {
		[NLA_U8] = 1, [NLA_U16] = 2, [NLA_U32] = 4,
	};

	switch (pt->type) {
	case NLA_U8:
	case NLA_U16:
	case NLA_U32:
		if (len < min_len[pt->type])
			return -ERANGE;
		return validate_int(nla, pt);
	case NLA_STRING:
		return validate_string(nla, pt);
	case NLA_FLAG:
		return len ? -ERANGE : 0;
	case NLA_BINARY:
		return len != pt->len ? -EINVAL : 0;
	case NLA_NESTED:
		if (!(nla->nla_type & NLA_F_NESTED))
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Fill tb[0..maxtype] from the attribute stream; strict about unknowns. */
static int nla_parse(const struct nlattr **tb, int maxtype,
		     const struct nlattr *head, int len,
		     const struct nla_policy *policy)
{
	const struct nlattr *nla;
	int rem, type, err;

	for (type = 0; type <= maxtype; type++)
		tb[type] = NULL;
	for (nla = head, rem = len; nla_ok(nla, rem); nla = nla_next(nla, &rem)) {
		type = nla_type(nla);
		if (type == 0 || type > maxtype)
			return -EINVAL;
		err = validate_nla(nla, &policy[type]);
		if (err)
			return err;
		tb[type] = nla;
	}
	/* Trailing bytes that do not form an attribute. */
	return rem >= NLA_HDRLEN ? -EINVAL : 0;
}

static int nla_parse_nested(const struct nlattr **tb, const struct nlattr *nla,
			    const struct nla_policy *pt)
{
	return nla_parse(tb, pt->nested_max, nla_data(nla), nla_len(nla),
			 pt->nested);
}

/* Interface names: printable, no '/', no ':' (dev_valid_name()). */
static int valid_name(const struct nlattr *nla)
{
	const char *s = nla_data(nla);
	int i, len = nla_len(nla);

	for (i = 0; i < len && s[i]; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] <= ' ')
			return 0;
	return i > 0;
}

static int kind_eq(const struct nlattr *nla, const char *kind)
{
	const char *s = nla_data(nla);
	int i, len = nla_len(nla);

	for (i = 0; i < len && s[i] && kind[i]; i++)
		if (s[i] != kind[i])
			return 0;
	return kind[i] == '\0' && (i == len || s[i] == '\0');
}

enum { KIND_NONE, KIND_VLAN, KIND_DUMMY, KIND_BRIDGE };

static int vlan_apply(const struct nlattr *data, struct wl_result *res)
{
	const struct nlattr *tb[__WL_VLAN_MAX];
	int err;

	err = nla_parse_nested(tb, data, &info_policy[WL_INFO_DATA]);
	if (err)
		return err;
	if (!tb[WL_VLAN_ID])
		return -EINVAL;
	res->vlan_id = nla_get_u16(tb[WL_VLAN_ID]);
	res->vlan_proto = 0x8100;
	if (tb[WL_VLAN_PROTO]) {
		switch (nla_get_u16(tb[WL_VLAN_PROTO])) {
		case 0x8100:
		case 0x88a8:
			res->vlan_proto = nla_get_u16(tb[WL_VLAN_PROTO]);
			break;
		default:
			return -EPROTONOSUPPORT;
		}
	}
	if (tb[WL_VLAN_FLAGS])
		res->flags |= nla_get_u32(tb[WL_VLAN_FLAGS]) << 16;
	return 0;
}

static int link_info_apply(const struct nlattr *info, struct wl_result *res)
{
	const struct nlattr *tb[__WL_INFO_MAX];
	int err;

	err = nla_parse_nested(tb, info, &link_policy[WL_LINK_INFO]);
	if (err)
		return err;
	if (!tb[WL_INFO_KIND])
		return -EINVAL;
	if (kind_eq(tb[WL_INFO_KIND], "vlan"))
		res->kind = KIND_VLAN;
	else if (kind_eq(tb[WL_INFO_KIND], "dummy"))
		res->kind = KIND_DUMMY;
	else if (kind_eq(tb[WL_INFO_KIND], "bridge"))
		res->kind = KIND_BRIDGE;
	else
		return -EOPNOTSUPP;
	if (tb[WL_INFO_DATA]) {
		if (res->kind != KIND_VLAN)
			return -EINVAL;
		return vlan_apply(tb[WL_INFO_DATA], res);
	}
	return res->kind == KIND_VLAN ? -EINVAL : 0;
}

static uint32_t addr_sum(const struct nlattr *nla)
{
	const uint8_t *a = nla_data(nla);
	uint32_t sum = 0;
	int i;

	for (i = 0; i < 6; i++)
		sum = sum * 31 + a[i];
	/* Multicast and all-zero addresses are refused by the caller. */
	if (a[0] & 1)
		return 0;
	return sum;
}

__attribute__((noinline)) int wl_link_request(const void *msg, size_t len,
					      struct wl_result *res)
{
	const struct wl_hdr *hdr = msg;
	const struct nlattr *tb[__WL_LINK_MAX];
	int err;

	if (len < sizeof(*hdr) || len > 0xffff)
		return -EINVAL;
	if (hdr->family != 0 && hdr->family != 7)
		return -EAFNOSUPPORT;
	if (hdr->index < 0)
		return -ENODEV;
	err = nla_parse(tb, __WL_LINK_MAX - 1,
			(const struct nlattr *)(hdr + 1),
			(int)(len - sizeof(*hdr)), link_policy);
	if (err)
		return err;

	res->kind = KIND_NONE;
	res->flags = (res->flags & ~hdr->change) | (hdr->flags & hdr->change);
	if (tb[WL_LINK_NAME] && !valid_name(tb[WL_LINK_NAME]))
		return -EINVAL;
	if (tb[WL_LINK_MTU])
		res->mtu = nla_get_u32(tb[WL_LINK_MTU]);
	if (tb[WL_LINK_FLAGS])
		res->flags |= nla_get_u32(tb[WL_LINK_FLAGS]);
	if (tb[WL_LINK_ADDR]) {
		res->sum = addr_sum(tb[WL_LINK_ADDR]);
		if (!res->sum)
			return -EADDRNOTAVAIL;
	}
	if (tb[WL_LINK_OPER]) {
		switch (nla_get_u8(tb[WL_LINK_OPER])) {
		case 0:
		case 2:
			res->flags &= ~1u;
			break;
		case 6:
			res->flags |= 1u;
			break;
		default:
			break;
		}
	}
	if (tb[WL_LINK_PROMISC])
		res->flags |= 0x100;
	if (tb[WL_LINK_GROUP])
		res->group = nla_get_u32(tb[WL_LINK_GROUP]);
	if (tb[WL_LINK_INFO]) {
		err = link_info_apply(tb[WL_LINK_INFO], res);
		if (err)
			return err;
	}
	return 0;
}

__attribute__((noinline)) unsigned int wl_small(unsigned int x)
{
	if (x & 1)
		x = x * 3 + 1;
	else
		x >>= 1;
	if (x > 1000)
		x -= 1000;
	return x;
}
