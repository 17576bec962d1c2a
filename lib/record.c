/* SPDX-License-Identifier: MIT */
/*
 * record.c - golden-coverage recording: with KCOV_SIM_RECORD=<file>, the
 * coverage each device collected is appended to <file> when it is
 * detached. Not yet implemented: recording is off.
 */
#include "internal.h"

notrace void ksim_record(struct kcov *kcov)
{
	(void)kcov;
}
