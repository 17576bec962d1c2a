# kcov_sim_add_golden_test(NAME <name> COMMAND <program> [<arg>...]
#                          GOLDEN <file> [SOURCE_DIR <dir>]
#                          [EXPECT_DIFF <regex>...] [WORKING_DIRECTORY <dir>])
#
# Registers a ctest case that runs the program with KCOV_SIM_RECORD set (so
# libkcov-sim appends every TRACE_PC buffer the program collects, see the
# README), turns what was recorded into the sorted set of source lines
# reached ("file:line", paths relative to SOURCE_DIR - default: the top
# source directory - or base names outside it; no addresses) with
# kcov-sim-symbolize, and compares that set with the GOLDEN file. On a
# mismatch the test fails and lists the lines newly covered (+) and no
# longer covered (-).
#
# Update mode rewrites the golden file instead of comparing: run ctest with
# KCOV_SIM_GOLDEN_UPDATE=1 in the environment, or configure with
# -DKCOV_SIM_GOLDEN_UPDATE=ON. A missing golden file makes the test skip
# with a hint.
#
# EXPECT_DIFF turns the case around, to test a golden test: it passes only
# if the comparison fails and the report matches every <regex> (and it
# never rewrites the golden file).
include_guard(GLOBAL)

option(KCOV_SIM_GOLDEN_UPDATE "[TEST] Golden-coverage tests rewrite their golden files" OFF)
set(KSIM_GOLDEN_RUNNER ${CMAKE_CURRENT_LIST_DIR}/KcovSimGoldenRun.cmake)

function(kcov_sim_add_golden_test)
	cmake_parse_arguments(ARG "" "NAME;GOLDEN;SOURCE_DIR;WORKING_DIRECTORY"
		"COMMAND;EXPECT_DIFF" ${ARGN})
	if(NOT ARG_NAME OR NOT ARG_COMMAND OR NOT ARG_GOLDEN)
		message(FATAL_ERROR "kcov_sim_add_golden_test: NAME, COMMAND and GOLDEN are required")
	endif()
	if(NOT ARG_SOURCE_DIR)
		set(ARG_SOURCE_DIR ${PROJECT_SOURCE_DIR})
	endif()
	if(NOT ARG_WORKING_DIRECTORY)
		set(ARG_WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
	endif()
	# ';' cannot cross the command line inside one -D: use '|' instead.
	string(JOIN "|" expect ${ARG_EXPECT_DIFF})
	add_test(NAME ${ARG_NAME}
		COMMAND ${CMAKE_COMMAND}
			-DKSIM_NAME=${ARG_NAME}
			-DKSIM_GOLDEN=${ARG_GOLDEN}
			-DKSIM_SOURCE_DIR=${ARG_SOURCE_DIR}
			-DKSIM_SYMBOLIZE=$<TARGET_FILE:kcov-sim::symbolize>
			-DKSIM_RECORD=${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.record
			-DKSIM_UPDATE=${KCOV_SIM_GOLDEN_UPDATE}
			"-DKSIM_EXPECT_DIFF=${expect}"
			-P ${KSIM_GOLDEN_RUNNER} -- ${ARG_COMMAND}
		WORKING_DIRECTORY ${ARG_WORKING_DIRECTORY})
	set_tests_properties(${ARG_NAME} PROPERTIES LABELS golden
		SKIP_REGULAR_EXPRESSION "KCOV_SIM_GOLDEN_SKIP" TIMEOUT 300)
endfunction()
