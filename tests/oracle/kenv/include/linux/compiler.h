/* SPDX-License-Identifier: MIT */
/* Stand-in: what kernel/kcov.c needs from <linux/compiler.h> is in prelude.h. */
