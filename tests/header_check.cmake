# cmake -DCC=<compiler> -DLANG=c|c++ -DHEADER=<kcov-sim/x.h>[,<other.h>...]
#       -DINC=<dir>[,<dir>...] -P header_check.cmake
# Compiles a file that includes only HEADER (several, in the order given,
# and uses what they define when <linux/kcov.h> is among them), warnings
# as errors.
string(REPLACE "," ";" headers "${HEADER}")
string(REPLACE "," ";" dirs "${INC}")
string(MAKE_C_IDENTIFIER "${HEADER}" id)
string(MD5 inc_id "${INC}")	# two runs with other dirs run in parallel
string(APPEND id "_${inc_id}")
set(src ${CMAKE_CURRENT_BINARY_DIR}/hc_${id}_${LANG}.src)
set(text "")
foreach(h IN LISTS headers)
	string(APPEND text "#include <${h}>\n")
endforeach()
if(HEADER MATCHES "linux/kcov.h")
	# The uapi both define, used: one definition, the same values.
	string(APPEND text "static unsigned long long use(void)\n{\n"
		"\tstruct kcov_remote_arg a = { KCOV_TRACE_CMP, 1, 0, 0 };\n"
		"\treturn kcov_remote_handle(KCOV_SUBSYSTEM_USB, a.area_size) +\n"
		"\t       KCOV_INIT_TRACE + KCOV_ENABLE + KCOV_DISABLE +\n"
		"\t       KCOV_REMOTE_ENABLE + KCOV_CMP_SIZE(3) + sizeof(a);\n}\n"
		"int main(void) { return use() == 0; }\n")
else()
	string(APPEND text "int main(void) { return 0; }\n")
endif()
file(WRITE ${src} "${text}")
if(LANG STREQUAL "c")
	set(std -std=c11)
else()
	set(std -std=c++17)
endif()
list(TRANSFORM dirs PREPEND -I)
execute_process(COMMAND ${CC} -x ${LANG} ${std} -Wall -Wextra -Werror
		${dirs} -c ${src} -o ${src}.o
	RESULT_VARIABLE rc ERROR_VARIABLE err)
file(REMOVE ${src} ${src}.o)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "${HEADER} does not compile as ${LANG}:\n${err}")
endif()
message("${HEADER} compiles as ${LANG}")
