# cmake -DEXE=<instrumented test> -DSYMBOLIZE=<tool> -DGENHTML=<genhtml>
#       -DCHROMIUM=<chromium> -DOUT=<dir> [-DSHOT=<png>] -P cover_html.cmake
# The HTML report end to end: run a test with KCOV_SIM_RECORD, turn the
# record into an lcov tracefile, let genhtml render it, and open the pages
# in headless Chromium: the index must name the source file, and its page
# show lines covered and lines not covered. Skips (KSIM_SKIP) without
# genhtml (Debian: lcov) or Chromium.
if(NOT GENHTML OR NOT CHROMIUM)
	message("KSIM_SKIP: needs genhtml and chromium (Debian: lcov chromium)")
	return()
endif()
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
set(ENV{KCOV_SIM_RECORD} ${OUT}/run.record)
execute_process(COMMAND ${EXE} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
unset(ENV{KCOV_SIM_RECORD})
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "${EXE} failed (${rc})")
endif()
execute_process(COMMAND ${SYMBOLIZE} --lcov=${OUT}/run.info --test-name=html
	INPUT_FILE ${OUT}/run.record COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${GENHTML} --quiet --output-directory ${OUT}/html ${OUT}/run.info
	COMMAND_ERROR_IS_FATAL ANY)
file(GLOB_RECURSE page ${OUT}/html/*/tlvdec.c.gcov.html)
if(NOT page)
	message(FATAL_ERROR "genhtml wrote no page for tlvdec.c")
endif()

# Chromium as root: no sandbox; a fresh profile; nothing from the network.
function(chromium out)
	file(REMOVE_RECURSE ${OUT}/profile)
	file(MAKE_DIRECTORY ${OUT}/profile)
	execute_process(COMMAND ${CHROMIUM} --headless --no-sandbox --disable-gpu
			--disable-quic --no-first-run --disable-background-networking
			--disable-component-update --disable-sync
			--user-data-dir=${OUT}/profile ${ARGN}
		RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_QUIET TIMEOUT 120)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "chromium failed (${rc})")
	endif()
	set(${out} "${dom}" PARENT_SCOPE)
endfunction()

chromium(index --dump-dom file://${OUT}/html/index.html)
if(NOT index MATCHES "tlvdec/index.html")
	message(FATAL_ERROR "the report index does not name the tlvdec directory")
endif()
get_filename_component(pagedir ${page} DIRECTORY)
chromium(dir --dump-dom file://${pagedir}/index.html)
if(NOT dir MATCHES "tlvdec\\.c")
	message(FATAL_ERROR "the directory page does not name tlvdec.c")
endif()
chromium(src --dump-dom file://${page})
foreach(re "class=\"lineCov\"" "class=\"lineNoCov\"" "tlv_decode" "goto data_overrun_error")
	if(NOT src MATCHES "${re}")
		message(FATAL_ERROR "the page of tlvdec.c lacks ${re}")
	endif()
endforeach()
string(REGEX MATCHALL "class=\"lineCov\"" cov "${src}")
string(REGEX MATCHALL "class=\"lineNoCov\"" nocov "${src}")
list(LENGTH cov ncov)
list(LENGTH nocov nnocov)
message("chromium shows tlvdec.c with ${ncov} lines covered and ${nnocov} not covered")
if(SHOT)
	chromium(ignored --screenshot=${SHOT} --window-size=900,640 "file://${page}#50")
endif()
