/* SPDX-License-Identifier: MIT */
/*
 * trace_target.c - the program kcovtrace.c runs: its coverage is what the
 * task enabled before execve. It tells the tracer (fd 100) the PCs it is
 * about to record: its own addresses, which only it knows.
 */
#include <unistd.h>

#include "client.h"

#ifdef KSIM_TARGET_LINKED
/* Linked (not preloaded): a strong reference takes the library into the
 * image even where an archive is linked and a sanitizer runtime already
 * defines the libc functions it would otherwise be pulled in for. */
const char *kcov_sim_version(void);
const char *(*volatile target_keeps)(void) = kcov_sim_version;
#endif

int main(void)
{
	client_hooks();
	CHECK(dprintf(100, "%lx %lx %lx\n", (unsigned long)site_a,
		      (unsigned long)site_b, (unsigned long)site_c) > 0);
	close(100);
	sites_pc3();
	return 0;
}
