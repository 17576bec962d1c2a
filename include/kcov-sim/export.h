/* SPDX-License-Identifier: MIT */
/*
 * kcov-sim/export.h - KCOV_SIM_API, the one definition: what the library
 * exports. It is built with -fvisibility=hidden; only declarations marked
 * so are part of its ABI (and of its version script).
 */
#ifndef KCOV_SIM_EXPORT_H
#define KCOV_SIM_EXPORT_H

#ifndef KCOV_SIM_API
#define KCOV_SIM_API __attribute__((visibility("default")))
#endif

#endif /* KCOV_SIM_EXPORT_H */
