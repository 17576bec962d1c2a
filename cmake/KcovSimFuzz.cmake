# kcov_sim_add_fuzzer(<name> HARNESS <file> SOURCES <kernel source>...
#                     [ENGINE builtin|libfuzzer|afl])
#
# An executable <name> that fuzzes kernel code on KCOV's signal. HARNESS
# defines LLVMFuzzerTestOneInput (and optionally LLVMFuzzerInitialize) and
# is not instrumented; SOURCES, the kernel code, get
# -fsanitize-coverage=trace-pc,trace-cmp at compile time
# (kcov_sim_instrument(... STATIC): libkcov-sim's static library, whose
# hooks the executable binds at link time). The engine:
#
#   builtin    libkcov-sim's own engine (kcov-sim::fuzz-engine): no
#              dependencies; libFuzzer's command line.
#   libfuzzer  libFuzzer, with a private copy of its runtime whose ten
#              __sanitizer_cov_* hooks are renamed; the result is a
#              libFuzzer binary (ClusterFuzz / OSS-Fuzz run it as is).
#              Needs libFuzzer's runtime (Debian: libfuzzer-14-dev).
#   afl        AFL++'s driver (libAFLDriver.a) and a private copy of its
#              afl-compiler-rt.o with the CMP hooks renamed; run it under
#              afl-fuzz, with -c 0 for CmpLog. Needs AFL++ (Debian: afl++).
#
# The runtime copies are made at build time from the installed toolchain by
# kcov-sim-fuzz-runtime (once per build tree). Works in the source tree
# (add_subdirectory) and after find_package(KcovSim CONFIG COMPONENTS fuzz).
#
# kcov_sim_fuzz_engine_available(<engine> <out-var>) tells whether the
# engine's runtime is installed.
include_guard(GLOBAL)

if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/kcov-sim-fuzz-runtime.sh)
	set(_ksim_tool ${CMAKE_CURRENT_LIST_DIR}/kcov-sim-fuzz-runtime.sh)
else()	# in the source tree
	set(_ksim_tool ${CMAKE_CURRENT_LIST_DIR}/../lib/fuzz/kcov-sim-fuzz-runtime.sh)
endif()
set_property(GLOBAL PROPERTY KCOV_SIM_FUZZ_RUNTIME_TOOL ${_ksim_tool})
unset(_ksim_tool)

function(_kcov_sim_fuzz_find what out)
	get_property(tool GLOBAL PROPERTY KCOV_SIM_FUZZ_RUNTIME_TOOL)
	execute_process(COMMAND sh ${tool} find ${what}
		OUTPUT_VARIABLE path OUTPUT_STRIP_TRAILING_WHITESPACE
		RESULT_VARIABLE rc ERROR_QUIET)
	if(rc EQUAL 0 AND EXISTS "${path}")
		set(${out} "${path}" PARENT_SCOPE)
	else()
		set(${out} "" PARENT_SCOPE)
	endif()
endfunction()

function(kcov_sim_fuzz_engine_available engine out)
	set(ok TRUE)
	if(engine STREQUAL "libfuzzer")
		_kcov_sim_fuzz_find(libfuzzer p)
		if(NOT p)
			set(ok FALSE)
		endif()
	elseif(engine STREQUAL "afl")
		_kcov_sim_fuzz_find(afl p)
		_kcov_sim_fuzz_find(afl-driver d)
		if(NOT p OR NOT d)
			set(ok FALSE)
		endif()
	elseif(NOT engine STREQUAL "builtin")
		set(ok FALSE)
	endif()
	set(${out} ${ok} PARENT_SCOPE)
endfunction()

# The renamed runtime of @engine, made once per build tree: an INTERFACE
# target to link, and a custom target that makes it.
function(_kcov_sim_fuzz_runtime engine out)
	set(lib kcov_sim_fuzz_rt_${engine})
	set(${out} ${lib} PARENT_SCOPE)
	get_property(done GLOBAL PROPERTY KCOV_SIM_FUZZ_RT_${engine})
	if(done)
		return()
	endif()
	get_property(tool GLOBAL PROPERTY KCOV_SIM_FUZZ_RUNTIME_TOOL)
	set(dir ${CMAKE_BINARY_DIR}/kcov-sim-fuzz-rt)
	find_program(KCOV_SIM_OBJCOPY NAMES objcopy llvm-objcopy
		HINTS ${CMAKE_OBJCOPY})
	if(NOT KCOV_SIM_OBJCOPY)
		message(FATAL_ERROR "kcov_sim_add_fuzzer: no objcopy (binutils)")
	endif()
	if(engine STREQUAL "libfuzzer")
		_kcov_sim_fuzz_find(libfuzzer in)
		set(made ${dir}/libkcov-sim-libfuzzer-rt.a)
		set(link ${made} stdc++ m)
		set(hint "libFuzzer's runtime (Debian: libfuzzer-14-dev)")
	else()
		_kcov_sim_fuzz_find(afl in)
		_kcov_sim_fuzz_find(afl-driver driver)
		set(made ${dir}/afl-compiler-rt-kcov-sim.o)
		set(link ${made} ${driver})
		set(hint "AFL++ (Debian: afl++)")
		if(NOT driver)
			set(in "")
		endif()
	endif()
	if(NOT in)
		message(FATAL_ERROR "kcov_sim_add_fuzzer: ENGINE ${engine} needs "
			"${hint}; see kcov_sim_fuzz_engine_available()")
	endif()
	add_custom_command(OUTPUT ${made}
		COMMAND ${CMAKE_COMMAND} -E env OBJCOPY=${KCOV_SIM_OBJCOPY}
			KCOV_SIM_LIBFUZZER_RUNTIME=${in} KCOV_SIM_AFL_RUNTIME=${in}
			sh ${tool} make ${engine} ${dir}
		DEPENDS ${in} ${tool}
		COMMENT "kcov-sim: renaming the coverage hooks of ${in}" VERBATIM)
	add_custom_target(${lib}_make DEPENDS ${made})
	add_library(${lib} INTERFACE)
	target_link_libraries(${lib} INTERFACE ${link} Threads::Threads
		${CMAKE_DL_LIBS})
	add_dependencies(${lib} ${lib}_make)
	set_property(GLOBAL PROPERTY KCOV_SIM_FUZZ_RT_${engine} ${lib})
endfunction()

function(kcov_sim_add_fuzzer name)
	cmake_parse_arguments(PARSE_ARGV 1 ARG "" "HARNESS;ENGINE" "SOURCES")
	if(ARG_UNPARSED_ARGUMENTS)
		message(FATAL_ERROR "kcov_sim_add_fuzzer: unknown arguments "
			"${ARG_UNPARSED_ARGUMENTS}")
	endif()
	if(NOT ARG_HARNESS OR NOT ARG_SOURCES)
		message(FATAL_ERROR "kcov_sim_add_fuzzer: HARNESS and SOURCES "
			"are required")
	endif()
	if(NOT ARG_ENGINE)
		set(ARG_ENGINE builtin)
	endif()
	if(NOT ARG_ENGINE MATCHES "^(builtin|libfuzzer|afl)$")
		message(FATAL_ERROR "kcov_sim_add_fuzzer: ENGINE ${ARG_ENGINE}: "
			"builtin, libfuzzer or afl")
	endif()
	if(NOT TARGET Threads::Threads)
		find_package(Threads REQUIRED)
	endif()
	add_executable(${name} ${ARG_HARNESS} ${ARG_SOURCES})
	# The bridge archive first: its main() must be linked before a
	# runtime's weak one (libAFLDriver.a has one).
	if(ARG_ENGINE STREQUAL "builtin")
		target_link_libraries(${name} PRIVATE kcov-sim::fuzz-engine)
	else()
		_kcov_sim_fuzz_runtime(${ARG_ENGINE} rt)
		target_link_libraries(${name} PRIVATE kcov-sim::fuzz-${ARG_ENGINE}
			${rt})
		add_dependencies(${name} ${rt}_make)
	endif()
	kcov_sim_instrument(${name} SOURCES ${ARG_SOURCES} STATIC)
	set_target_properties(${name} PROPERTIES KCOV_SIM_FUZZ_ENGINE ${ARG_ENGINE})
endfunction()
