/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for the kernel's <linux/kernel.h>, as much as lib/asn1_decoder.c
 * uses: branch hints and printk. pr_debug() prints nothing (as without
 * DEBUG); pr_err() goes to stderr unless KSIM_QUIET_PR_ERR is defined (a
 * fuzzer would print a line for every malformed input).
 */
#ifndef KSIM_STANDIN_KERNEL_H
#define KSIM_STANDIN_KERNEL_H
#include <stdio.h>
#include <linux/types.h>
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define fallthrough	__attribute__((__fallthrough__))
#define no_printk(fmt, ...) \
	({ if (0) fprintf(stderr, fmt, ##__VA_ARGS__); 0; })
#define pr_debug(fmt, ...)	no_printk(fmt, ##__VA_ARGS__)
#ifdef KSIM_QUIET_PR_ERR
#define pr_err(fmt, ...)	no_printk(fmt, ##__VA_ARGS__)
#else
#define pr_err(fmt, ...)	fprintf(stderr, fmt, ##__VA_ARGS__)
#endif
#endif
