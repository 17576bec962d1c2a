/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/string.h>: the C library's string functions. */
#ifndef _KSIM_STANDIN_LINUX_STRING_H
#define _KSIM_STANDIN_LINUX_STRING_H

#include <string.h>

#endif
