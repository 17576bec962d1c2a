/* SPDX-License-Identifier: MIT */
/*
 * A consumer of the installed cover component: capture the coverage of one
 * call of instrumented code and name the function it reached.
 */
#include <stdio.h>

#include <kcov-sim/cover.h>

#include "../matrix/matrix_kernel.h"

int main(void)
{
	struct kcov_sim_cover *cap = kcov_sim_cover_begin(0);
	long hits, other;

	if (!cap) {
		perror("kcov_sim_cover_begin");
		return 1;
	}
	mk_branch(42);
	if (kcov_sim_cover_end(cap)) {
		fprintf(stderr, "kcov_sim_cover_end failed\n");
		return 1;
	}
	hits = kcov_sim_cover_hits(cap, "mk_branch");
	other = kcov_sim_cover_hits(cap, "mk_switch");
	kcov_sim_cover_free(cap);
	printf("cover: mk_branch=%ld mk_switch=%ld\n", hits, other);
	return hits > 0 && other == 0 ? 0 : 1;
}
