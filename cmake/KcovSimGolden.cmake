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
#
# kcov_sim_coverage_report(NAME <name> TESTS <test>...
#                          [OUTPUT_DIRECTORY <dir>] [MODULES <file>...])
#
# One coverage report for a whole ctest run: each named test runs with
# KCOV_SIM_RECORD set (golden tests hand over their own record), and after
# the last of them the test <name> turns each record into an lcov
# tracefile (<dir>/<test>.info, TN:<test>), merges them (<dir>/all.info)
# and, where genhtml (Debian: lcov) is installed, writes the HTML report
# <dir>/html/index.html (every test, with per-test details) and
# <dir>/html-<test>/ for each test. <dir> defaults to
# <build dir>/<name>. MODULES lists instrumented files to report even where
# no test reached them.
#
# Both helpers come with find_package(KcovSim CONFIG COMPONENTS cover);
# include(KcovSimGolden) after it is allowed and does nothing more.
include_guard(GLOBAL)

option(KCOV_SIM_GOLDEN_UPDATE "[TEST] Golden-coverage tests rewrite their golden files" OFF)
set(KSIM_GOLDEN_RUNNER ${CMAKE_CURRENT_LIST_DIR}/KcovSimGoldenRun.cmake)
set(KSIM_GOLDEN_LCOV ${CMAKE_CURRENT_LIST_DIR}/KcovSimGoldenLcov.cmake)

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

function(kcov_sim_coverage_report)
	cmake_parse_arguments(ARG "" "NAME;OUTPUT_DIRECTORY" "TESTS;MODULES" ${ARGN})
	if(NOT ARG_NAME OR NOT ARG_TESTS)
		message(FATAL_ERROR "kcov_sim_coverage_report: NAME and TESTS are required")
	endif()
	if(NOT ARG_OUTPUT_DIRECTORY)
		set(ARG_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME})
	endif()
	set(dir ${ARG_OUTPUT_DIRECTORY})
	find_program(KSIM_GENHTML genhtml)
	# Before the tests: no record of an earlier run.
	add_test(NAME ${ARG_NAME}_start COMMAND ${CMAKE_COMMAND} -E
		rm -rf ${dir}/records)
	set_tests_properties(${ARG_NAME}_start PROPERTIES
		FIXTURES_SETUP ksim_cov_${ARG_NAME} LABELS coverage)
	foreach(t IN LISTS ARG_TESTS)
		set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
			"KCOV_SIM_RECORD=${dir}/records/${t}.record")
		set_property(TEST ${t} APPEND PROPERTY FIXTURES_REQUIRED
			ksim_cov_${ARG_NAME})
	endforeach()
	# After the last of them: tracefiles and HTML.
	string(JOIN "|" tests ${ARG_TESTS})
	string(JOIN "|" modules ${ARG_MODULES})
	add_test(NAME ${ARG_NAME} COMMAND ${CMAKE_COMMAND}
		-DKSIM_DIR=${dir}
		"-DKSIM_TESTS=${tests}"
		"-DKSIM_MODULES=${modules}"
		-DKSIM_SYMBOLIZE=$<TARGET_FILE:kcov-sim::symbolize>
		-DKSIM_GENHTML=${KSIM_GENHTML}
		-P ${KSIM_GOLDEN_LCOV})
	set_tests_properties(${ARG_NAME} PROPERTIES
		FIXTURES_CLEANUP ksim_cov_${ARG_NAME} LABELS coverage TIMEOUT 600)
endfunction()
