# cmake -DEXE=<fuzzer> -DWORK=<dir> "-DARGS=<a;b>" -DEXPECT=crash|clean|<code>
#       [-DREPLAY=ON] [-DARTIFACT=<glob>] [-DENV=<k=v;...>] [-DMKDIR=<sub>]
#       -P run_fuzzer.cmake
# Runs a fuzzer in a fresh work directory and checks the outcome:
#  crash  exit code non-zero, and exactly the artifact glob (crash-*
#         by default) written; with REPLAY, running the fuzzer on that
#         file must fail again (libFuzzer's replay);
#  clean  exit code 0 and no artifact;
#  <n>    that exit code.
# Never prints "KCOV_TRACE_CMP unsupported" (a shadowed hook); with
# -DLOG=<regex>, the output must match it.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
if(MKDIR)
	file(MAKE_DIRECTORY ${WORK}/${MKDIR})
endif()
if(NOT ARTIFACT)
	set(ARTIFACT "crash-*")
endif()
set(env)
foreach(kv ${ENV})
	list(APPEND env ${kv})
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E env ${env} ${EXE} ${ARGS}
	WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc
	OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 120)
file(WRITE ${WORK}/run.log "${out}")
if(out MATCHES "KCOV_TRACE_CMP unsupported")
	message(FATAL_ERROR "a shadowed comparison hook:\n${out}")
endif()
if(LOG AND NOT out MATCHES "${LOG}")
	message(FATAL_ERROR "the output does not match '${LOG}'; log in ${WORK}/run.log")
endif()
file(GLOB_RECURSE arts RELATIVE ${WORK} ${WORK}/${ARTIFACT})
if(EXPECT STREQUAL "crash")
	if(rc EQUAL 0 OR NOT arts)
		message(FATAL_ERROR "expected a crash and ${ARTIFACT}; exit ${rc}, "
			"artifacts '${arts}'; log in ${WORK}/run.log")
	endif()
	list(GET arts 0 art)
	message("found: exit ${rc}, ${art}")
	if(REPLAY)
		execute_process(COMMAND ${CMAKE_COMMAND} -E env ${env} ${EXE}
				${WORK}/${art}
			WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rrc
			OUTPUT_VARIABLE rout ERROR_VARIABLE rout TIMEOUT 60)
		if(rrc EQUAL 0)
			message(FATAL_ERROR "replaying ${art} exited 0:\n${rout}")
		endif()
		message("replay: exit ${rrc}")
	endif()
elseif(EXPECT STREQUAL "clean")
	if(NOT rc EQUAL 0 OR arts)
		message(FATAL_ERROR "expected a clean run; exit ${rc}, artifacts "
			"'${arts}'; log in ${WORK}/run.log")
	endif()
	message("clean: exit 0")
else()
	if(NOT rc EQUAL EXPECT)
		message(FATAL_ERROR "expected exit ${EXPECT}, got ${rc}; log in "
			"${WORK}/run.log")
	endif()
	message("exit ${rc} as expected")
endif()
