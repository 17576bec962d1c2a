# cmake -DBUILD=<kcov-sim build> -DSTAGE=<dir> -DLIBDIR=<lib dir name>
#       -DINCLUDEDIR=<include dir name> -DOBJDUMP=<objdump> -DVERSION=<x.y.z>
#       [-DLTO=ON] -P install.cmake
# A fresh staging install for the package tests, and its layout.
file(REMOVE_RECURSE ${STAGE})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${STAGE}
	COMMAND_ERROR_IS_FATAL ANY)

set(lib ${STAGE}/${LIBDIR})
foreach(f ${INCLUDEDIR}/kcov-sim/kcov.h ${INCLUDEDIR}/kcov-sim/kernel.h
	  ${INCLUDEDIR}/kcov-sim/sim.h ${LIBDIR}/libkcov-sim.so.${VERSION}
	  ${LIBDIR}/libkcov-sim.a ${LIBDIR}/pkgconfig/kcov-sim.pc
	  ${LIBDIR}/pkgconfig/kcov-sim-static.pc
	  ${LIBDIR}/cmake/KcovSim/KcovSimConfig.cmake
	  ${LIBDIR}/cmake/KcovSim/KcovSimConfigVersion.cmake
	  ${LIBDIR}/cmake/KcovSim/KcovSimTargets.cmake
	  ${LIBDIR}/cmake/KcovSim/KcovSimInstrument.cmake
	  ${LIBDIR}/cmake/KcovSim/KcovSimCoverTargets.cmake
	  ${LIBDIR}/cmake/KcovSim/KcovSimGolden.cmake
	  ${LIBDIR}/libkcov-sim-cover.so ${LIBDIR}/libkcov-sim-cover.a
	  ${LIBDIR}/pkgconfig/kcov-sim-cover.pc bin/kcov-sim-symbolize)
	if(NOT EXISTS ${STAGE}/${f})
		message(FATAL_ERROR "not installed: ${f}")
	endif()
endforeach()
# The LTO form, where this build has it (-DLTO=ON).
if(LTO)
	foreach(f ${LIBDIR}/libkcov-sim-lto.a ${LIBDIR}/pkgconfig/kcov-sim-lto.pc
		  ${LIBDIR}/cmake/KcovSim/KcovSimLtoTargets.cmake)
		if(NOT EXISTS ${STAGE}/${f})
			message(FATAL_ERROR "not installed: ${f}")
		endif()
	endforeach()
endif()
# libkcov-sim.so -> libkcov-sim.so.0 -> libkcov-sim.so.${VERSION}
foreach(pair "libkcov-sim.so;libkcov-sim.so.0" "libkcov-sim.so.0;libkcov-sim.so.${VERSION}")
	list(GET pair 0 link)
	list(GET pair 1 target)
	file(READ_SYMLINK ${lib}/${link} to)
	if(NOT to STREQUAL target)
		message(FATAL_ERROR "${link} -> '${to}', not ${target}")
	endif()
endforeach()
execute_process(COMMAND ${OBJDUMP} -p ${lib}/libkcov-sim.so.${VERSION}
	OUTPUT_VARIABLE dyn COMMAND_ERROR_IS_FATAL ANY)
if(NOT dyn MATCHES "SONAME +libkcov-sim\\.so\\.0\n")
	message(FATAL_ERROR "SONAME of libkcov-sim.so.${VERSION} is not libkcov-sim.so.0")
endif()
message("installed into ${STAGE}: layout and SONAME as expected")

# The installed tool runs from this non-system prefix with no
# LD_LIBRARY_PATH: its RUNPATH finds libkcov-sim-cover (issue 11).
unset(ENV{LD_LIBRARY_PATH})
execute_process(COMMAND ${STAGE}/bin/kcov-sim-symbolize --help
	RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "installed kcov-sim-symbolize does not run (${rc}): ${err}")
endif()
execute_process(COMMAND ${OBJDUMP} -p ${STAGE}/bin/kcov-sim-symbolize
	OUTPUT_VARIABLE dyn COMMAND_ERROR_IS_FATAL ANY)
if(NOT dyn MATCHES "RUNPATH +\\$ORIGIN/")
	message(FATAL_ERROR "kcov-sim-symbolize has no RUNPATH relative to itself")
endif()
message("installed kcov-sim-symbolize runs without LD_LIBRARY_PATH")
