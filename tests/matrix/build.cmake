# cmake -DSRC=<project> -DBIN=<build dir> -DCC=<compiler> -DGEN=<generator>
#       [-DOPTS=<-Dx=y|-Dz=w>] -P build.cmake
# Configures (afresh: no stale cache) and builds a nested project for a
# ctest fixture.
string(REPLACE "|" ";" opts "${OPTS}")
execute_process(COMMAND ${CMAKE_COMMAND} --fresh -S ${SRC} -B ${BIN} -G ${GEN}
		-DCMAKE_C_COMPILER=${CC} -DCMAKE_BUILD_TYPE=RelWithDebInfo
		-DCMAKE_EXPORT_COMPILE_COMMANDS=ON ${opts}
	COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BIN} -j 2
	COMMAND_ERROR_IS_FATAL ANY)
