/* SPDX-License-Identifier: MIT */
/*
 * nlattr.h - a netlink-style attribute (TLV) parser with validation
 * policies, written for this example in the style of kernel code: the
 * component kcov-sim's coverage assertions and golden tests exercise.
 *
 * An attribute is a 4-byte header (length including the header, type)
 * followed by its payload, padded to 4 bytes. A policy says, per type,
 * what the payload must look like; nla_parse() checks a stream of
 * attributes against it and indexes the last one of each type.
 */
#ifndef NLATTR_H
#define NLATTR_H

#include <stdint.h>

struct nlattr {
	uint16_t	nla_len;	/* header + payload, without padding */
	uint16_t	nla_type;	/* type, plus the two flags below */
};

#define NLA_ALIGNTO		4
#define NLA_ALIGN(len)		(((len) + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1))
#define NLA_HDRLEN		((int)NLA_ALIGN(sizeof(struct nlattr)))
#define NLA_F_NESTED		(1 << 15)
#define NLA_F_NET_BYTEORDER	(1 << 14)
#define NLA_TYPE_MASK		(~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff)

enum nla_kind {
	NLA_UNSPEC,		/* anything goes (at least @len bytes) */
	NLA_U8,
	NLA_U16,
	NLA_U32,
	NLA_U64,
	NLA_STRING,		/* at most @len bytes, NUL optional */
	NLA_NUL_STRING,		/* NUL-terminated, at most @len chars */
	NLA_FLAG,		/* no payload */
	NLA_BINARY,		/* at most @len bytes */
	NLA_NESTED,		/* attributes checked against @nested */
	NLA_REJECT,		/* never allowed */
};

struct nla_policy {
	uint8_t			kind;		/* enum nla_kind */
	uint8_t			has_range;	/* integers: check [min, max] */
	uint16_t		len;
	int64_t			min, max;
	const struct nla_policy	*nested;	/* NLA_NESTED: the inner policy */
	int			nested_max;
};

/* Where and why parsing failed, for the caller's error message. */
struct nl_extack {
	const char		*msg;
	const struct nlattr	*bad_attr;
};

#define NL_STRICT	0x1	/* unknown types and trailing bytes are errors */

/* Parse @len bytes of attributes at @head into @tb[0..maxtype]: 0 or -Exxx. */
int nla_parse(const struct nlattr **tb, int maxtype, const void *head, int len,
	      const struct nla_policy *policy, unsigned int flags,
	      struct nl_extack *extack);
/* The first attribute of @type in the stream, or NULL. */
const struct nlattr *nla_find(const void *head, int len, int type);

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

static inline uint32_t nla_get_u32(const struct nlattr *nla)
{
	uint32_t v;

	__builtin_memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

/* Message building, for tests and the demo: append to @buf (capacity @cap)
 * at *@off; -EMSGSIZE when it does not fit. */
int nla_put(void *buf, int cap, int *off, int type, const void *data, int len);
int nla_put_u32(void *buf, int cap, int *off, int type, uint32_t v);
/* Open a nested attribute; close it with the offset returned. */
int nla_nest_start(void *buf, int cap, int *off, int type);
void nla_nest_end(void *buf, int start, int off);

#endif /* NLATTR_H */
