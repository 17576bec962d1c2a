/* SPDX-License-Identifier: MIT */
/* Stand-in: struct file lives in <linux/fs.h>. */
#include <linux/fs.h>
