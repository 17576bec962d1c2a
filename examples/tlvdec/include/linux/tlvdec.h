/* SPDX-License-Identifier: MIT */
/* The decoder's own kernel header: part of the code that is ported. */
#ifndef _LINUX_TLVDEC_H
#define _LINUX_TLVDEC_H

#include <linux/types.h>

#define TLV_CONSTRUCTED	0x20	/* the value is a sequence of items */
#define TLV_MAX_ITEMS	16

struct tlv_item {
	u8		tag;
	size_t		len;
	const u8	*value;
	unsigned int	depth;
};

struct tlv_set {
	unsigned int	count;
	struct tlv_item	items[TLV_MAX_ITEMS];
};

int tlv_decode(const u8 *data, size_t datalen, struct tlv_item *items,
	       unsigned int max_items, const char **errmsg_out);
struct tlv_set *tlv_parse(const u8 *data, size_t datalen, const char **errmsg_out);

#endif /* _LINUX_TLVDEC_H */
