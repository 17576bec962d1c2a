# cmake -DOBJECTS=<a.o:b.o:...> -DOUT=<target.o> -DLD=<ld> -DOBJCOPY=<objcopy>
#       -DNM=<nm> [-DPLANT=<kcov.c.o>:<plant.o>] -P target.cmake
#
# The self-fuzz target (tests/selffuzz): a private copy of the library's
# objects, partially linked into one object whose every global definition
# is renamed with the prefix ksimt_, so that it links beside the runtime
# copy of the library without a clash; its instrumented code still calls
# the runtime's __sanitizer_cov_* hooks (undefined here).
#
# PLANT (the planted-bug variant): in <kcov.c.o>, the calls of
# ksim_copy_from_user and ksim_buf_alloc go to selfplant_* wrappers in
# <plant.o> instead, which is linked in too.
set(prefix ksimt_)
string(REPLACE ":" ";" objects "${OBJECTS}")
get_filename_component(work ${OUT} DIRECTORY)
get_filename_component(stem ${OUT} NAME_WE)

function(run)
	execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
		ERROR_VARIABLE err)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "${ARGN}: ${rc}\n${out}${err}")
	endif()
	set(run_out "${out}" PARENT_SCOPE)
endfunction()

if(PLANT)
	string(REPLACE ":" ";" plant "${PLANT}")
	list(GET plant 0 kcov_obj)
	list(GET plant 1 plant_obj)
	set(redirected ${work}/${stem}-kcov.o)
	run(${OBJCOPY} --redefine-sym ksim_copy_from_user=selfplant_copy_from_user
		--redefine-sym ksim_buf_alloc=selfplant_buf_alloc
		${kcov_obj} ${redirected})
	list(TRANSFORM objects REPLACE "^${kcov_obj}$" "${redirected}")
	list(APPEND objects ${plant_obj})
endif()

set(whole ${work}/${stem}-whole.o)
run(${LD} -r -o ${whole} ${objects})
# Hidden (internal) names become local: only KCOV_SIM_API names and the
# libc interposers stay global.
run(${OBJCOPY} --localize-hidden ${whole} ${whole}.local)

# Every global or weak definition gets the prefix; undefined references
# (libc, the runtime's hooks) keep their names.
run(${NM} -g --defined-only ${whole}.local)
string(REPLACE "\n" ";" lines "${run_out}")
set(map "")
foreach(line ${lines})
	if(line MATCHES "^[0-9a-fA-F]+ [A-Za-z] ([^ ]+)$")
		set(sym ${CMAKE_MATCH_1})
		string(APPEND map "${sym} ${prefix}${sym}\n")
	endif()
endforeach()
file(WRITE ${work}/${stem}.redefine "${map}")
run(${OBJCOPY} --redefine-syms=${work}/${stem}.redefine ${whole}.local ${OUT})

# The checks: no global definition without the prefix; the hooks the
# instrumented code calls are the runtime's (undefined here); the target's
# own hooks exist under their new names.
run(${NM} -g --defined-only ${OUT})
string(REPLACE "\n" ";" lines "${run_out}")
foreach(line ${lines})
	if(line MATCHES "^[0-9a-fA-F]+ [A-Za-z] ([^ ]+)$" AND
	   NOT CMAKE_MATCH_1 MATCHES "^${prefix}")
		message(FATAL_ERROR "${OUT}: global ${CMAKE_MATCH_1} lacks the prefix")
	endif()
endforeach()
if(NOT run_out MATCHES " T ${prefix}cov_trace_pc\n" OR
   NOT run_out MATCHES " T ${prefix}kcov_sim_ioctl\n")
	message(FATAL_ERROR "${OUT}: the target's hooks or API are missing")
endif()
run(${NM} -u ${OUT})
# (Which CMP hooks depend on the compiler and -O: some of them, always.)
if(NOT run_out MATCHES "U __sanitizer_cov_trace_pc\n" OR
   NOT run_out MATCHES "U __sanitizer_cov_trace_(const_)?cmp[1248]\n")
	message(FATAL_ERROR "${OUT}: does not call the runtime's "
		"__sanitizer_cov_trace_pc and _cmp hooks (is it instrumented?)")
endif()
