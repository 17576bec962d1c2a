/* SPDX-License-Identifier: MIT */
/* Stand-in: one process, no modules: exporting is a no-op. */
#ifndef KENV_LINUX_EXPORT_H
#define KENV_LINUX_EXPORT_H
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#endif
