/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/export.h>: no module symbol table in a test. */
#ifndef _KSIM_STANDIN_LINUX_EXPORT_H
#define _KSIM_STANDIN_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)

#endif
