# cmake -DBIN=<consumer build> -DCTEST=<ctest> -P golden.cmake
# The consumer's golden test and coverage report, with the installed
# kcov-sim-symbolize and no LD_LIBRARY_PATH: write the golden file, compare
# with it, then one coverage report of that run (tracefile, and HTML where
# genhtml is installed).
unset(ENV{LD_LIBRARY_PATH})
set(ENV{KCOV_SIM_GOLDEN_UPDATE} 1)
execute_process(COMMAND ${CTEST} --test-dir ${BIN} -R "^consumer_golden$"
	--output-on-failure COMMAND_ERROR_IS_FATAL ANY)
unset(ENV{KCOV_SIM_GOLDEN_UPDATE})
execute_process(COMMAND ${CTEST} --test-dir ${BIN} -R "^consumer_(golden|coverage)"
	--output-on-failure COMMAND_ERROR_IS_FATAL ANY)
if(NOT EXISTS ${BIN}/consumer_coverage/all.info)
	message(FATAL_ERROR "no tracefile ${BIN}/consumer_coverage/all.info")
endif()
file(STRINGS ${BIN}/consumer_coverage/all.info da REGEX "^DA:[0-9]+,[1-9]")
if(NOT da)
	message(FATAL_ERROR "the tracefile counts no line as reached")
endif()
message("package golden and coverage report: ok")
