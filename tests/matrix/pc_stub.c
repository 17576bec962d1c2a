/* SPDX-License-Identifier: MIT */
/*
 * pc_stub.c - a user's own __sanitizer_cov_trace_pc in the executable. The
 * executable's calls bind to it at link time, past a shared libkcov-sim,
 * which must say so at KCOV_ENABLE(KCOV_TRACE_PC). Hidden, so that it is
 * not in the dynamic symbol table: only the executable's .symtab shows it.
 */
__attribute__((visibility("hidden"))) void __sanitizer_cov_trace_pc(void);

void __sanitizer_cov_trace_pc(void)
{
}
