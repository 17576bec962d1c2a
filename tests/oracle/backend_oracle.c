// SPDX-License-Identifier: MIT
/*
 * backend_oracle.c - backend.h over the real kernel/kcov.c (ko.h). Linked
 * into the ksim-oracle-linux-<version> binaries only; never with
 * libkcov-sim.
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "kenv/ko.h"

#ifndef KSIM_ORACLE_KERNEL
#define KSIM_ORACLE_KERNEL "unknown"
#endif
#ifndef KSIM_ORACLE_PACKAGE
#define KSIM_ORACLE_PACKAGE "?"
#endif
#ifdef KSIM_ORACLE_NO_CMP
#define HAVE_CMP 0
#else
#define HAVE_CMP 1
#endif

int be_supports(const struct be_config *cfg)
{
	return cfg->no_cmp == !HAVE_CMP;
}

int be_boot(const struct be_config *cfg)
{
	return ko_boot(cfg->nr_cpus);
}

const char *be_describe(void)
{
#if HAVE_CMP
	return "oracle: kernel/kcov.c of Debian linux-source-" KSIM_ORACLE_KERNEL
	       " " KSIM_ORACLE_PACKAGE;
#else
	return "oracle: kernel/kcov.c of Debian linux-source-" KSIM_ORACLE_KERNEL
	       " " KSIM_ORACLE_PACKAGE ", CONFIG_KCOV_ENABLE_COMPARISONS=n";
#endif
}

int be_profile_honoured(void)
{
	return -1;
}

void be_task_first(int id)		{ ko_task_first(id); }
void *be_task_new(int id)		{ return ko_task_new(id); }
void be_task_enter(void *cookie)	{ ko_task_enter(cookie); }
void be_task_exit(void)			{ ko_task_exit(); }

int be_open(void)			{ return ko_open(); }
long be_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	return ko_ioctl(fd, cmd, arg);
}
long be_mmap(int fd, size_t len, int prot, off_t off, void **addr)
{
	return ko_mmap(fd, len, prot, off, addr);
}
int be_munmap(void *addr, size_t len)	{ return ko_munmap(addr, len); }
int be_close(int fd)			{ return ko_close(fd); }
int be_dup(int fd)			{ return ko_dup(fd); }

uint64_t be_dev_of(int fd)		{ return (uintptr_t)ko_fd_dev(fd); }
int be_dev_refcount(uint64_t dev)	{ return ko_dev_refcount((void *)(uintptr_t)dev); }
unsigned long *be_dev_area(uint64_t dev) { return ko_dev_area((void *)(uintptr_t)dev); }

void be_remote_start(uint64_t h)	{ ko_remote_start(h); }
void be_remote_stop(void)		{ ko_remote_stop(); }
void be_remote_start_common(uint64_t id) { ko_remote_start_common(id); }
void be_remote_start_usb(uint64_t id)	{ ko_remote_start_usb(id); }
void be_remote_start_usb_softirq(uint64_t id) { ko_remote_start_usb_softirq(id); }
void be_remote_stop_softirq(void)	{ ko_remote_stop_softirq(); }
uint64_t be_common_handle(void)		{ return ko_common_handle(); }

void be_softirq_enter(void)		{ ko_softirq_enter(); }
void be_softirq_exit(void)		{ ko_softirq_exit(); }
void be_hardirq_enter(void)		{ ko_hardirq_enter(); }
void be_hardirq_exit(void)		{ ko_hardirq_exit(); }
void be_nmi_enter(void)			{ ko_nmi_enter(); }
void be_nmi_exit(void)			{ ko_nmi_exit(); }
void be_bh_disable(void)		{ ko_bh_disable(); }
void be_bh_enable(void)			{ ko_bh_enable(); }
void be_ctxsw_begin(void)		{ ko_ctxsw_begin(); }
void be_ctxsw_end(void)			{ ko_ctxsw_end(); }

unsigned long be_warn_count(void)	{ return ko_warn_count(); }
unsigned long be_section_allocs(void)	{ return ko_section_allocs(); }
unsigned long be_oob_check(char *where, size_t len)
{
	return ko_oob_check(where, len);
}
int be_is_kptr(unsigned long v)		{ return ko_is_kptr(v); }

void be_uapi(struct be_uapi *u)
{
	struct ko_uapi k;

	_Static_assert(sizeof(k) == sizeof(*u), "uapi fact structs differ");
	ko_uapi(&k);
	memcpy(u, &k, sizeof(k));
}

#if !HAVE_CMP
/* Without comparisons kernel/kcov.c defines no CMP hooks; the call sites
 * still exist in sites.c, so give them the kernel's absence: nothing. */
#include <stdint.h>
void __sanitizer_cov_trace_cmp1(uint8_t a, uint8_t b) { (void)a; (void)b; }
void __sanitizer_cov_trace_cmp2(uint16_t a, uint16_t b) { (void)a; (void)b; }
void __sanitizer_cov_trace_cmp4(uint32_t a, uint32_t b) { (void)a; (void)b; }
void __sanitizer_cov_trace_cmp8(unsigned long a, unsigned long b) { (void)a; (void)b; }
void __sanitizer_cov_trace_const_cmp1(uint8_t a, uint8_t b) { (void)a; (void)b; }
void __sanitizer_cov_trace_const_cmp2(uint16_t a, uint16_t b) { (void)a; (void)b; }
void __sanitizer_cov_trace_const_cmp4(uint32_t a, uint32_t b) { (void)a; (void)b; }
void __sanitizer_cov_trace_const_cmp8(unsigned long a, unsigned long b) { (void)a; (void)b; }
void __sanitizer_cov_trace_switch(unsigned long v, void *c) { (void)v; (void)c; }
#endif
