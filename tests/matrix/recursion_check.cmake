# cmake -DBIN=<recursion build> -DOBJDUMP=<objdump> -P recursion_check.cmake
# The user's -fsanitize-coverage (CMAKE_C_FLAGS) reached every compile line
# of the library, and still no library object calls a hook (DESIGN 5): a
# hook calling a hook would recurse. The program's own kernel object, built
# with the same flags, is the control that the pattern finds such calls.
set(flag "-fsanitize-coverage=trace-pc,trace-cmp")
# A call or tail call to a hook's entry (jumps inside a hook show
# "<hook+0x..>"), or an unresolved call's relocation in an object file.
set(call_re "(call|jmp)[^\n<]*<__sanitizer_cov_[A-Za-z0-9_]+(@plt)?>|R_X86_64_PLT32[ \t]+__sanitizer_cov_")

file(READ ${BIN}/compile_commands.json db)
string(JSON n LENGTH "${db}")
math(EXPR last "${n} - 1")
set(lib_units 0)
foreach(i RANGE ${last})
	string(JSON file GET "${db}" ${i} file)
	string(JSON cmd GET "${db}" ${i} command)
	if(NOT file MATCHES "/lib/[a-z_]+\\.c$")
		continue()
	endif()
	math(EXPR lib_units "${lib_units} + 1")
	string(FIND "${cmd}" "${flag}" on)
	string(FIND "${cmd}" "-fno-sanitize-coverage=trace-pc,trace-cmp" off REVERSE)
	if(on LESS 0)
		message(FATAL_ERROR "${file}: the user's ${flag} did not reach it; "
			"the test proves nothing")
	endif()
	if(off LESS on)
		message(FATAL_ERROR "${file}: no -fno-sanitize-coverage after ${flag}")
	endif()
endforeach()
if(lib_units EQUAL 0)
	message(FATAL_ERROR "no library sources in ${BIN}/compile_commands.json")
endif()

function(calls_hooks file out)
	execute_process(COMMAND ${OBJDUMP} -dr ${file} OUTPUT_VARIABLE dis
		RESULT_VARIABLE rc)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "${OBJDUMP} -dr ${file} failed")
	endif()
	string(REGEX MATCH "${call_re}" hit "${dis}")
	set(${out} "${hit}" PARENT_SCOPE)
endfunction()

calls_hooks(${BIN}/CMakeFiles/recursion_auto.dir/matrix_kernel.c.o hit)
if(NOT hit)
	message(FATAL_ERROR "control: the instrumented kernel object shows no "
		"hook call; the pattern is broken")
endif()
foreach(lib libkcov-sim.a libkcov-sim.so)
	calls_hooks(${BIN}/kcov-sim/${lib} hit)
	if(hit)
		message(FATAL_ERROR "${lib} calls a hook: ${hit}")
	endif()
endforeach()
message("${lib_units} library compile lines had ${flag}; no library "
	"object calls a hook")
