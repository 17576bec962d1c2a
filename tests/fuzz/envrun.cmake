# cmake "-DENV=<k=v;...>" "-DCMD=<program;args...>" [-DDIR=<dir>] -P envrun.cmake
# Runs a command with an environment (a build step of a fixture); fails if
# it fails.
if(DIR)
	file(MAKE_DIRECTORY ${DIR})
else()
	set(DIR ${CMAKE_CURRENT_BINARY_DIR})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env ${ENV} ${CMD}
	WORKING_DIRECTORY ${DIR} COMMAND_ERROR_IS_FATAL ANY)
