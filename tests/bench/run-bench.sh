#!/bin/sh
# Build and run the benchmark: the same kernel-style workload built several
# ways, one table (see CMakeLists.txt beside this file).
#
#   tests/bench/run-bench.sh [BUILD_DIR] [kcov-sim-bench options]
#
# BUILD_DIR defaults to build/ in the source tree and is configured when it
# has no cache yet, with the compiler in $CC (the library's compiler; the
# workload is built with both GCC and Clang either way). Options go to
# kcov-sim-bench: --quick, --runs N, --iters N, --no-callgrind, --no-remote.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$src/build
case ${1-} in
-*|'') ;;
*) build=$1; shift ;;
esac
if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" --target bench -j2
exec "$build/tests/bench/kcov-sim-bench" "$@"
