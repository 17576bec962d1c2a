# cmake -DCC=<compiler> -DLANG=c|c++ -DHEADER=<kcov-sim/x.h> -DINC=<dir>
#       -P header_check.cmake
# Compiles a file that includes only HEADER, warnings as errors.
string(MAKE_C_IDENTIFIER "${HEADER}" id)
set(src ${CMAKE_CURRENT_BINARY_DIR}/hc_${id}_${LANG}.src)
file(WRITE ${src} "#include <${HEADER}>\nint main(void) { return 0; }\n")
if(LANG STREQUAL "c")
	set(std -std=c11)
else()
	set(std -std=c++17)
endif()
execute_process(COMMAND ${CC} -x ${LANG} ${std} -Wall -Wextra -Werror
		-I${INC} -c ${src} -o ${src}.o
	RESULT_VARIABLE rc ERROR_VARIABLE err)
file(REMOVE ${src} ${src}.o)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "${HEADER} does not compile as ${LANG}:\n${err}")
endif()
message("${HEADER} compiles alone as ${LANG}")
