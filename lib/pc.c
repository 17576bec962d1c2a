/* SPDX-License-Identifier: MIT */
/*
 * pc.c - PC canonicalisation modes (DESIGN 9). Raw return addresses are the
 * default and handled inline in the hooks; the other modes land here.
 */
#include "internal.h"

KCOV_SIM_API notrace int kcov_sim_set_pc_mode(enum kcov_sim_pc_mode mode)
{
	if (mode != KCOV_SIM_PC_RAW)
		return -EOPNOTSUPP;
	WRITE_ONCE(ksim_pc_mode, mode);
	return 0;
}

KCOV_SIM_API notrace enum kcov_sim_pc_mode kcov_sim_get_pc_mode(void)
{
	return (enum kcov_sim_pc_mode)READ_ONCE(ksim_pc_mode);
}

notrace uint64_t ksim_pc_xlate(uintptr_t ip)
{
	return ip - READ_ONCE(ksim_pc_bias);
}
