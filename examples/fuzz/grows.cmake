# cmake -DEXE=<fuzzer> -DWORK=<dir> "-DARGS=<flags>" [-DSEED_HEX=<file>]
#       -P grows.cmake
# A short deterministic fuzzing run must grow coverage: the edge count of
# the "DONE" line must exceed the one of the "INITED" line (after the seed
# corpus ran). SEED_HEX, a hex dump, becomes the one seed input.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
if(SEED_HEX)
	file(READ ${SEED_HEX} hex)
	string(STRIP "${hex}" hex)
	# Bytes from hex: write them through a temporary escape file.
	string(REGEX REPLACE "([0-9a-fA-F][0-9a-fA-F])" "\\\\x\\1" esc "${hex}")
	execute_process(COMMAND printf "${esc}"
		OUTPUT_FILE ${WORK}/corpus/seed COMMAND_ERROR_IS_FATAL ANY)
endif()
execute_process(COMMAND ${EXE} ${ARGS} corpus WORKING_DIRECTORY ${WORK}
	RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 120)
file(WRITE ${WORK}/run.log "${out}")
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "exit ${rc}; log in ${WORK}/run.log")
endif()
if(NOT out MATCHES "INITED cov: ([0-9]+)")
	message(FATAL_ERROR "no INITED line; log in ${WORK}/run.log")
endif()
set(first ${CMAKE_MATCH_1})
if(NOT out MATCHES "DONE +cov: ([0-9]+)")
	message(FATAL_ERROR "no DONE line; log in ${WORK}/run.log")
endif()
set(last ${CMAKE_MATCH_1})
message("edges: ${first} after the seeds, ${last} at the end")
if(NOT last GREATER first)
	message(FATAL_ERROR "coverage did not grow")
endif()
