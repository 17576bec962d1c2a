# The LTO form of the library (issue 12), included by the top-level
# CMakeLists.txt: libkcov-sim-lto.a, the library's sources as Clang ThinLTO
# bitcode. Linked with -flto=thin -fuse-ld=lld into code instrumented with
# -flto=thin, its hooks are inlined into every coverage site (lib/hooks.c
# forces it and records each inlined copy's own address), so a disabled
# thread pays a compare and a branch per site, not a call.
#
# Built by Clang whatever compiler builds the rest (the installed package
# then has it for Clang users either way), with custom commands; the target
# kcov-sim::lto (an INTERFACE library: the archive, the link options,
# the headers) is what kcov_sim_instrument(<target> ... LTO) links with
# Clang, and kcov-sim-lto.pc is its pkg-config module.
#
# GCC has no such form: it adds its coverage calls after its inliner ran,
# also under -flto, so its hooks are calls whatever the archive holds (the
# benchmark's GCC LTO row measures it). kcov_sim_instrument(... LTO) with
# GCC links the static library and keeps the instrumented sources out of
# GCC's LTO (README, "The LTO form").
#
# Sets KSIM_HAVE_LTO.
set(KSIM_HAVE_LTO FALSE)
if(KCOV_SIM_SANITIZE)
	message(STATUS "kcov-sim: no LTO form in sanitizer builds")
	return()
endif()

if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
	set(KSIM_LTO_CC ${CMAKE_C_COMPILER} CACHE FILEPATH
		"Clang that builds libkcov-sim-lto.a")
else()
	find_program(KSIM_LTO_CC NAMES clang clang-14
		DOC "Clang that builds libkcov-sim-lto.a")
endif()
if(KSIM_LTO_CC)
	get_filename_component(ksim_lto_bin ${KSIM_LTO_CC} DIRECTORY)
	execute_process(COMMAND ${KSIM_LTO_CC} --version
		OUTPUT_VARIABLE ksim_lto_ver ERROR_QUIET)
	string(REGEX MATCH "version ([0-9]+)" ksim_lto_ver "${ksim_lto_ver}")
	find_program(KSIM_LTO_AR NAMES llvm-ar-${CMAKE_MATCH_1} llvm-ar
		HINTS ${ksim_lto_bin})
	find_program(KSIM_LTO_LLD NAMES ld.lld-${CMAKE_MATCH_1} ld.lld
		HINTS ${ksim_lto_bin})
endif()
if(NOT KSIM_LTO_CC OR NOT KSIM_LTO_AR OR NOT KSIM_LTO_LLD)
	message(STATUS "kcov-sim: no clang, llvm-ar or ld.lld: no LTO form "
		"(libkcov-sim-lto.a)")
	return()
endif()
set(KSIM_HAVE_LTO TRUE)

set(ksim_lto_dir ${CMAKE_CURRENT_BINARY_DIR}/lto)
set(KSIM_LTO_ARCHIVE ${ksim_lto_dir}/libkcov-sim-lto.a)
file(MAKE_DIRECTORY ${ksim_lto_dir})
# What ksim_library() gives the other forms, spelled for the command line.
# hooks.c has no debug info: the inlined copies then carry the line of the
# call they replace, and no hooks.c frame joins the site's inline chain.
# No KSIM_HOOKS_CALLED: these hooks are inlined (lib/hooks.c).
# -DNDEBUG: a release form; the debug checks of lib/ (lockdep-style
# assertions) run in the sanitizer presets, not in the fuzzing form.
set(ksim_lto_flags -O2 -g -DNDEBUG -std=gnu11 -flto=thin -fPIC -fvisibility=hidden
	${KSIM_WARN} -fno-sanitize-coverage=trace-pc,trace-cmp
	-D_GNU_SOURCE -DKCOV_SIM_VERSION="${PROJECT_VERSION}"
	-I${CMAKE_CURRENT_SOURCE_DIR}/include -I${CMAKE_CURRENT_SOURCE_DIR}/lib)
foreach(dir ${BSD_INCLUDE_DIRS})
	list(APPEND ksim_lto_flags -I${dir})
endforeach()
set(ksim_lto_objs)
foreach(src ${KSIM_SOURCES})
	get_filename_component(name ${src} NAME_WE)
	set(obj ${ksim_lto_dir}/${name}.o)
	set(extra)
	if(name STREQUAL "hooks")
		set(extra -g0)
	endif()
	add_custom_command(OUTPUT ${obj}
		COMMAND ${KSIM_LTO_CC} ${ksim_lto_flags} ${extra} -MD -MF ${obj}.d
			-c ${CMAKE_CURRENT_SOURCE_DIR}/${src} -o ${obj}
		DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${src} DEPFILE ${obj}.d
		COMMENT "Building ${src} as ThinLTO bitcode" VERBATIM)
	list(APPEND ksim_lto_objs ${obj})
endforeach()
add_custom_command(OUTPUT ${KSIM_LTO_ARCHIVE}
	COMMAND ${CMAKE_COMMAND} -E rm -f ${KSIM_LTO_ARCHIVE}
	COMMAND ${KSIM_LTO_AR} rcs ${KSIM_LTO_ARCHIVE} ${ksim_lto_objs}
	DEPENDS ${ksim_lto_objs}
	COMMENT "Archiving libkcov-sim-lto.a" VERBATIM)
add_custom_target(kcov-sim-lto-archive ALL DEPENDS ${KSIM_LTO_ARCHIVE})

# Linked only by Clang with lld: the linker reads the bitcode, inlines the
# hooks and compiles the result (-flto=thin at link time).
add_library(kcov-sim-lto INTERFACE)
target_include_directories(kcov-sim-lto INTERFACE
	$<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
	$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(kcov-sim-lto INTERFACE
	$<BUILD_INTERFACE:${KSIM_LTO_ARCHIVE}>
	$<INSTALL_INTERFACE:$<INSTALL_PREFIX>/${CMAKE_INSTALL_LIBDIR}/libkcov-sim-lto.a>
	Threads::Threads ${CMAKE_DL_LIBS})
target_link_options(kcov-sim-lto INTERFACE -flto=thin -fuse-ld=lld)
add_dependencies(kcov-sim-lto kcov-sim-lto-archive)
set_target_properties(kcov-sim-lto PROPERTIES EXPORT_NAME lto)
add_library(kcov-sim::lto ALIAS kcov-sim-lto)
