# kcov_sim_instrument(<target> [SOURCES <file>...] [STATIC|SHARED|LTO])
#
# Compiles the named kernel-derived sources of <target> (all of its sources
# when none are named; relative names are relative to the calling
# directory) with -fsanitize-coverage=trace-pc,trace-cmp, and links
# libkcov-sim to <target>.
#
# The flag goes to the compile step only, never to the link step: Clang
# links libclang_rt.ubsan_standalone when it sees -fsanitize-coverage at
# link time, and that runtime's stub hooks shadow a shared libkcov-sim.
#
# GCC instruments at link-time code generation when a source is compiled
# with -flto (CMAKE_INTERPROCEDURAL_OPTIMIZATION, or -flto in the flags):
# a coverage flag given at compile time only is then dropped, silently,
# and given at link time it would instrument every LTO source of the
# program, the test harness too. So with GCC the instrumented sources are
# compiled with -fno-lto (after every other option): instrumented at
# compile time, as without LTO; the rest of the program keeps its LTO.
# Clang instruments at compile time with or without -flto.
#
# LTO links the LTO form (kcov-sim::lto, Clang ThinLTO bitcode, whose
# hooks lld inlines into every coverage site) and compiles the
# instrumented sources with -flto=thin, so that the linker can inline
# into them; the target is linked with -flto=thin -fuse-ld=lld. With GCC,
# which adds its hook calls after its inliner ran, LTO links the static
# library (the sources keep -fno-lto). KCOV_SIM_VARIANT is then "lto" or
# "static".
#
# STATIC or SHARED picks the library. Without either, the static one
# (kcov-sim::static) is linked when the target is built with a sanitizer or
# with -fsanitize-coverage on its link line, else the shared one
# (kcov-sim::kcov-sim): the sanitizer runtimes (GCC's libasan.so, Clang's
# static ASan and UBSan runtimes) define weak __sanitizer_cov_trace_cmp*
# stubs that win over a shared libkcov-sim but lose, at link time, to a
# static one. The choice is made at the end of the calling directory, so
# options added after this call count too. It looks at CMAKE_C_FLAGS,
# CMAKE_CXX_FLAGS, CMAKE_EXE_LINKER_FLAGS and CMAKE_SHARED_LINKER_FLAGS
# (and their _<CONFIG> variants, per configuration), the target's
# COMPILE_OPTIONS, LINK_OPTIONS, LINK_FLAGS and link items, the options
# its linked targets pass on (INTERFACE_*, transitively), and the
# directory's COMPILE_OPTIONS and LINK_OPTIONS. The target property
# KCOV_SIM_VARIANT tells what was chosen: static, shared, or a generator
# expression when only some configurations use a sanitizer.
#
# On a STATIC or OBJECT library the library is linked PUBLIC, so the
# executables that link it get libkcov-sim and its include directory
# (<kcov-sim/...>) too; on other targets PRIVATE. No other include
# directory is added: stand-in kernel headers are the caller's to add.
#
# Works in the source tree (add_subdirectory) and after
# find_package(KcovSim CONFIG): the targets have the same names.
include_guard(GLOBAL)

function(kcov_sim_instrument target)
	cmake_parse_arguments(PARSE_ARGV 1 ARG "STATIC;SHARED;LTO" "" "SOURCES")
	if(ARG_UNPARSED_ARGUMENTS)
		message(FATAL_ERROR "kcov_sim_instrument: unknown arguments "
			"${ARG_UNPARSED_ARGUMENTS}")
	endif()
	if(NOT TARGET ${target})
		message(FATAL_ERROR "kcov_sim_instrument: no target ${target}")
	endif()
	if((ARG_STATIC AND ARG_SHARED) OR (ARG_LTO AND (ARG_STATIC OR ARG_SHARED)))
		message(FATAL_ERROR "kcov_sim_instrument: one of STATIC, SHARED "
			"and LTO")
	endif()
	foreach(lang C CXX)
		get_property(on GLOBAL PROPERTY ENABLED_LANGUAGES)
		if(lang IN_LIST on AND NOT CMAKE_${lang}_COMPILER_ID MATCHES
		   "^(GNU|Clang|AppleClang)$")
			message(FATAL_ERROR "kcov_sim_instrument: "
				"${CMAKE_${lang}_COMPILER_ID} has no "
				"-fsanitize-coverage=trace-pc,trace-cmp (GCC or Clang)")
		endif()
	endforeach()

	if(ARG_SOURCES)
		set(srcs)
		foreach(src IN LISTS ARG_SOURCES)
			get_filename_component(src "${src}" ABSOLUTE
				BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
			list(APPEND srcs "${src}")
		endforeach()
		set(named TRUE)
	else()
		_kcov_sim_target_sources(${target} srcs)
		set(named FALSE)
	endif()
	if(NOT srcs)
		message(FATAL_ERROR "kcov_sim_instrument: ${target} has no sources")
	endif()
	# (A literal: a variable of the including directory would not be seen
	# by callers in a parent directory, as with add_subdirectory(kcov-sim).)
	set(flag -fsanitize-coverage=trace-pc,trace-cmp)
	# GCC: no LTO for the instrumented sources (see above). Clang, LTO
	# form: ThinLTO bitcode, so that lld can inline the hooks; per target
	# (the property), since another target may compile the same file.
	set(gcc "$<OR:$<COMPILE_LANG_AND_ID:C,GNU>,$<COMPILE_LANG_AND_ID:CXX,GNU>>")
	set(lto_flags "$<${gcc}:-fno-lto>"
		"$<$<AND:$<NOT:${gcc}>,$<BOOL:$<TARGET_PROPERTY:KCOV_SIM_LTO>>>:-flto=thin>")
	if(ARG_LTO)
		set_property(TARGET ${target} PROPERTY KCOV_SIM_LTO ON)
	endif()
	# Compile options of the sources only: they never reach the link line.
	# (Source properties hold for every target of that directory that
	# compiles the file; a second call for the same file adds nothing.)
	foreach(src IN LISTS srcs)
		get_source_file_property(have "${src}" TARGET_DIRECTORY ${target}
			COMPILE_OPTIONS)
		foreach(f ${flag} ${lto_flags})
			if(NOT have OR NOT f IN_LIST have)
				set_property(SOURCE "${src}" TARGET_DIRECTORY ${target}
					APPEND PROPERTY COMPILE_OPTIONS "${f}")
			endif()
		endforeach()
	endforeach()

	if(ARG_LTO)
		set(variant lto)
	elseif(ARG_STATIC)
		set(variant static)
	elseif(ARG_SHARED)
		set(variant shared)
	else()
		set(variant auto)
	endif()
	# At the end of this directory: later options count, and so do later
	# target_sources() for the check of the named files.
	cmake_language(EVAL CODE "
		cmake_language(DEFER CALL _kcov_sim_finish [[${target}]]
			[[${variant}]] [[${named}]] [[${srcs}]])")
endfunction()

# The target's sources as absolute paths (generator expressions skipped).
function(_kcov_sim_target_sources target out)
	get_target_property(tdir ${target} SOURCE_DIR)
	get_target_property(list ${target} SOURCES)
	set(abs)
	if(list)
		foreach(src IN LISTS list)
			if(src MATCHES "^\\$<")
				continue()
			endif()
			get_filename_component(src "${src}" ABSOLUTE
				BASE_DIR "${tdir}")
			list(APPEND abs "${src}")
		endforeach()
	endif()
	set(${out} "${abs}" PARENT_SCOPE)
endfunction()

# Options that targets linked into <target> pass on, transitively.
function(_kcov_sim_interface_opts target out)
	set(todo ${target})
	set(seen)
	set(opts)
	while(todo)
		list(POP_FRONT todo t)
		if(t IN_LIST seen OR NOT TARGET ${t})
			continue()
		endif()
		list(APPEND seen ${t})
		if(t STREQUAL target)
			set(props LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
		else()
			set(props INTERFACE_COMPILE_OPTIONS INTERFACE_LINK_OPTIONS
				INTERFACE_LINK_LIBRARIES)
		endif()
		foreach(p IN LISTS props)
			get_target_property(v ${t} ${p})
			if(NOT v)
				continue()
			endif()
			foreach(item IN LISTS v)
				# kcov-sim's own targets pass on nothing of interest
				if(item MATCHES "^kcov-sim(::|-static$|$)")
					continue()
				endif()
				string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1"
					item "${item}")
				if(TARGET "${item}")
					list(APPEND todo "${item}")
				else()
					list(APPEND opts "${item}")
				endif()
			endforeach()
		endforeach()
	endwhile()
	set(${out} "${opts}" PARENT_SCOPE)
endfunction()

# Whether <text> holds a flag that brings a runtime with stub hooks.
function(_kcov_sim_needs_static text out)
	if(text MATCHES "-fsanitize=|-fsanitize-coverage=")
		set(${out} TRUE PARENT_SCOPE)
	else()
		set(${out} FALSE PARENT_SCOPE)
	endif()
endfunction()

function(_kcov_sim_finish target variant named srcs)
	if(named)
		_kcov_sim_target_sources(${target} all)
		foreach(src IN LISTS srcs)
			if(NOT src IN_LIST all)
				message(FATAL_ERROR "kcov_sim_instrument(${target}): "
					"${src} is not a source of ${target}")
			endif()
		endforeach()
	endif()

	set(lib kcov-sim::kcov-sim)
	if(variant STREQUAL "lto")
		# Clang: the bitcode archive; GCC cannot inline its hooks.
		set(lib kcov-sim::static)
		if(CMAKE_C_COMPILER_ID MATCHES "Clang" OR (NOT CMAKE_C_COMPILER_ID
		   AND CMAKE_CXX_COMPILER_ID MATCHES "Clang"))
			if(NOT TARGET kcov-sim::lto)
				message(FATAL_ERROR "kcov_sim_instrument(${target} LTO): "
					"no target kcov-sim::lto: this kcov-sim was "
					"built without clang, llvm-ar and ld.lld")
			endif()
			set(lib kcov-sim::lto)
		endif()
	elseif(variant STREQUAL "static")
		set(lib kcov-sim::static)
	elseif(variant STREQUAL "auto")
		# Compile options count too: code compiled with -fsanitize= is
		# linked with it, and CMAKE_<LANG>_FLAGS reach the link step.
		get_target_property(topts ${target} COMPILE_OPTIONS)
		get_target_property(tlopts ${target} LINK_OPTIONS)
		get_target_property(tlflags ${target} LINK_FLAGS)
		get_target_property(tdir ${target} SOURCE_DIR)
		get_directory_property(dopts DIRECTORY ${tdir} COMPILE_OPTIONS)
		get_directory_property(dlopts DIRECTORY ${tdir} LINK_OPTIONS)
		_kcov_sim_interface_opts(${target} iopts)
		set(all "${CMAKE_C_FLAGS};${CMAKE_CXX_FLAGS}"
			"${CMAKE_EXE_LINKER_FLAGS};${CMAKE_SHARED_LINKER_FLAGS}"
			"${topts};${tlopts};${tlflags};${dopts};${dlopts};${iopts}")
		_kcov_sim_needs_static("${all}" always)
		# Per configuration: the built one, or each of a multi-config
		# generator's (then a generator expression picks).
		get_property(multi GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
		if(multi)
			set(cfgs ${CMAKE_CONFIGURATION_TYPES})
		else()
			set(cfgs ${CMAKE_BUILD_TYPE})
		endif()
		set(static_cfgs)
		foreach(cfg IN LISTS cfgs)
			string(TOUPPER "${cfg}" C)
			_kcov_sim_needs_static("${CMAKE_C_FLAGS_${C}};${CMAKE_CXX_FLAGS_${C}};${CMAKE_EXE_LINKER_FLAGS_${C}};${CMAKE_SHARED_LINKER_FLAGS_${C}}" s)
			if(s)
				list(APPEND static_cfgs ${cfg})
			endif()
		endforeach()
		if(always OR (static_cfgs AND NOT multi))
			set(lib kcov-sim::static)
		elseif(static_cfgs)
			list(JOIN static_cfgs "," c)
			set(lib "$<IF:$<CONFIG:${c}>,kcov-sim::static,kcov-sim::kcov-sim>")
		endif()
	endif()
	foreach(t kcov-sim::kcov-sim kcov-sim::static)
		if(NOT TARGET ${t})
			message(FATAL_ERROR "kcov_sim_instrument(${target}): no "
				"target ${t}: add_subdirectory() the kcov-sim tree or "
				"find_package(KcovSim CONFIG) first")
		endif()
	endforeach()
	# A static or object library passes the library - and with it the
	# kcov-sim/ include directory - on to whatever links it; others keep it.
	get_target_property(type ${target} TYPE)
	if(type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "OBJECT_LIBRARY")
		target_link_libraries(${target} PUBLIC ${lib})
	else()
		target_link_libraries(${target} PRIVATE ${lib})
	endif()
	if(lib STREQUAL "kcov-sim::lto")
		set_property(TARGET ${target} PROPERTY KCOV_SIM_VARIANT lto)
	elseif(lib STREQUAL "kcov-sim::static")
		set_property(TARGET ${target} PROPERTY KCOV_SIM_VARIANT static)
	elseif(lib STREQUAL "kcov-sim::kcov-sim")
		set_property(TARGET ${target} PROPERTY KCOV_SIM_VARIANT shared)
	else()
		set_property(TARGET ${target} PROPERTY KCOV_SIM_VARIANT "${lib}")
	endif()
endfunction()
