#!/bin/bash -eu
# SPDX-License-Identifier: MIT
#
# An OSS-Fuzz-style build script (projects/<name>/build.sh): the
# environment gives $CC, $CFLAGS, $SRC, $OUT and $LIB_FUZZING_ENGINE. On
# KCOV's signal the engine's runtime must come with its coverage hooks
# renamed, so the script maps $LIB_FUZZING_ENGINE to libkcov-sim's bridge
# for that engine: -fsanitize=fuzzer (libFuzzer, ClusterFuzz's default) to
# the libFuzzer bridge, an AFL++ driver to the AFL++ bridge, anything else
# to the built-in engine. The kernel code gets the KCOV instrumentation;
# the harness does not. pkg-config must find kcov-sim-fuzz, and
# kcov-sim-fuzz-runtime must be on PATH (both from the installed package).
#
#   CC=clang CFLAGS=-O1 SRC=tests/fuzz/targets OUT=/tmp/out \
#     LIB_FUZZING_ENGINE=-fsanitize=fuzzer tests/fuzz/package/build.sh

: "${CC:=cc}" "${CFLAGS:=}" "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${SRC:?}" "${OUT:?}" "${WORK:=$OUT/work}"
mkdir -p "$OUT" "$WORK"

# OSS-Fuzz's CFLAGS may carry libFuzzer's own instrumentation; KCOV
# replaces it, and it would only cost time: take it out.
CFLAGS=$(echo " $CFLAGS " | sed -e 's/ -fsanitize=fuzzer-no-link / /g' \
	-e 's/ -fsanitize-coverage=[^ ]* / /g')
KSIM_CFLAGS=$(pkg-config --cflags kcov-sim-fuzz)
KSIM_LIBS=$(pkg-config --libs kcov-sim-fuzz)

case "$LIB_FUZZING_ENGINE" in
*-fsanitize=fuzzer*)
	RT=$(kcov-sim-fuzz-runtime make libfuzzer "$WORK/rt")
	ENGINE="$(pkg-config --variable=libfuzzer_bridge kcov-sim-fuzz) $RT"
	EXTRA="-lstdc++ -lm" ;;
*AFLDriver*|*afl*)
	RT=$(kcov-sim-fuzz-runtime make afl "$WORK/rt")
	ENGINE="$(pkg-config --variable=afl_bridge kcov-sim-fuzz) $RT"
	EXTRA="" ;;
*)
	ENGINE=$(pkg-config --variable=engine kcov-sim-fuzz)
	EXTRA="" ;;
esac

# shellcheck disable=SC2086
$CC $CFLAGS $KSIM_CFLAGS -fsanitize-coverage=trace-pc,trace-cmp \
	-c "$SRC/planted.c" -o "$WORK/planted.o"
for h in local remote; do
	# shellcheck disable=SC2086
	$CC $CFLAGS $KSIM_CFLAGS -I"$SRC" -c "$SRC/harness_$h.c" -o "$WORK/harness_$h.o"
	# shellcheck disable=SC2086
	$CC $CFLAGS "$WORK/harness_$h.o" "$WORK/planted.o" $ENGINE $KSIM_LIBS \
		$EXTRA -o "$OUT/planted_${h}_fuzzer"
done
