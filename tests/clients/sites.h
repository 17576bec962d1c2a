/* SPDX-License-Identifier: MIT */
/*
 * sites.h - call sites of the coverage hooks whose PCs are known exactly:
 * each is the address right after an indirect call instruction (x86-64
 * assembly, so no compiler can move, merge or drop a call), i.e. the
 * return address the kernel's _RET_IP_ records. The hooks are reached
 * through pointers, which the client sets from the linked symbols or, not
 * linked (LD_PRELOAD), from dlsym().
 */
#ifndef KSIM_CLIENT_SITES_H
#define KSIM_CLIENT_SITES_H

#include <stdint.h>

extern void (*site_pc_hook)(void);
extern void (*site_cmp4_hook)(uint32_t, uint32_t);

/* Three trace_pc calls; they return to site_a, site_b, site_c. */
void sites_pc3(void);
extern const char site_a[], site_b[], site_c[];

/* One trace_cmp4(SITE_CMP_A1, SITE_CMP_A2); it returns to site_cmp. */
void sites_cmp(void);
extern const char site_cmp[];
#define SITE_CMP_A1	0x1234u
#define SITE_CMP_A2	0x5678u

#endif
