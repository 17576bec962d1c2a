/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: pr_debug() is compiled out (as without DYNAMIC_DEBUG/DEBUG);
 * warnings and errors reach the host, which counts them and keeps them off
 * the transcript's stdout.
 */
#ifndef KENV_LINUX_PRINTK_H
#define KENV_LINUX_PRINTK_H
void kenv_printk(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define pr_debug(fmt, ...)	do { if (0) kenv_printk("debug", fmt, ##__VA_ARGS__); } while (0)
#define pr_warn(fmt, ...)	kenv_printk("warn", fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)	kenv_printk("err", fmt, ##__VA_ARGS__)
#define pr_warn_once(fmt, ...)	kenv_printk("warn", fmt, ##__VA_ARGS__)
#endif
