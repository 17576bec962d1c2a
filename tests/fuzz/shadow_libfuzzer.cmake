# cmake -DCLANG=<clang> -DSRC=<shadow_main.c> -DINC=<include dir>
#       -DLIB=<libkcov-sim.so> -DBIN=<dir> -P shadow_libfuzzer.cmake
# The shadowed-hook line names libFuzzer's runtime, not UBSan's, when
# -fsanitize=fuzzer put both into the executable.
file(MAKE_DIRECTORY ${BIN})
get_filename_component(libdir ${LIB} DIRECTORY)
execute_process(COMMAND ${CLANG} -fsanitize=fuzzer -I${INC} ${SRC}
		${LIB} -Wl,-rpath,${libdir} -o ${BIN}/shadow_libfuzzer
	RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "build failed:\n${err}")
endif()
execute_process(COMMAND ${BIN}/shadow_libfuzzer RESULT_VARIABLE rc
	OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT out MATCHES "cmp=-1 errno=524")
	message(FATAL_ERROR "KCOV_TRACE_CMP was not refused")
endif()
if(NOT err MATCHES "resolves to libclang_rt\\.fuzzer \\(in the executable\\)"
   OR err MATCHES "ubsan")
	message(FATAL_ERROR "the line does not name libFuzzer's runtime")
endif()
