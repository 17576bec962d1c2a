/* SPDX-License-Identifier: MIT */
/*
 * A consumer of an instrumented static library (kcov_sim_instrument() on
 * it): this file links only that library, yet includes <kcov-sim/sim.h>
 * and calls libkcov-sim - both come through the library's link interface.
 */
#include <stdio.h>

#include <kcov-sim/sim.h>

#include "../matrix/matrix_kernel.h"

int main(void)
{
	mk_branch(3);
	printf("static-lib: version %s\n", kcov_sim_version());
	return 0;
}
