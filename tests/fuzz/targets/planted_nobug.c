/* SPDX-License-Identifier: MIT */
/* planted_nobug.c - planted.c without its bugs, for throughput figures. */
#define PLANTED_NO_BUG
#include "planted.c"
