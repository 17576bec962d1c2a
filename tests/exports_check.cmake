# cmake -DLIB=<libkcov-sim.so> -DMAP=<libkcov-sim.map> -DNM=<nm>
#       -P exports_check.cmake
# The shared library exports exactly the names of its version script
# (STYLE 6.8): nothing private leaks out, nothing promised is missing. The
# names of the map's "unversioned:" comment (the libc interposers) must be
# exported without a version, every other one with its node's version.
file(READ ${MAP} text)
set(unversioned)
if(text MATCHES "unversioned:([^/]*)\\*/")
	string(REGEX REPLACE "\\*" "" list "${CMAKE_MATCH_1}")
	string(REGEX MATCHALL "[A-Za-z_][A-Za-z0-9_]*" unversioned "${list}")
endif()
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}")
string(REGEX REPLACE "#[^\n]*" "" text "${text}")
set(wanted)
string(REGEX MATCHALL "global:[^}]*" blocks "${text}")
foreach(block IN LISTS blocks)
	string(REGEX REPLACE "local:.*" "" block "${block}")
	string(REGEX REPLACE "^global:" "" block "${block}")
	if(block MATCHES "[*?]")
		message(FATAL_ERROR "${MAP}: a wildcard in a global list")
	endif()
	string(REGEX MATCHALL "[A-Za-z_][A-Za-z0-9_]*" names "${block}")
	list(APPEND wanted ${names})
endforeach()
list(APPEND wanted ${unversioned})

execute_process(COMMAND ${NM} -D --defined-only ${LIB}
	OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "${NM} -D --defined-only ${LIB} failed")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(have)
foreach(line IN LISTS lines)
	# "<value> <type> <name>[@@<version>]"; type A: the version nodes
	if(line MATCHES "^[0-9a-fA-F]+ ([A-Za-z]) ([^@ ]+)(@*[^ ]*)" AND
	   NOT CMAKE_MATCH_1 STREQUAL "A")
		set(name ${CMAKE_MATCH_2})
		set(ver "${CMAKE_MATCH_3}")
		list(APPEND have ${name})
		list(FIND unversioned ${name} u)
		if(u GREATER -1 AND NOT ver STREQUAL "")
			message(FATAL_ERROR "${name} is exported as ${name}${ver}: "
				"an interposer must be unversioned (LD_PRELOAD)")
		elseif(u EQUAL -1 AND ver STREQUAL "")
			message(FATAL_ERROR "${name} is exported without a version")
		endif()
	endif()
endforeach()

list(REMOVE_DUPLICATES wanted)
list(REMOVE_DUPLICATES have)
set(missing ${wanted})
set(extra ${have})
if(have)
	list(REMOVE_ITEM missing ${have})
endif()
if(wanted)
	list(REMOVE_ITEM extra ${wanted})
endif()
list(LENGTH wanted nw)
list(LENGTH have nh)
if(missing OR extra OR nw EQUAL 0)
	message(FATAL_ERROR "exports of ${LIB} differ from ${MAP}\n"
		"  in the map, not exported: ${missing}\n"
		"  exported, not in the map: ${extra}")
endif()
message("${nh} exported names, the same as the ${nw} names of the map")
