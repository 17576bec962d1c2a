// SPDX-License-Identifier: MIT
/*
 * tlvdec.c - a tag/length/value decoder in the shape of the kernel's
 * lib/asn1_decoder.c: one loop over the input, each error path a goto
 * label that names the error, one exit that reports it.
 *
 * Written as a file of a kernel tree: it includes <linux/...> headers only
 * and is compiled unchanged in userspace against the stand-in headers of
 * stand-in/ (README, "Porting kernel code into a test").
 */
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/tlvdec.h>

static inline bool tlv_constructed(u8 tag)
{
	return tag & TLV_CONSTRUCTED;
}

/**
 * tlv_decode - split a TLV blob into items
 * @data: the blob
 * @datalen: its length
 * @items: where the items go
 * @max_items: room in @items
 * @errmsg_out: the reason, when the blob is malformed
 *
 * A constructed item's value is walked as nested items (depth + 1).
 * Return: the number of items, or -EBADMSG.
 */
int tlv_decode(const u8 *data, size_t datalen, struct tlv_item *items,
	       unsigned int max_items, const char **errmsg_out)
{
	size_t dp = 0, len;
	unsigned int n = 0, nbytes, depth = 0;
	const char *errmsg;
	u8 tag;

	while (dp < datalen) {
		if (datalen - dp < 2)
			goto data_overrun_error;
		tag = data[dp++];
		if (tag == 0)
			goto invalid_tag_error;
		len = data[dp++];
		if (len & 0x80) {
			nbytes = len & 0x7f;
			if (nbytes > sizeof(u16))
				goto length_too_long;
			if (datalen - dp < nbytes)
				goto data_overrun_error;
			len = 0;
			while (nbytes--)
				len = (len << 8) | data[dp++];
		}
		if (len > datalen - dp)
			goto data_overrun_error;
		if (n >= max_items)
			goto too_many_error;
		items[n].tag = tag;
		items[n].len = len;
		items[n].value = data + dp;
		items[n].depth = depth;
		n++;
		if (tlv_constructed(tag)) {
			depth++;
			continue;	/* the value holds the nested items */
		}
		dp += len;
	}
	return n;

data_overrun_error:
	errmsg = "Data overrun error";
	goto error;
invalid_tag_error:
	errmsg = "Invalid tag";
	goto error;
length_too_long:
	errmsg = "Supplied length is too long";
	goto error;
too_many_error:
	errmsg = "Too many items";
error:
	pr_debug("TLV: %s at offset %zu\n", errmsg, dp);
	*errmsg_out = errmsg;
	return -EBADMSG;
}
EXPORT_SYMBOL_GPL(tlv_decode);

/**
 * tlv_parse - decode a blob into a new item set
 * @data: the blob
 * @datalen: its length
 * @errmsg_out: the reason, when the blob is malformed
 *
 * Return: the set (free it with kfree()), or an ERR_PTR(): -ENOMEM,
 * -EBADMSG, or -ENODATA for a blob without items.
 */
struct tlv_set *tlv_parse(const u8 *data, size_t datalen, const char **errmsg_out)
{
	struct tlv_set *set;
	int ret;

	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return ERR_PTR(-ENOMEM);
	ret = tlv_decode(data, datalen, set->items, ARRAY_SIZE(set->items), errmsg_out);
	if (ret < 0)
		goto out_free;
	if (!ret) {
		*errmsg_out = "Empty blob";
		ret = -ENODATA;
		goto out_free;
	}
	set->count = ret;
	return set;

out_free:
	kfree(set);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(tlv_parse);
