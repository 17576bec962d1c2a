#!/usr/bin/env bash
# plant-bug.sh - show that the oracle tests catch a bug: copy the committed
# tree to a scratch directory, plant one known bug in its library, build
# that library's ksim-oracle-lib, and run the scenarios and random
# sequences of ksim-oracle-diff against an already built kernel oracle.
#
#   tests/oracle/plant-bug.sh BUILD_DIR [capacity|handle|sequence] [KERNEL]
#
# BUILD_DIR is a configured and built tree of this checkout (it provides
# the kernel oracle and ksim-oracle-diff). Exit 0 iff both runs report the
# planted bug as a difference. Nothing in the checkout is modified.
set -euo pipefail
build=$(realpath "$1")
plant=${2:-capacity}
ver=${3:-6.1}
src=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

git -C "$src" archive HEAD | tar -x -C "$scratch"
case $plant in
capacity)	# kcov_move_area() believes the buffer one entry smaller
	sed -i 's/\(dst_free = dst_area_size \* word_size - dst_occupied\);/\1 - entry_size;/' \
		"$scratch/lib/remote.c" ;;
handle)		# DISABLE and a failed REMOTE_ENABLE keep the common handle
	sed -i '/^notrace void kcov_task_reset/,/^}/s/\tt->kcov_handle = 0;/\t;/' \
		"$scratch/lib/task.c" ;;
sequence)	# kcov_remote_stop() ignores the sequence (spec 5.10)
	sed -i 's/if (sequence == kcov->sequence && kcov->remote)/if (kcov->remote \&\& sequence == sequence)/' \
		"$scratch/lib/remote.c" ;;
*)	echo "unknown plant $plant" >&2; exit 2 ;;
esac
if diff -qr "$src/lib" "$scratch/lib" >/dev/null; then
	echo "plant-bug: the $plant plant did not apply (lib/ changed?)" >&2
	exit 2
fi
cmake -S "$scratch" -B "$scratch/b" -DKCOV_SIM_BUILD_EXAMPLES=OFF \
	-DKCOV_SIM_BUILD_BENCH=OFF >/dev/null
cmake --build "$scratch/b" -j2 --target ksim-oracle-lib >/dev/null

o=$build/tests/oracle
caught=0
for mode in scenarios "random --seed 1 --count 300"; do
	# shellcheck disable=SC2086
	out=$(KCOV_SIM_PROFILE=linux-$ver "$o/ksim-oracle-diff" \
		--allow "$src/tests/oracle/allow.txt" --kernel "$ver" --door api \
		--oracle "$o/ksim-oracle-linux-$ver" \
		--lib "$scratch/b/tests/oracle/ksim-oracle-lib" $mode || true)
	if grep -E '^(UNEXPECTED|FAIL)' <<<"$out"; then
		caught=$((caught + 1))
	else
		echo "plant-bug: $plant NOT caught by: $mode"
	fi
done
[ $caught = 2 ] && echo "plant-bug: $plant caught by the scenarios and by the random run"
