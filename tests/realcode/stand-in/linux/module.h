/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/module.h>: module metadata means nothing here. */
#ifndef _KSIM_RC_LINUX_MODULE_H
#define _KSIM_RC_LINUX_MODULE_H

#include <linux/export.h>

#define MODULE_LICENSE(s)
#define MODULE_DESCRIPTION(s)

#endif
