/* SPDX-License-Identifier: MIT */
/* Stand-in for the kernel's <linux/module.h>: a file of a userspace program. */
#ifndef KSIM_STANDIN_MODULE_H
#define KSIM_STANDIN_MODULE_H
#include <linux/export.h>
#define MODULE_LICENSE(x)
#endif
