#!/bin/sh
# SPDX-License-Identifier: MIT
#
# kcov-sim-fuzz-runtime: private copies of the fuzzing engines' runtimes
# whose coverage hooks are renamed, so that instrumented kernel code
# reaches libkcov-sim's hooks and the engine runs on KCOV's signal.
#
#   kcov-sim-fuzz-runtime find libfuzzer|afl|afl-driver
#       print the toolchain's file (exit 1 if it is not installed)
#   kcov-sim-fuzz-runtime make libfuzzer|afl OUTDIR
#       write the renamed copy into OUTDIR and print what to link:
#       libfuzzer: OUTDIR/libkcov-sim-libfuzzer-rt.a (then -lstdc++ -lm)
#       afl:       OUTDIR/afl-compiler-rt-kcov-sim.o and AFL's libAFLDriver.a
#
# Where the runtimes come from: libFuzzer's libclang_rt.fuzzer_no_main-<arch>.a
# (Debian: libfuzzer-14-dev / libclang-rt-14-dev) as "$CC -print-file-name"
# or "clang -print-file-name" names it, else /usr/lib/llvm-*/...; AFL++'s
# afl-compiler-rt.o and libAFLDriver.a (Debian: afl++) in $AFL_PATH,
# /usr/lib/afl or /usr/local/lib/afl. KCOV_SIM_LIBFUZZER_RUNTIME,
# KCOV_SIM_AFL_RUNTIME and KCOV_SIM_AFL_DRIVER override the search;
# OBJCOPY names objcopy.
set -eu

die() { echo "kcov-sim-fuzz-runtime: $*" >&2; exit 1; }

arch=$(uname -m)

find_libfuzzer() {
	if [ -n "${KCOV_SIM_LIBFUZZER_RUNTIME:-}" ]; then
		echo "$KCOV_SIM_LIBFUZZER_RUNTIME"; return 0
	fi
	name=libclang_rt.fuzzer_no_main-$arch.a
	for cc in "${CC:-}" clang clang-16 clang-15 clang-14; do
		[ -n "$cc" ] || continue
		p=$("$cc" -print-file-name="$name" 2>/dev/null) || continue
		case $p in /*) [ -f "$p" ] && { echo "$p"; return 0; } ;; esac
	done
	p=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/"$name" 2>/dev/null |
	    sort -V | tail -n 1)
	[ -n "$p" ] && { echo "$p"; return 0; }
	return 1
}

find_afl() {	# $1: file name, $2: override
	if [ -n "$2" ]; then echo "$2"; return 0; fi
	for d in "${AFL_PATH:-}" /usr/lib/afl /usr/local/lib/afl; do
		[ -n "$d" ] && [ -f "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}

find_one() {
	case $1 in
	libfuzzer) find_libfuzzer ;;
	afl) find_afl afl-compiler-rt.o "${KCOV_SIM_AFL_RUNTIME:-}" ;;
	afl-driver) find_afl libAFLDriver.a "${KCOV_SIM_AFL_DRIVER:-}" ;;
	*) die "unknown runtime '$1' (libfuzzer, afl, afl-driver)" ;;
	esac
}

# --redefine-sym arguments: hook -> __kcov_sim_<tag>_<hook without prefix>.
renames() {	# $1: tag, rest: hooks
	tag=$1; shift
	for h in "$@"; do
		printf ' --redefine-sym __sanitizer_cov_%s=__kcov_sim_%s_%s' \
			"$h" "$tag" "$h"
	done
}

CMP="trace_cmp1 trace_cmp2 trace_cmp4 trace_cmp8 trace_const_cmp1
     trace_const_cmp2 trace_const_cmp4 trace_const_cmp8 trace_switch"

[ $# -ge 2 ] || die "usage: $0 find|make libfuzzer|afl [OUTDIR]"
case $1 in
find)
	find_one "$2" || die "no $2 runtime found"
	;;
make)
	[ $# -eq 3 ] || die "usage: $0 make libfuzzer|afl OUTDIR"
	mkdir -p "$3"
	OBJCOPY=${OBJCOPY:-objcopy}
	case $2 in
	libfuzzer)
		in=$(find_one libfuzzer) || die "no libFuzzer runtime (install libfuzzer-14-dev)"
		out=$3/libkcov-sim-libfuzzer-rt.a
		# shellcheck disable=SC2046
		"$OBJCOPY" $(renames lf trace_pc $CMP) "$in" "$out.tmp"
		mv "$out.tmp" "$out"
		echo "$out"
		;;
	afl)
		in=$(find_one afl) || die "no AFL++ runtime (install afl++)"
		drv=$(find_one afl-driver) || die "no libAFLDriver.a (install afl++)"
		out=$3/afl-compiler-rt-kcov-sim.o
		# shellcheck disable=SC2046
		"$OBJCOPY" $(renames afl $CMP) "$in" "$out.tmp"
		mv "$out.tmp" "$out"
		echo "$out $drv"
		;;
	*) die "unknown runtime '$2' (libfuzzer, afl)" ;;
	esac
	;;
*) die "unknown command '$1' (find, make)" ;;
esac
