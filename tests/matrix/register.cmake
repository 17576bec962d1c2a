# Issue 4's ctest cases, included by tests/CMakeLists.txt:
#  - exports_check: the .so exports exactly the names of its version script;
#  - instrument_detect*: what kcov_sim_instrument() decides (configure only);
#  - matrix_<cc>_<variant>_<mode>: the toolchain matrix, one nested build
#    per compiler (tests/matrix/CMakeLists.txt);
#  - recursion_*: the whole tree built with -fsanitize-coverage in
#    CMAKE_C_FLAGS; the library stays uninstrumented and works;
#  - package_*: a staging install, consumed by find_package() and by a
#    pkg-config Makefile.
# The nested builds choose their own sanitizers, so a sanitizer build of
# this tree registers only exports_check.
set(ksim_t ${PROJECT_SOURCE_DIR}/tests)

add_test(NAME exports_check COMMAND ${CMAKE_COMMAND}
	-DLIB=$<TARGET_FILE:kcov-sim> -DMAP=${KSIM_MAP} -DNM=${CMAKE_NM}
	-P ${ksim_t}/exports_check.cmake)
set_tests_properties(exports_check PROPERTIES LABELS package)

# The variant kcov_sim_instrument() picks, and where the flag goes
# (configure only); and a named source the target lacks must stop it.
foreach(bad OFF ON)
	set(name instrument_detect)
	if(bad)
		set(name instrument_detect_bad_source)
	endif()
	add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} --fresh
		-S ${ksim_t}/matrix/detect -B ${CMAKE_CURRENT_BINARY_DIR}/${name}
		-G ${CMAKE_GENERATOR} -DCMAKE_BUILD_TYPE=RelWithDebInfo
		-DCMAKE_C_COMPILER=${CMAKE_C_COMPILER} -DKSIM_DETECT_BAD=${bad})
	set_tests_properties(${name} PROPERTIES LABELS matrix)
endforeach()
set_tests_properties(instrument_detect PROPERTIES
	PASS_REGULAR_EXPRESSION "picked right in all [0-9]+ cases")
set_tests_properties(instrument_detect_bad_source PROPERTIES
	# CMake folds the message at a width, so any gap may be a newline.
	PASS_REGULAR_EXPRESSION
	"matrix_kernel\\.c[\n ]+is[\n ]+not[\n ]+a[\n ]+source[\n ]+of[\n ]+bad")

if(KCOV_SIM_SANITIZE)
	return()
endif()

# Configure + build of a nested project, as a fixture's setup test.
function(ksim_nested_build name fixture src bin cc opts)
	add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} -DSRC=${src} -DBIN=${bin}
		-DCC=${cc} "-DGEN=${CMAKE_GENERATOR}" "-DOPTS=${opts}"
		-P ${ksim_t}/matrix/build.cmake)
	set_tests_properties(${name} PROPERTIES FIXTURES_SETUP ${fixture}
		LABELS ${ARGN} TIMEOUT 900)
endfunction()

# A program of a nested build, with the regex its result line must match.
function(ksim_cell name fixture exe expect label)
	add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} -DEXE=${exe}
		"-DEXPECT=${expect}" -P ${ksim_t}/matrix/run_cell.cmake)
	set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED ${fixture}
		LABELS ${label} TIMEOUT 60)
endfunction()

# ---- the toolchain matrix ----------------------------------------------------
# What each cell must do (the README's table). Shared libkcov-sim loses the
# comparison hooks to GCC's libasan.so, to Clang's static ASan runtime and,
# with the coverage flag on Clang's link line, to UBSan-standalone: there
# KCOV_TRACE_CMP must fail with errno 524 and name the runtime.
set(ksim_ok "pc=collected cmp=collected")
set(ksim_refused "linked=shared pc=collected cmp=enotsupp.*resolves to ")
foreach(cc gcc clang)
	find_program(KSIM_MATRIX_${cc} ${cc})
	if(NOT KSIM_MATRIX_${cc})
		message(STATUS "matrix: no ${cc}: its cells are not registered")
		continue()
	endif()
	set(bin ${CMAKE_CURRENT_BINARY_DIR}/matrix-${cc})
	ksim_nested_build(matrix_${cc}_build ksim_matrix_${cc} ${ksim_t}/matrix
		${bin} ${KSIM_MATRIX_${cc}} -DKSIM_SOURCE_DIR=${PROJECT_SOURCE_DIR}
		matrix)
	foreach(variant SHARED STATIC auto)
		foreach(mode plain san covlink)
			if(variant STREQUAL "STATIC" OR
			   (variant STREQUAL "auto" AND NOT mode STREQUAL "plain"))
				set(expect "linked=static ${ksim_ok}")
			elseif(mode STREQUAL "san" AND cc STREQUAL "gcc")
				set(expect "${ksim_refused}libasan\\.so")
			elseif(mode STREQUAL "san")
				set(expect "${ksim_refused}libclang_rt\\.asan")
			elseif(mode STREQUAL "covlink" AND cc STREQUAL "clang")
				set(expect "${ksim_refused}libclang_rt\\.ubsan_standalone")
			else()
				set(expect "linked=shared ${ksim_ok}")
			endif()
			string(TOLOWER ${variant} v)
			ksim_cell(matrix_${cc}_${v}_${mode} ksim_matrix_${cc}
				${bin}/${variant}_${mode} "${expect}" matrix)
		endforeach()
	endforeach()
	# The executable's own trace_pc: ENABLE warns once, CMP still works.
	ksim_cell(matrix_${cc}_shared_pcstub ksim_matrix_${cc}
		${bin}/SHARED_pcstub "linked=shared pc=shadowed cmp=collected"
		matrix)
endforeach()

# ---- the LTO form (issue 12) -------------------------------------------------
# In each compiler's matrix: LTO_plain (kcov_sim_instrument(... LTO): with
# Clang the hooks are inlined, with GCC the static library), and the sites
# of one kernel file compared between the static library and the LTO form.
# Then the same in a tree built with CMAKE_INTERPROCEDURAL_OPTIMIZATION,
# kcov-sim included (issue 10: a user's tree that sets LTO globally; GCC
# must still instrument, every library must still record exact PCs), and
# the spec suite against the LTO form (tests/matrix/lto_spec).
function(ksim_sites name fixture bin)
	set(sym)
	set(other sites_lto)
	if(ARGN)
		set(other ${ARGN})
	endif()
	if(KSIM_HAVE_COVER)
		set(sym -DSYMBOLIZE=${bin}/kcov-sim/tools/kcov-sim-symbolize)
	endif()
	add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} -DCALL=${bin}/sites_call
		-DLTO=${bin}/${other} -DADDR2LINE=${CMAKE_ADDR2LINE} ${sym}
		-P ${ksim_t}/matrix/sites_compare.cmake)
	set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED ${fixture}
		LABELS matrix TIMEOUT 120)
endfunction()
file(GLOB ksim_specs ${ksim_t}/spec_*_test.c)
foreach(cc gcc clang)
	if(NOT KSIM_MATRIX_${cc})
		continue()
	endif()
	set(bin ${CMAKE_CURRENT_BINARY_DIR}/matrix-${cc})
	ksim_cell(matrix_${cc}_lto_plain ksim_matrix_${cc} ${bin}/LTO_plain
		"linked=static ${ksim_ok}" matrix)
	ksim_sites(matrix_${cc}_lto_sites ksim_matrix_${cc} ${bin})
	# The LTO form called from code built without LTO: return addresses.
	ksim_cell(matrix_${cc}_lto_called ksim_matrix_${cc} ${bin}/LTO_called
		"linked=static ${ksim_ok}" matrix)
	ksim_sites(matrix_${cc}_lto_called_sites ksim_matrix_${cc} ${bin}
		sites_called)

	set(bin ${CMAKE_CURRENT_BINARY_DIR}/matrix-${cc}-ipo)
	ksim_nested_build(matrix_${cc}_ipo_build ksim_matrix_${cc}_ipo
		${ksim_t}/matrix ${bin} ${KSIM_MATRIX_${cc}}
		"-DKSIM_SOURCE_DIR=${PROJECT_SOURCE_DIR}|-DKSIM_MATRIX_IPO=ON" matrix)
	foreach(variant SHARED STATIC auto LTO)
		set(expect "linked=static ${ksim_ok}")
		if(variant STREQUAL "SHARED" OR variant STREQUAL "auto")
			set(expect "linked=shared ${ksim_ok}")
		endif()
		string(TOLOWER ${variant} v)
		ksim_cell(matrix_${cc}_ipo_${v}_plain ksim_matrix_${cc}_ipo
			${bin}/${variant}_plain "${expect}" matrix)
	endforeach()
	ksim_sites(matrix_${cc}_ipo_lto_sites ksim_matrix_${cc}_ipo ${bin})

	set(bin ${CMAKE_CURRENT_BINARY_DIR}/lto-spec-${cc})
	ksim_nested_build(lto_${cc}_spec_build ksim_lto_spec_${cc}
		${ksim_t}/matrix/lto_spec ${bin} ${KSIM_MATRIX_${cc}}
		-DKSIM_SOURCE_DIR=${PROJECT_SOURCE_DIR} matrix)
	foreach(src ${ksim_specs})
		get_filename_component(name ${src} NAME_WE)
		foreach(door api shim)
			add_test(NAME lto_${cc}_${name}_${door} COMMAND ${bin}/${name})
			set_tests_properties(lto_${cc}_${name}_${door} PROPERTIES
				FIXTURES_REQUIRED ksim_lto_spec_${cc} LABELS matrix
				ENVIRONMENT KSIM_TEST_DOOR=${door}
				SKIP_RETURN_CODE 77 TIMEOUT 300)
		endforeach()
	endforeach()
endforeach()

# ---- recursion safety --------------------------------------------------------
set(bin ${CMAKE_CURRENT_BINARY_DIR}/matrix-recursion)
ksim_nested_build(recursion_build ksim_recursion ${ksim_t}/matrix ${bin}
	${CMAKE_C_COMPILER} "-DKSIM_SOURCE_DIR=${PROJECT_SOURCE_DIR}|-DKSIM_MATRIX_RECURSION=ON"
	matrix)
add_test(NAME recursion_objects COMMAND ${CMAKE_COMMAND} -DBIN=${bin}
	-DOBJDUMP=${CMAKE_OBJDUMP} -P ${ksim_t}/matrix/recursion_check.cmake)
set_tests_properties(recursion_objects PROPERTIES
	FIXTURES_REQUIRED ksim_recursion LABELS matrix)
ksim_cell(recursion_auto ksim_recursion ${bin}/recursion_auto
	"linked=static ${ksim_ok}" matrix)
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
	set(expect "${ksim_refused}libclang_rt\\.ubsan_standalone")
else()
	set(expect "linked=shared ${ksim_ok}")
endif()
ksim_cell(recursion_shared ksim_recursion ${bin}/recursion_shared
	"${expect}" matrix)

# ---- the installed package ---------------------------------------------------
set(stage ${CMAKE_CURRENT_BINARY_DIR}/package-stage)
add_test(NAME package_install COMMAND ${CMAKE_COMMAND}
	-DBUILD=${PROJECT_BINARY_DIR} -DSTAGE=${stage}
	-DLIBDIR=${CMAKE_INSTALL_LIBDIR} -DINCLUDEDIR=${CMAKE_INSTALL_INCLUDEDIR}
	-DOBJDUMP=${CMAKE_OBJDUMP} -DVERSION=${PROJECT_VERSION} -DLTO=${KSIM_HAVE_LTO}
	-P ${ksim_t}/package/install.cmake)
set_tests_properties(package_install PROPERTIES
	FIXTURES_SETUP ksim_pkg_stage LABELS package)

# Consumer 1: find_package(KcovSim CONFIG) + kcov_sim_instrument().
set(bin ${CMAKE_CURRENT_BINARY_DIR}/package-cmake)
ksim_nested_build(package_cmake_build ksim_pkg_cmake ${ksim_t}/package
	${bin} ${CMAKE_C_COMPILER}
	"-DCMAKE_PREFIX_PATH=${stage}|-DKSIM_EXPECT_LTO=${KSIM_HAVE_LTO}" package)
set_tests_properties(package_cmake_build PROPERTIES
	FIXTURES_REQUIRED ksim_pkg_stage)
ksim_cell(package_cmake_shared ksim_pkg_cmake ${bin}/consumer_shared
	"linked=shared ${ksim_ok}" package)
ksim_cell(package_cmake_asan ksim_pkg_cmake ${bin}/consumer_asan
	"linked=static ${ksim_ok}" package)
ksim_cell(package_cmake_cover ksim_pkg_cmake ${bin}/consumer_cover
	"cover: mk_branch=[1-9]" package)
# Issue 11: a static library's consumer; golden + coverage report from the
# installed prefix without LD_LIBRARY_PATH.
ksim_cell(package_cmake_static_lib ksim_pkg_cmake ${bin}/consumer_static_lib
	"static-lib: version [0-9]" package)
add_test(NAME package_cmake_golden COMMAND ${CMAKE_COMMAND} -DBIN=${bin}
	-DCTEST=${CMAKE_CTEST_COMMAND} -P ${ksim_t}/package/golden.cmake)
set_tests_properties(package_cmake_golden PROPERTIES
	FIXTURES_REQUIRED ksim_pkg_cmake LABELS package TIMEOUT 300)

# Issue 11: the README's CMake snippets, built exactly as printed, against
# the staging install and in a source tree.
add_test(NAME package_readme COMMAND ${CMAKE_COMMAND}
	-DREADME=${PROJECT_SOURCE_DIR}/README.md -DBIN=${CMAKE_CURRENT_BINARY_DIR}/package-readme
	-DSTAGE=${stage} -DSRC=${PROJECT_SOURCE_DIR} -DCC=${CMAKE_C_COMPILER}
	"-DGEN=${CMAKE_GENERATOR}" -P ${ksim_t}/package/readme.cmake)
set_tests_properties(package_readme PROPERTIES FIXTURES_REQUIRED ksim_pkg_stage
	LABELS package TIMEOUT 900)

# The LTO form (issue 12): with this compiler, and with Clang, whose
# consumer links libkcov-sim-lto.a and inlines its hooks.
if(KSIM_HAVE_LTO)
	ksim_cell(package_cmake_lto ksim_pkg_cmake ${bin}/consumer_lto
		"linked=static ${ksim_ok}" package)
	if(KSIM_MATRIX_clang AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
		set(bin ${CMAKE_CURRENT_BINARY_DIR}/package-cmake-clang)
		ksim_nested_build(package_cmake_clang_build ksim_pkg_cmake_clang
			${ksim_t}/package ${bin} ${KSIM_MATRIX_clang}
			"-DCMAKE_PREFIX_PATH=${stage}|-DKSIM_EXPECT_LTO=ON" package)
		set_tests_properties(package_cmake_clang_build PROPERTIES
			FIXTURES_REQUIRED ksim_pkg_stage)
		ksim_cell(package_cmake_clang_lto ksim_pkg_cmake_clang
			${bin}/consumer_lto "linked=static ${ksim_ok}" package)
	endif()
endif()

# Consumer 2: a plain Makefile with pkg-config (the README's recipe).
find_program(KSIM_MAKE make)
if(KSIM_MAKE)
	set(bin ${CMAKE_CURRENT_BINARY_DIR}/package-make)
	add_test(NAME package_make_build COMMAND ${CMAKE_COMMAND}
		-DMAKE=${KSIM_MAKE} -DBIN=${bin} -DSRC=${ksim_t}
		-DPC_PATH=${stage}/${CMAKE_INSTALL_LIBDIR}/pkgconfig
		-DCC=${CMAKE_C_COMPILER} "-DCLANG=$<$<BOOL:${KSIM_HAVE_LTO}>:${KSIM_MATRIX_clang}>"
		-P ${ksim_t}/package/make.cmake)
	set_tests_properties(package_make_build PROPERTIES
		FIXTURES_REQUIRED ksim_pkg_stage FIXTURES_SETUP ksim_pkg_make
		LABELS package)
	ksim_cell(package_make_shared ksim_pkg_make ${bin}/consumer_shared
		"linked=shared ${ksim_ok}" package)
	ksim_cell(package_make_static ksim_pkg_make ${bin}/consumer_static
		"linked=static ${ksim_ok}" package)
	ksim_cell(package_make_asan ksim_pkg_make ${bin}/consumer_asan
		"linked=static ${ksim_ok}" package)
	ksim_cell(package_make_flto ksim_pkg_make ${bin}/consumer_flto
		"linked=static ${ksim_ok}" package)
	if(KSIM_HAVE_LTO AND KSIM_MATRIX_clang)
		ksim_cell(package_make_lto ksim_pkg_make ${bin}/consumer_lto
			"linked=static ${ksim_ok}" package)
	endif()
endif()
