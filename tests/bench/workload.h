/* SPDX-License-Identifier: MIT */
/*
 * workload.h - the benchmark's kernel-style code, as the driver sees it.
 *
 * workload.c is compiled several ways (uninstrumented, trace-pc,trace-cmp
 * with GCC and Clang, libFuzzer's and AFL++'s instrumentation) and every
 * variant executable links exactly one of those objects.
 */
#ifndef KSIM_BENCH_WORKLOAD_H
#define KSIM_BENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* What a request left behind; the driver folds it into a sink. */
struct wl_result {
	uint32_t	mtu;
	uint32_t	flags;
	uint32_t	group;
	uint16_t	vlan_id;
	uint16_t	vlan_proto;
	uint32_t	sum;
	int		kind;
};

/* Header of a request, in the shape of struct ifinfomsg. */
struct wl_hdr {
	uint8_t		family;
	uint8_t		pad;
	uint16_t	type;
	int32_t		index;
	uint32_t	flags;
	uint32_t	change;
};

/* Attribute types of a request; WL_LINK_INFO nests WL_INFO_*. */
enum {
	WL_LINK_UNSPEC,
	WL_LINK_NAME,		/* string, at most 15 bytes */
	WL_LINK_MTU,		/* u32 in [68, 65535] */
	WL_LINK_TXQLEN,		/* u32 */
	WL_LINK_FLAGS,		/* u32, mask 0x1ff */
	WL_LINK_ADDR,		/* binary, 6 bytes */
	WL_LINK_OPER,		/* u8 in [0, 6] */
	WL_LINK_INFO,		/* nested */
	WL_LINK_PROMISC,	/* flag */
	WL_LINK_GROUP,		/* u32 */
	__WL_LINK_MAX,
};

enum {
	WL_INFO_UNSPEC,
	WL_INFO_KIND,		/* string: "vlan", "dummy", "bridge" */
	WL_INFO_DATA,		/* nested WL_VLAN_* */
	__WL_INFO_MAX,
};

enum {
	WL_VLAN_UNSPEC,
	WL_VLAN_ID,		/* u16 in [1, 4094] */
	WL_VLAN_PROTO,		/* u16: 0x8100 or 0x88a8 */
	WL_VLAN_FLAGS,		/* u32 */
	__WL_VLAN_MAX,
};

/* Parse and apply one request of @len bytes: 0 or a negative errno. */
int wl_link_request(const void *msg, size_t len, struct wl_result *res);

/* A handful of basic blocks: the body of a small remote section. */
unsigned int wl_small(unsigned int x);

#endif /* KSIM_BENCH_WORKLOAD_H */
