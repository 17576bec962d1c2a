/* SPDX-License-Identifier: MIT */
/* Stand-in: every type lives in the oracle's prelude.h. */
#ifndef KENV_LINUX_TYPES_H
#define KENV_LINUX_TYPES_H
#endif
