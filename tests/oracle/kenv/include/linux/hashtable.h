/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: fixed-size hash tables of hlist buckets, keyed by the kernel's
 * 64-bit multiplicative hash (the golden-ratio constant is a published
 * fact). Written for the oracle.
 */
#ifndef KENV_LINUX_HASHTABLE_H
#define KENV_LINUX_HASHTABLE_H

#include <linux/list.h>

#define GOLDEN_RATIO_64		0x61C8864680B583EBull

static inline u32 hash_64(u64 val, unsigned int bits)
{
	return (u32)((val * GOLDEN_RATIO_64) >> (64 - bits));
}

#define DEFINE_HASHTABLE(name, bits) \
	struct hlist_head name[1 << (bits)] = { { NULL } }

#define HASH_SIZE(name)		(sizeof(name) / sizeof((name)[0]))
#define HASH_BITS(name)		(__builtin_ctzl(HASH_SIZE(name)))
#define hash_min(val, bits)	hash_64((u64)(val), (bits))

#define hash_add(table, node, key) \
	hlist_add_head((node), &(table)[hash_min((key), HASH_BITS(table))])

static inline void hash_del(struct hlist_node *node)
{
	hlist_del(node);
}

#define hash_for_each_possible(table, obj, member, key) \
	hlist_for_each_entry(obj, &(table)[hash_min((key), HASH_BITS(table))], member)

#define hash_for_each_safe(table, bkt, tmp, obj, member)		\
	for ((bkt) = 0; (bkt) < (int)HASH_SIZE(table); (bkt)++)		\
		hlist_for_each_entry_safe(obj, tmp, &(table)[bkt], member)

#endif /* KENV_LINUX_HASHTABLE_H */
