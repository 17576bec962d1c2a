# cmake -DREADME=<README.md> -DBIN=<dir> -DSTAGE=<install prefix>
#       -DSRC=<kcov-sim source tree> -DCC=<compiler> -DGEN=<generator>
#       -P readme.cmake
# Builds the README's CMake snippets exactly as printed: every ```cmake
# block after a "<!-- readme-test: NAME -->" comment, the blocks of one
# NAME in order as one project, with stub sources for the files they name.
#  - package: against the staging install (find_package);
#  - in-tree: with this source tree as third_party/kcov-sim.
cmake_minimum_required(VERSION 3.25)
file(STRINGS ${README} lines)
set(names)
set(state none)
foreach(line IN LISTS lines)
	if(state STREQUAL "none" AND line MATCHES "^<!-- readme-test: ([a-z-]+) -->$")
		set(name ${CMAKE_MATCH_1})
		set(state marked)
	elseif(state STREQUAL "marked" AND line MATCHES "^```cmake$")
		set(state block)
		if(NOT name IN_LIST names)
			list(APPEND names ${name})
			set(code_${name} "")
		endif()
	elseif(state STREQUAL "block" AND line MATCHES "^```$")
		set(state none)
	elseif(state STREQUAL "block")
		string(APPEND code_${name} "${line}\n")
	elseif(state STREQUAL "marked" AND NOT line STREQUAL "")
		message(FATAL_ERROR "README: a readme-test comment not followed by a cmake block")
	endif()
endforeach()
if(NOT "package" IN_LIST names OR NOT "in-tree" IN_LIST names)
	message(FATAL_ERROR "README: no package or in-tree snippets found")
endif()

# Stub sources: kernel-ish functions and a test that calls them.
function(stub_project dir)
	file(REMOVE_RECURSE ${dir})
	file(MAKE_DIRECTORY ${dir}/ported ${dir}/stand-in ${dir}/include ${dir}/golden)
	file(WRITE ${dir}/ported/foo.c "int foo(int x)\n{\n\tif (x > 3)\n\t\treturn x * 2;\n\treturn x;\n}\n")
	file(WRITE ${dir}/ported/bar.c "int bar(int x)\n{\n\treturn x ? -x : 1;\n}\n")
	file(WRITE ${dir}/ported/baz.c "int baz(int x)\n{\n\treturn x < 0 ? -22 : 0;\n}\n")
	file(WRITE ${dir}/my_test.c
		"#include <stdio.h>\n#include <sys/mman.h>\n#include <kcov-sim/kcov.h>\n"
		"#include <kcov-sim/sim.h>\nint foo(int);\n"
		"int main(int argc, char **argv)\n{\n"
		"\tint fd = kcov_sim_open();\n\tunsigned long *area;\n\t(void)argv;\n"
		"\tif (fd < 0 || kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 4096))\n\t\treturn 1;\n"
		"\tarea = kcov_sim_mmap(NULL, 4096 * 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);\n"
		"\tif (area == MAP_FAILED || kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))\n\t\treturn 1;\n"
		"\tprintf(\"%d\\n\", foo(argc + 3));\n"
		"\tkcov_sim_ioctl(fd, KCOV_DISABLE, 0);\n\treturn 0;\n}\n")
endfunction()

function(build dir)
	execute_process(COMMAND ${CMAKE_COMMAND} --fresh -S ${dir} -B ${dir}/build -G ${GEN}
			-DCMAKE_C_COMPILER=${CC} -DCMAKE_BUILD_TYPE=RelWithDebInfo ${ARGN}
		COMMAND_ERROR_IS_FATAL ANY)
	execute_process(COMMAND ${CMAKE_COMMAND} --build ${dir}/build -j 2 --target my_test
		COMMAND_ERROR_IS_FATAL ANY)
	execute_process(COMMAND ${dir}/build/my_test RESULT_VARIABLE rc OUTPUT_QUIET)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "${dir}: my_test failed (${rc})")
	endif()
endfunction()

set(head "cmake_minimum_required(VERSION 3.25)\nproject(readme C)\nenable_testing()\n")

stub_project(${BIN}/package)
file(WRITE ${BIN}/package/CMakeLists.txt "${head}${code_package}")
build(${BIN}/package -DCMAKE_PREFIX_PATH=${STAGE})
message("README snippets 'package' built as printed:\n${code_package}")

stub_project(${BIN}/in-tree)
file(MAKE_DIRECTORY ${BIN}/in-tree/third_party)
file(CREATE_LINK ${SRC} ${BIN}/in-tree/third_party/kcov-sim SYMBOLIC)
file(WRITE ${BIN}/in-tree/CMakeLists.txt "${head}${code_in-tree}")
build(${BIN}/in-tree -DKCOV_SIM_BUILD_TESTS=OFF -DKCOV_SIM_BUILD_EXAMPLES=OFF
	-DKCOV_SIM_BUILD_BENCH=OFF)
message("README snippets 'in-tree' built as printed:\n${code_in-tree}")
