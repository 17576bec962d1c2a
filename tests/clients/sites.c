/* SPDX-License-Identifier: MIT */
/* sites.c - the call sites of sites.h. Entered with %rsp 8 below a 16-byte
 * boundary; one push-sized adjustment keeps the calls aligned. */
#include "sites.h"

#ifndef __x86_64__
#error "the exact call sites are x86-64 assembly"
#endif

void (*site_pc_hook)(void);
void (*site_cmp4_hook)(uint32_t, uint32_t);

/* pushsection/popsection: the compiler does not see the section change,
 * and would put what it emits next (sanitizer data) into .text. */
__asm__(
	"	.pushsection .text\n"
	"	.globl	sites_pc3\n"
	"	.type	sites_pc3, @function\n"
	"sites_pc3:\n"
	"	subq	$8, %rsp\n"
	"	call	*site_pc_hook(%rip)\n"
	"	.globl	site_a\n"
	"site_a:\n"
	"	call	*site_pc_hook(%rip)\n"
	"	.globl	site_b\n"
	"site_b:\n"
	"	call	*site_pc_hook(%rip)\n"
	"	.globl	site_c\n"
	"site_c:\n"
	"	addq	$8, %rsp\n"
	"	ret\n"
	"	.size	sites_pc3, . - sites_pc3\n"
	"	.globl	sites_cmp\n"
	"	.type	sites_cmp, @function\n"
	"sites_cmp:\n"
	"	subq	$8, %rsp\n"
	"	movl	$0x1234, %edi\n"
	"	movl	$0x5678, %esi\n"
	"	call	*site_cmp4_hook(%rip)\n"
	"	.globl	site_cmp\n"
	"site_cmp:\n"
	"	addq	$8, %rsp\n"
	"	ret\n"
	"	.size	sites_cmp, . - sites_cmp\n"
	"	.popsection\n");
