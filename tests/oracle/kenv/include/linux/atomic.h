/* SPDX-License-Identifier: MIT */
/* Stand-in: what kernel/kcov.c needs from <linux/atomic.h> is in prelude.h. */
