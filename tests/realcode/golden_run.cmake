# cmake -DEXE=<realcode_demo> -DLINUX_DIR=<extracted tree> -DSUMS=<file>
#       -P golden_run.cmake
# The golden test's command: run the demo only on the kernel sources the
# golden files were made from (a newer linux-source-6.1 moves lines: the
# golden test is then skipped with a hint, not failed).
file(STRINGS ${SUMS} sums REGEX "^[0-9a-f]+  ")
foreach(entry IN LISTS sums)
	string(REGEX MATCH "^([0-9a-f]+)  (.*)$" m "${entry}")
	file(SHA256 ${LINUX_DIR}/${CMAKE_MATCH_2} have)
	if(NOT have STREQUAL CMAKE_MATCH_1)
		message(FATAL_ERROR "KCOV_SIM_GOLDEN_SKIP: ${CMAKE_MATCH_2} of "
			"linux-source-6.1 is not the one the golden files were made "
			"from (${SUMS}): regenerate them and the sums")
	endif()
endforeach()
execute_process(COMMAND ${EXE} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "${EXE} failed (${rc})")
endif()
