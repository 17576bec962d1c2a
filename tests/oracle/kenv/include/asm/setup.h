/* SPDX-License-Identifier: MIT */
/* Stand-in: kernel/kcov.c uses nothing from <asm/setup.h> here (no KASLR). */
