/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/export.h>: no module symbol table. */
#ifndef _KSIM_RC_LINUX_EXPORT_H
#define _KSIM_RC_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)

#endif
