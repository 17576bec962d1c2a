/* SPDX-License-Identifier: MIT */
/* Stand-in: what kernel/kcov.c needs from <linux/errno.h> is in prelude.h. */
