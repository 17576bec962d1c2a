/* SPDX-License-Identifier: MIT */
/* sites.h - the hook call sites of sites.c and the hook prototypes. */
#ifndef KSIM_ORACLE_SITES_H
#define KSIM_ORACLE_SITES_H

#include <stdint.h>

#define SITE_PCS	16
#define SITE_ALIGN	128

void __sanitizer_cov_trace_pc(void);
void __sanitizer_cov_trace_cmp1(uint8_t, uint8_t);
void __sanitizer_cov_trace_cmp2(uint16_t, uint16_t);
void __sanitizer_cov_trace_cmp4(uint32_t, uint32_t);
void __sanitizer_cov_trace_cmp8(unsigned long, unsigned long);
void __sanitizer_cov_trace_const_cmp1(uint8_t, uint8_t);
void __sanitizer_cov_trace_const_cmp2(uint16_t, uint16_t);
void __sanitizer_cov_trace_const_cmp4(uint32_t, uint32_t);
void __sanitizer_cov_trace_const_cmp8(unsigned long, unsigned long);
void __sanitizer_cov_trace_switch(unsigned long, void *);

void site_pc(int n);
void site_cmp(int kind, uint64_t a, uint64_t b);
void site_sw(uint64_t val, const uint64_t *cases);
/* "S3", "cmp4", "sw", ... for a return address inside a site; else NULL. */
const char *site_name(unsigned long v);

#endif /* KSIM_ORACLE_SITES_H */
