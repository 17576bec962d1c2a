# cmake -DMAKE=<make> -DBIN=<dir> -DPC_PATH=<lib/pkgconfig> -DSRC=<tests>
#       -DCC=<compiler> [-DCLANG=<clang>] -P make.cmake
# Builds the pkg-config consumers of Makefile in <dir>, from scratch; with
# CLANG, the LTO form's consumer too (consumer_lto).
file(MAKE_DIRECTORY ${BIN})
set(ENV{PKG_CONFIG_PATH} ${PC_PATH})
execute_process(COMMAND ${MAKE} -B -C ${BIN} -f ${SRC}/package/Makefile
		SRC=${SRC}/matrix CC=${CC}
	COMMAND_ERROR_IS_FATAL ANY)
if(CLANG)
	execute_process(COMMAND ${MAKE} -B -C ${BIN} -f ${SRC}/package/Makefile
			SRC=${SRC}/matrix CC=${CLANG} consumer_lto
		COMMAND_ERROR_IS_FATAL ANY)
endif()
