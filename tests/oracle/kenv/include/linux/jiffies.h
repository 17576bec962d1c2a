/* SPDX-License-Identifier: MIT */
/* Stand-in: only CONFIG_KCOV_SELFTEST (off in the oracle) reads jiffies. */
