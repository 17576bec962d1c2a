/* SPDX-License-Identifier: MIT */
/* nlattr_build.c - building messages for the tests and the demo. Not
 * instrumented: only the parser's coverage is of interest. */
#include <errno.h>
#include <string.h>

#include "nlattr.h"

int nla_put(void *buf, int cap, int *off, int type, const void *data, int len)
{
	struct nlattr nla = { (uint16_t)(NLA_HDRLEN + len), (uint16_t)type };
	int total = NLA_ALIGN(NLA_HDRLEN + len);

	if (len < 0 || *off + total > cap)
		return -EMSGSIZE;
	memcpy((char *)buf + *off, &nla, sizeof(nla));
	if (len)
		memcpy((char *)buf + *off + NLA_HDRLEN, data, (size_t)len);
	memset((char *)buf + *off + NLA_HDRLEN + len, 0, (size_t)(total - NLA_HDRLEN - len));
	*off += total;
	return 0;
}

int nla_put_u32(void *buf, int cap, int *off, int type, uint32_t v)
{
	return nla_put(buf, cap, off, type, &v, sizeof(v));
}

int nla_nest_start(void *buf, int cap, int *off, int type)
{
	int start = *off;

	if (nla_put(buf, cap, off, type | NLA_F_NESTED, NULL, 0))
		return -EMSGSIZE;
	return start;
}

void nla_nest_end(void *buf, int start, int off)
{
	struct nlattr nla;

	memcpy(&nla, (char *)buf + start, sizeof(nla));
	nla.nla_len = (uint16_t)(off - start);
	memcpy((char *)buf + start, &nla, sizeof(nla));
}
