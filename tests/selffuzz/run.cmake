# cmake -DEXE=<fuzzer> -DCORPUS=<dir> -DWORK=<dir> -DMODE=replay|crash|clean
#       "-DARGS=<a;b>" "-DENV=<k=v;...>" -P run.cmake
#
#  replay  every file of CORPUS through the harness once (the engine's
#          replay mode): exit 0, no crash file;
#  crash   fuzz from a copy of CORPUS: a crash file, then replaying it
#          fails again;
#  clean   fuzz from a copy of CORPUS: exit 0 and no crash file.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
file(GLOB seeds ${CORPUS}/*)
if(MODE STREQUAL "replay")
	set(cmd ${EXE} ${seeds})
else()
	file(COPY ${seeds} DESTINATION ${WORK}/corpus)
	set(cmd ${EXE} corpus ${ARGS})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env ${ENV} ${cmd}
	WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc
	OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 280)
file(WRITE ${WORK}/run.log "${out}")
file(GLOB crashes RELATIVE ${WORK} ${WORK}/crash-*)
string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" execs "${out}")
if(MODE STREQUAL "crash")
	if(rc EQUAL 0 OR NOT crashes)
		message(FATAL_ERROR "expected a crash; exit ${rc}, ${execs}; "
			"log in ${WORK}/run.log")
	endif()
	if(NOT out MATCHES "selffuzz: |SUMMARY: kcov-sim-fuzz")
		message(FATAL_ERROR "a crash, but not the harness's; log in ${WORK}/run.log")
	endif()
	list(GET crashes 0 crash)
	execute_process(COMMAND ${CMAKE_COMMAND} -E env ${ENV} ${EXE} ${crash}
		WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rrc
		OUTPUT_QUIET ERROR_QUIET TIMEOUT 60)
	if(rrc EQUAL 0)
		message(FATAL_ERROR "replaying ${crash} exited 0")
	endif()
	message("found after ${execs}: ${crash}")
elseif(NOT rc EQUAL 0 OR crashes)
	string(REGEX MATCH "selffuzz: [^\n]*" why "${out}")
	message(FATAL_ERROR "expected a clean run; exit ${rc}, ${crashes} ${why}; "
		"log in ${WORK}/run.log")
else()
	message("clean: ${execs}")
endif()
