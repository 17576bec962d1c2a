# Runs one golden-coverage test; see KcovSimGolden.cmake. Invoked as
#   cmake -DKSIM_...=... -P KcovSimGoldenRun.cmake -- <program> [<arg>...]
cmake_minimum_required(VERSION 3.25)

set(cmd "")
set(after_dashes OFF)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
	if(after_dashes)
		list(APPEND cmd "${CMAKE_ARGV${i}}")
	elseif(CMAKE_ARGV${i} STREQUAL "--")
		set(after_dashes ON)
	endif()
endforeach()
if(NOT cmd)
	message(FATAL_ERROR "golden ${KSIM_NAME}: no command after --")
endif()

# 1. Run the program with recording on. Under kcov_sim_coverage_report()
# the record is handed over to the report too.
set(handover "$ENV{KCOV_SIM_RECORD}")
file(REMOVE ${KSIM_RECORD})
set(ENV{KCOV_SIM_RECORD} ${KSIM_RECORD})
unset(ENV{KCOV_SIM_PC_MODE})
execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
unset(ENV{KCOV_SIM_RECORD})
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "golden ${KSIM_NAME}: '${cmd}' failed (${rc}):\n${out}")
endif()
if(NOT EXISTS ${KSIM_RECORD})
	message(FATAL_ERROR "golden ${KSIM_NAME}: '${cmd}' recorded no coverage "
		"(it must enable a TRACE_PC device and run instrumented code)")
endif()
if(handover)
	get_filename_component(d "${handover}" DIRECTORY)
	file(MAKE_DIRECTORY "${d}")
	file(COPY_FILE ${KSIM_RECORD} "${handover}")
endif()

# 2. Recorded PCs -> sorted, unique file:line set.
execute_process(COMMAND ${KSIM_SYMBOLIZE} --lines --prefix ${KSIM_SOURCE_DIR}
	INPUT_FILE ${KSIM_RECORD} RESULT_VARIABLE rc
	OUTPUT_VARIABLE lines ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "golden ${KSIM_NAME}: kcov-sim-symbolize failed (${rc}): ${err}")
endif()
string(REGEX REPLACE "\n$" "" lines "${lines}")
string(REPLACE "\n" ";" actual "${lines}")

# 3. Update mode: rewrite the golden file.
if(NOT KSIM_EXPECT_DIFF AND (KSIM_UPDATE OR "$ENV{KCOV_SIM_GOLDEN_UPDATE}" MATCHES "^(1|ON|on|yes|true)$"))
	string(REPLACE ";" "\n" body "${actual}")
	file(WRITE ${KSIM_GOLDEN} "# kcov-sim golden coverage: source lines reached by ${KSIM_NAME}.\n"
		"# Regenerate: KCOV_SIM_GOLDEN_UPDATE=1 ctest -R '^${KSIM_NAME}$'\n${body}\n")
	list(LENGTH actual n)
	message("golden ${KSIM_NAME}: wrote ${n} lines to ${KSIM_GOLDEN}")
	return()
endif()

# 4. Compare.
if(NOT EXISTS ${KSIM_GOLDEN})
	message("KCOV_SIM_GOLDEN_SKIP: golden ${KSIM_NAME}: no ${KSIM_GOLDEN} yet; "
		"create it with KCOV_SIM_GOLDEN_UPDATE=1 ctest -R '^${KSIM_NAME}$'")
	return()
endif()
file(STRINGS ${KSIM_GOLDEN} golden REGEX "^[^#]")
set(added ${actual})
set(removed ${golden})
if(golden)
	list(REMOVE_ITEM added ${golden})
endif()
if(actual)
	list(REMOVE_ITEM removed ${actual})
endif()
if(NOT added AND NOT removed)
	if(KSIM_EXPECT_DIFF)
		message(FATAL_ERROR "golden ${KSIM_NAME}: expected a coverage difference, got none")
	endif()
	list(LENGTH actual n)
	message("golden ${KSIM_NAME}: ${n} lines, as in ${KSIM_GOLDEN}")
	return()
endif()

# Each line with its function and source text (kcov-sim-symbolize
# --describe, from the modules of the record): kept as one string, since
# source lines hold ';'.
function(ksim_describe sign lines out)
	set(list ${KSIM_RECORD}.describe)
	string(REPLACE ";" "\n" body "${lines}")
	file(WRITE ${list} "${body}\n")
	execute_process(COMMAND ${KSIM_SYMBOLIZE} --describe=${list}
		INPUT_FILE ${KSIM_RECORD} RESULT_VARIABLE rc OUTPUT_VARIABLE text
		ERROR_QUIET)
	if(NOT rc EQUAL 0 OR text STREQUAL "")
		set(text "${body}\n")	# the bare lines, then
	endif()
	string(REGEX REPLACE "\n$" "" text "${text}")
	string(REPLACE "\n" "\n  ${sign} " text "${text}")
	set(${out} "  ${sign} ${text}\n" PARENT_SCOPE)
endfunction()

set(report "golden coverage of ${KSIM_NAME} differs from ${KSIM_GOLDEN}\n")
list(LENGTH added na)
list(LENGTH removed nr)
if(added)
	ksim_describe("+" "${added}" text)
	string(APPEND report "newly covered (${na}):\n${text}")
endif()
if(removed)
	ksim_describe("-" "${removed}" text)
	string(APPEND report "no longer covered (${nr}):\n${text}")
endif()

if(KSIM_EXPECT_DIFF)
	string(REPLACE "|" ";" expect "${KSIM_EXPECT_DIFF}")
	foreach(re ${expect})
		if(NOT report MATCHES "${re}")
			message(FATAL_ERROR "${report}golden ${KSIM_NAME}: the report lacks '${re}'")
		endif()
	endforeach()
	message("${report}golden ${KSIM_NAME}: the expected difference was reported")
	return()
endif()
message(FATAL_ERROR "${report}If the change is intended: "
	"KCOV_SIM_GOLDEN_UPDATE=1 ctest -R '^${KSIM_NAME}$' and commit the golden file")
