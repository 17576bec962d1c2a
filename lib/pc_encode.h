/* SPDX-License-Identifier: MIT */
/*
 * pc_encode.h - the module identity behind the PC encodings of sim.h,
 * shared by pc.c and record.c (core library) and symbolize.c (the cover
 * library), so that a file on disk gets the same module id offline as
 * its loaded image got in the process that collected. Never installed.
 */
#ifndef KSIM_PC_ENCODE_H
#define KSIM_PC_ENCODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <kcov-sim/sim.h>

#include "compiler.h"

/* Longest GNU build-id kept (SHA-1 is 20 bytes, some linkers use 32). */
#define KSIM_BUILD_ID_MAX	32

/* A module line in a record file or a module map (see sim.h). */
#define KSIM_MAP_PREFIX		"#kcov-sim module "

/* FNV-1a, 32 bits: tiny, stable, and good enough for a handful of modules. */
static inline notrace uint32_t ksim_fnv1a(const void *p, size_t len, uint32_t h)
{
	const unsigned char *c = p;

	while (len--) {
		h ^= *c++;
		h *= 16777619u;
	}
	return h;
}

static inline notrace const char *ksim_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * The module id: the high word of a KCOV_SIM_PC_MODULE value. Hash of the
 * GNU build-id when the module has one, else of the file's base name; the
 * top bit is always set (so the value is no user-space address) and the
 * all-ones word is reserved for the kernel window.
 */
static inline notrace uint32_t ksim_module_id(const unsigned char *build_id,
				      size_t build_id_len, const char *path)
{
	uint32_t h = 2166136261u;

	if (build_id_len)
		h = ksim_fnv1a(build_id, build_id_len, h);
	else
		h = ksim_fnv1a(ksim_basename(path), strlen(ksim_basename(path)), h);
	h |= KCOV_SIM_PC_MODULE_TAG;
	if (h == UINT32_MAX)
		h--;
	return h;
}

/* The kernel-range slot a module tries first (then the next free ones). */
static inline notrace unsigned int ksim_kernel_slot_pref(uint32_t id)
{
	return id % KCOV_SIM_PC_KERNEL_SLOTS;
}

/*
 * One module line: "#kcov-sim module <id> <slot|-> <build-id|-> <path>\n",
 * id and build-id in hex, the first kernel-range slot in decimal. The path
 * comes last and may hold spaces. Returns the length (truncated to @len).
 */
static inline notrace int ksim_map_line(char *buf, size_t len, uint32_t id, int slot,
				const unsigned char *build_id,
				unsigned int build_id_len, const char *path)
{
	char bid[2 * KSIM_BUILD_ID_MAX + 1] = "-", kslot[16] = "-";
	unsigned int i;
	int n;

	for (i = 0; i < build_id_len && i < KSIM_BUILD_ID_MAX; i++)
		snprintf(bid + 2 * i, 3, "%02x", build_id[i]);
	if (slot >= 0)
		snprintf(kslot, sizeof(kslot), "%d", slot);
	n = snprintf(buf, len, KSIM_MAP_PREFIX "%08x %s %s %s\n", (unsigned int)id,
		     kslot, bid, path && path[0] ? path : "-");
	if (n < 0)
		return 0;
	return (size_t)n < len ? n : (int)len - 1;
}

#endif /* KSIM_PC_ENCODE_H */
