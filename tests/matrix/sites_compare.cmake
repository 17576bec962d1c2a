# cmake -DCALL=<sites_call> -DLTO=<sites_lto> -DADDR2LINE=<addr2line>
#       [-DSYMBOLIZE=<kcov-sim-symbolize>] -P sites_compare.cmake
# The LTO form must record the sites the call-based library records (issue
# 12): both programs run the same kernel code on the same inputs
# (sites_main.c); their PC and CMP records, symbolized the way coverage
# tools do it (the call before each PC, pc - 1), must match one for one:
#  - the same sequence of innermost frames (function, file, line), and of
#    CMP type and arguments;
#  - the same sites: two records share a PC in one build exactly when they
#    share it in the other (one distinct PC per block, never one PC for a
#    whole function, never two for one block);
#  - no frame of the LTO build's inline chains in lib/hooks.c.
# With -DSYMBOLIZE the project's own symbolizer checks the same, too.

# Runs @exe, splits its records: @pcs (offsets), @cmps ("type a b"),
# @cmp_pcs (offsets).
function(read_records exe)
	execute_process(COMMAND ${exe} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "${exe} exited with ${rc}:\n${out}")
	endif()
	string(REGEX MATCHALL "pc 0x[0-9a-f]+" pc_lines "${out}")
	string(REGEX MATCHALL "cmp [0-9]+ 0x[0-9a-f]+ 0x[0-9a-f]+ 0x[0-9a-f]+"
		cmp_lines "${out}")
	set(pcs)
	foreach(l ${pc_lines})
		string(REPLACE "pc " "" l "${l}")
		list(APPEND pcs ${l})
	endforeach()
	set(cmps)
	set(cmp_pcs)
	foreach(l ${cmp_lines})
		string(REGEX REPLACE "^cmp ([0-9]+ 0x[0-9a-f]+ 0x[0-9a-f]+) (0x[0-9a-f]+)$"
			"\\1;\\2" parts "${l}")
		list(GET parts 0 what)
		list(GET parts 1 at)
		string(REPLACE " " "_" what "${what}")
		list(APPEND cmps ${what})
		list(APPEND cmp_pcs ${at})
	endforeach()
	if(NOT pcs OR NOT cmps)
		message(FATAL_ERROR "${exe}: no PC or no CMP records:\n${out}")
	endif()
	set(pcs ${pcs} PARENT_SCOPE)
	set(cmps ${cmps} PARENT_SCOPE)
	set(cmp_pcs ${cmp_pcs} PARENT_SCOPE)
endfunction()

# The index of each element's first occurrence: equal lists of these mean
# the same partition of records into sites.
function(site_ids out)
	set(seen)
	set(ids)
	foreach(v ${ARGN})
		list(FIND seen ${v} i)
		if(i LESS 0)
			list(LENGTH seen i)
			list(APPEND seen ${v})
		endif()
		list(APPEND ids ${i})
	endforeach()
	set(${out} ${ids} PARENT_SCOPE)
endfunction()

# Symbolizes the unique offsets of @ARGN in @exe with @tool; sets
# sym_<offset> to the innermost frame "function@file:line" and fails on a
# frame in hooks.c. addr2line looks up what it is given: pc - 1.
function(symbolize prefix tool exe)
	set(uniq ${ARGN})
	list(REMOVE_DUPLICATES uniq)
	set(args)
	foreach(a ${uniq})
		if(tool MATCHES "addr2line")
			math(EXPR a "${a} - 1" OUTPUT_FORMAT HEXADECIMAL)
		endif()
		list(APPEND args ${a})
	endforeach()
	execute_process(COMMAND ${tool} -a -f -i -e ${exe} ${args}
		OUTPUT_VARIABLE out RESULT_VARIABLE rc)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "${tool} failed (${rc})")
	endif()
	if(out MATCHES "hooks\\.c")
		message(FATAL_ERROR "${exe}: a frame in hooks.c:\n${out}")
	endif()
	string(REPLACE "\n" ";" lines "${out}")
	list(LENGTH uniq n)
	set(k -1)
	set(want_fn FALSE)
	foreach(l ${lines})
		if(l MATCHES "^0x[0-9a-f]+$")
			math(EXPR k "${k} + 1")
			list(GET uniq ${k} cur)
			set(fn "")
			set(want_fn TRUE)
			set(done FALSE)
		elseif(want_fn)
			set(fn "${l}")
			set(want_fn FALSE)
		elseif(NOT done)
			# file:line[:column] [(discriminator n)]; base name only
			string(REGEX REPLACE " \\(discriminator [0-9]+\\)" "" l "${l}")
			string(REGEX REPLACE "^.*/" "" l "${l}")
			string(REGEX REPLACE "^([^:]+:[0-9]+).*" "\\1" l "${l}")
			set(${prefix}_${cur} "${fn}@${l}" PARENT_SCOPE)
			set(done TRUE)
		endif()
	endforeach()
	math(EXPR k "${k} + 1")
	if(NOT k EQUAL n)
		message(FATAL_ERROR "${tool}: ${k} addresses answered of ${n}")
	endif()
endfunction()

read_records(${CALL})
set(call_pcs ${pcs})
set(call_cmps ${cmps})
set(call_cmp_pcs ${cmp_pcs})
read_records(${LTO})
set(lto_pcs ${pcs})
set(lto_cmps ${cmps})
set(lto_cmp_pcs ${cmp_pcs})

if(NOT call_cmps STREQUAL lto_cmps)
	message(FATAL_ERROR "CMP records differ:\ncall: ${call_cmps}\nlto:  ${lto_cmps}")
endif()
foreach(kind pcs cmp_pcs)
	site_ids(call_ids ${call_${kind}})
	site_ids(lto_ids ${lto_${kind}})
	if(NOT call_ids STREQUAL lto_ids)
		message(FATAL_ERROR "${kind}: the records fall into different "
			"sites:\ncall: ${call_ids}\nlto:  ${lto_ids}")
	endif()
	list(LENGTH call_${kind} n)
	list(REMOVE_DUPLICATES call_ids)
	list(LENGTH call_ids sites)
	message("${kind}: ${n} records, ${sites} sites, the same in both builds")
endforeach()

set(tools ${ADDR2LINE})
if(SYMBOLIZE)
	list(APPEND tools ${SYMBOLIZE})
endif()
foreach(tool ${tools})
	foreach(build call lto)
		set(exe ${CALL})
		if(build STREQUAL "lto")
			set(exe ${LTO})
		endif()
		symbolize(${build} ${tool} ${exe} ${${build}_pcs} ${${build}_cmp_pcs})
	endforeach()
	foreach(kind pcs cmp_pcs)
		list(LENGTH call_${kind} n)
		math(EXPR last "${n} - 1")
		foreach(i RANGE ${last})
			list(GET call_${kind} ${i} c)
			list(GET lto_${kind} ${i} l)
			if(NOT call_${c} STREQUAL lto_${l} OR call_${c} STREQUAL "")
				message(FATAL_ERROR "${tool}: ${kind} record ${i}: "
					"call-based ${c} is '${call_${c}}', LTO ${l} "
					"is '${lto_${l}}'")
			endif()
		endforeach()
	endforeach()
	get_filename_component(name ${tool} NAME)
	message("${name}: every record at the same function and line in both builds")
endforeach()
