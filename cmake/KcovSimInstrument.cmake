# kcov_sim_instrument(<target> [SOURCES <file>...] [STATIC|SHARED])
#
# Compiles the named kernel-derived sources of <target> (all of its sources
# when none are named) with -fsanitize-coverage=trace-pc,trace-cmp - at the
# compile step only, never at link time: Clang would then link its UBSan
# runtime, whose stub hooks shadow a shared libkcov-sim - and links the
# library: the static one when <target> uses a sanitizer (the sanitizer
# runtimes carry stub comparison hooks), else the shared one.
include_guard(GLOBAL)

function(kcov_sim_instrument target)
	cmake_parse_arguments(ARG "STATIC;SHARED" "" "SOURCES" ${ARGN})
	if(ARG_SOURCES)
		set(srcs ${ARG_SOURCES})
	else()
		get_target_property(srcs ${target} SOURCES)
	endif()
	set_property(SOURCE ${srcs} TARGET_DIRECTORY ${target} APPEND PROPERTY
		COMPILE_OPTIONS -fsanitize-coverage=trace-pc,trace-cmp)

	set(variant shared)
	if(ARG_STATIC)
		set(variant static)
	elseif(NOT ARG_SHARED)
		get_target_property(opts ${target} COMPILE_OPTIONS)
		get_target_property(lopts ${target} LINK_OPTIONS)
		string(REGEX MATCH "-fsanitize=[^;]*(address|thread|undefined|memory|leak)"
			san "${CMAKE_C_FLAGS};${CMAKE_EXE_LINKER_FLAGS};${opts};${lopts}")
		if(san)
			set(variant static)
		endif()
	endif()
	if(variant STREQUAL "static")
		target_link_libraries(${target} PRIVATE kcov-sim::static)
	else()
		target_link_libraries(${target} PRIVATE kcov-sim::kcov-sim)
	endif()
endfunction()
