# cmake -DEXE=<program> -DEXPECT=<regex> -P run_cell.cmake
# Runs one cell's program: it must exit 0 (its own checks passed, no
# sanitizer report) and its result line must match the cell's expectation.
execute_process(COMMAND ${EXE} RESULT_VARIABLE rc
	OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(err)
	message("stderr:\n${err}")
endif()
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "${EXE} exited with ${rc}")
endif()
if(NOT out MATCHES "${EXPECT}")
	message(FATAL_ERROR "expected: ${EXPECT}")
endif()
