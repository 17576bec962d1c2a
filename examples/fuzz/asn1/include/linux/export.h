/* SPDX-License-Identifier: MIT */
/* Stand-in for the kernel's <linux/export.h>: nothing is exported. */
#ifndef KSIM_STANDIN_EXPORT_H
#define KSIM_STANDIN_EXPORT_H
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#endif
