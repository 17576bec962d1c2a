# The end of a kcov_sim_coverage_report() run (KcovSimGolden.cmake):
#   cmake -DKSIM_DIR=<dir> -DKSIM_TESTS=<t1|t2..> -DKSIM_MODULES=<f1|f2..>
#         -DKSIM_SYMBOLIZE=<tool> -DKSIM_GENHTML=<genhtml or empty>
#         -P KcovSimGoldenLcov.cmake
# <dir>/records/<test>.record -> <dir>/<test>.info -> <dir>/all.info ->
# <dir>/html/ and <dir>/html-<test>/.
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" tests "${KSIM_TESTS}")
string(REPLACE "|" ";" modules "${KSIM_MODULES}")
set(eargs)
foreach(m IN LISTS modules)
	list(APPEND eargs -e ${m})
endforeach()

file(MAKE_DIRECTORY ${KSIM_DIR})
set(all "")
set(infos)
foreach(t IN LISTS tests)
	set(record ${KSIM_DIR}/records/${t}.record)
	if(NOT EXISTS ${record})
		message("coverage: ${t} recorded nothing (not run, or no coverage)")
		continue()
	endif()
	# lcov test names: letters, digits and '_'.
	string(MAKE_C_IDENTIFIER "${t}" tn)
	execute_process(COMMAND ${KSIM_SYMBOLIZE} ${eargs} --lcov=${KSIM_DIR}/${t}.info
			--test-name=${tn}
		INPUT_FILE ${record} RESULT_VARIABLE rc ERROR_VARIABLE err)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "coverage: kcov-sim-symbolize --lcov failed for ${t} (${rc}): ${err}")
	endif()
	file(READ ${KSIM_DIR}/${t}.info info)
	string(APPEND all "${info}")
	list(APPEND infos ${t})
endforeach()
if(NOT infos)
	message(FATAL_ERROR "coverage: no test left a record in ${KSIM_DIR}/records")
endif()
file(WRITE ${KSIM_DIR}/all.info "${all}")
list(LENGTH infos n)
message("coverage: ${n} tracefiles and ${KSIM_DIR}/all.info")

if(NOT KSIM_GENHTML)
	message("coverage: no genhtml (Debian package lcov): no HTML report")
	return()
endif()
execute_process(COMMAND ${KSIM_GENHTML} --quiet --show-details --legend
		--output-directory ${KSIM_DIR}/html ${KSIM_DIR}/all.info
	RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "coverage: genhtml failed (${rc}): ${err}")
endif()
foreach(t IN LISTS infos)
	execute_process(COMMAND ${KSIM_GENHTML} --quiet
			--output-directory ${KSIM_DIR}/html-${t} ${KSIM_DIR}/${t}.info
		RESULT_VARIABLE rc ERROR_VARIABLE err)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "coverage: genhtml failed for ${t} (${rc}): ${err}")
	endif()
endforeach()
message("coverage: ${KSIM_DIR}/html/index.html")
