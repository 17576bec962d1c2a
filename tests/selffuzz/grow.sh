#!/bin/sh
# grow.sh FUZZER PCS CORPUS WORK: run the self-fuzzer for $SELFFUZZ_SECONDS
# (default 60) from CORPUS, then replace CORPUS by the greedy minimisation
# of everything found (selffuzz_pcs -minimize). Stops at a crash (the crash
# file stays in WORK).
set -eu
fuzzer=$1 pcs=$2 corpus=$3 work=$4
rm -rf "$work"
mkdir -p "$work/all" "$work/min"
cp "$corpus"/* "$work/all/"
(cd "$work" && "$fuzzer" all -max_total_time="${SELFFUZZ_SECONDS:-60}" \
	-seed="${SELFFUZZ_SEED:-0}" -print_final_stats=1)
"$pcs" -minimize "$work/min" "$work/all"
# Hand-written seeds (seed-*) stay whatever the minimisation says.
cp "$corpus"/seed-* "$work/min/" 2>/dev/null || true
rm -f "$corpus"/*
cp "$work/min"/* "$corpus/"
"$pcs" "$corpus"
