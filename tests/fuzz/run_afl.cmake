# cmake -DAFL_FUZZ=<afl-fuzz> -DEXE=<AFL++ bridge fuzzer> -DWORK=<dir>
#       [-DSECONDS=<n>] [-DSEED=<n>] -P run_afl.cmake
# afl-fuzz with CmpLog from the same binary (-c 0) must save a crash
# within SECONDS, and the crash file must crash the fuzzer again when
# given as an argument (the driver's replay).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/in)
file(WRITE ${WORK}/in/seed "AAAAAAAAAA")
if(NOT SECONDS)
	set(SECONDS 60)
endif()
if(NOT SEED)
	set(SEED 1)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env AFL_NO_UI=1
		AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
		AFL_BENCH_UNTIL_CRASH=1 AFL_NO_AFFINITY=1 AFL_NO_CRASH_README=1
		${AFL_FUZZ} -i in -o out -c 0 -s ${SEED} -V ${SECONDS} -- ${EXE}
	WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE log
	ERROR_VARIABLE log TIMEOUT 300)
file(WRITE ${WORK}/afl.log "${log}")
# No child of the fork server outlives afl-fuzz (a persistent-mode child
# waits in SIGSTOP between inputs and would be orphaned for good).
file(REAL_PATH ${EXE} exe_real)
set(ps [=[for p in /proc/[0-9]*; do
	[ "$(readlink "$p/exe" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
done; true]=])
foreach(try RANGE 20)
	execute_process(COMMAND sh -c "${ps}" sh ${exe_real}
		OUTPUT_VARIABLE left OUTPUT_STRIP_TRAILING_WHITESPACE)
	if(left STREQUAL "")
		break()
	endif()
	execute_process(COMMAND ${CMAKE_COMMAND} -E sleep 0.1)
endforeach()
if(NOT left STREQUAL "")
	string(REPLACE "\n" ";" left "${left}")
	execute_process(COMMAND kill -KILL ${left})
	message(FATAL_ERROR "processes of ${EXE} outlived afl-fuzz: ${left}")
endif()
file(GLOB crashes ${WORK}/out/default/crashes/id*)
if(NOT crashes)
	message(FATAL_ERROR "afl-fuzz (exit ${rc}) saved no crash in ${SECONDS} s; "
		"log in ${WORK}/afl.log")
endif()
list(GET crashes 0 crash)
file(STRINGS ${WORK}/out/default/fuzzer_stats stats REGEX "execs_done|run_time")
message("crash: ${crash}\n${stats}")
execute_process(COMMAND ${EXE} ${crash} RESULT_VARIABLE rrc
	OUTPUT_QUIET ERROR_QUIET TIMEOUT 60)
if(rrc EQUAL 0)
	message(FATAL_ERROR "replaying ${crash} exited 0")
endif()
message("replay: ${rrc}")
