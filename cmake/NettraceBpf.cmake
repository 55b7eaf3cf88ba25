# Building libbpf CO-RE skeletons and nettrace plugins.
#
#   nettrace_bpf_skeleton(<target> <file.bpf.c> [INCLUDES dir...])
#     Compiles the BPF program with clang and generates <name>.skel.h with
#     bpftool, declaring `struct <name>_bpf` and `<name>_bpf__open()` and
#     friends; <name> is the file name without .bpf.c. <target> is an
#     INTERFACE library whose include path holds the header.
#
#   nettrace_add_plugin(<name> SOURCES src... [BPF file.bpf.c...]
#                       [LIBRARIES lib...] [OUTPUT_DIRECTORY dir])
#     Builds plugin <name> as a shared object the driver can load.
#
#   nettrace_install_plugin(<name>...)
#     Installs plugins into <prefix>/lib/nettrace/plugins, where a nettrace
#     installed under the same prefix finds them.
#
# The same file serves the nettrace source tree and, installed, the SDK
# (find_package(nettrace)), which sets NETTRACE_BPF_INCLUDE_DIR and
# NETTRACE_PLUGIN_VERSION_SCRIPT to its own copies before including it.
#
# The BPF side compiles against bpf/vmlinux.h (CO-RE), never against the
# build machine's kernel headers, so the build works on any kernel.

find_program(NETTRACE_BPF_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
find_program(NETTRACE_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
find_program(NETTRACE_LLVM_STRIP NAMES llvm-strip llvm-strip-16 llvm-strip-15 llvm-strip-14)

# Headers for BPF programs (vmlinux.h, nettrace/*.bpf.h).
if(NOT DEFINED NETTRACE_BPF_INCLUDE_DIR)
  set(NETTRACE_BPF_INCLUDE_DIR ${CMAKE_CURRENT_LIST_DIR}/../bpf)
endif()
# The linker version script that keeps a plugin's exports to its descriptor.
if(NOT DEFINED NETTRACE_PLUGIN_VERSION_SCRIPT)
  set(NETTRACE_PLUGIN_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/nettrace_plugin.map)
endif()
# Relative to the install prefix; the driver looks there beside its bin/.
set(NETTRACE_INSTALL_PLUGIN_DIR lib/nettrace/plugins)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(NETTRACE_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(NETTRACE_BPF_ARCH arm64)
else()
  set(NETTRACE_BPF_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

# clang -target bpf does not search the host's system include directories,
# where Debian keeps asm/types.h; hand them over with -idirafter.
if(NOT DEFINED NETTRACE_BPF_SYS_INCLUDES)
  execute_process(COMMAND ${NETTRACE_BPF_CLANG} -v -E -
                  INPUT_FILE /dev/null OUTPUT_QUIET ERROR_VARIABLE clang_v)
  string(REGEX MATCH "#include <...> search starts here:\n(.*)End of search list"
         _ "${clang_v}")
  string(REGEX REPLACE "[ \t]*\n[ \t]*" ";" dirs "${CMAKE_MATCH_1}")
  set(flags "")
  foreach(d IN LISTS dirs)
    if(d)
      list(APPEND flags -idirafter ${d})
    endif()
  endforeach()
  set(NETTRACE_BPF_SYS_INCLUDES "${flags}" CACHE INTERNAL "")
endif()

function(nettrace_bpf_skeleton target source)
  cmake_parse_arguments(ARG "" "" "INCLUDES" ${ARGN})
  get_filename_component(src ${source} ABSOLUTE)
  get_filename_component(file ${src} NAME)
  string(REGEX REPLACE "\\.bpf\\.c$" "" name ${file})
  set(outdir ${CMAKE_CURRENT_BINARY_DIR}/${target}.skel)
  set(obj ${outdir}/${name}.bpf.o)
  set(skel ${outdir}/${name}.skel.h)
  set(incs "")
  foreach(d IN LISTS ARG_INCLUDES)
    get_filename_component(d ${d} ABSOLUTE)
    list(APPEND incs -I${d})
  endforeach()
  if(NETTRACE_LLVM_STRIP)
    # Drop DWARF, keep .BTF: the skeleton embeds the object.
    set(strip_cmd COMMAND ${NETTRACE_LLVM_STRIP} -g ${obj})
  endif()
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${outdir}
    COMMAND ${NETTRACE_BPF_CLANG} -g -O2 -target bpf
            -D__TARGET_ARCH_${NETTRACE_BPF_ARCH}
            -I${NETTRACE_BPF_INCLUDE_DIR} -I${CMAKE_CURRENT_SOURCE_DIR} ${incs}
            ${NETTRACE_BPF_SYS_INCLUDES}
            -Wall -Werror=implicit-function-declaration
            -MD -MF ${obj}.d -c ${src} -o ${obj}
    ${strip_cmd}
    DEPENDS ${src}
    DEPFILE ${obj}.d
    COMMENT "BPF ${file}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${NETTRACE_BPFTOOL} gen skeleton ${obj} name ${name}_bpf > ${skel}
    DEPENDS ${obj}
    COMMENT "skeleton ${name}.skel.h")
  add_custom_target(${target}_gen DEPENDS ${skel})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_gen)
  target_include_directories(${target} INTERFACE ${outdir})
endfunction()

function(nettrace_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;BPF;LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES PREFIX "" OUTPUT_NAME ${name})
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  elseif(DEFINED NETTRACE_BUILD_PLUGIN_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${NETTRACE_BUILD_PLUGIN_DIR})
  endif()
  set(i 0)
  foreach(bpf IN LISTS ARG_BPF)
    nettrace_bpf_skeleton(${name}_skel${i} ${bpf})
    target_link_libraries(${name} PRIVATE ${name}_skel${i})
    math(EXPR i "${i} + 1")
  endforeach()
  # No undefined symbols: a plugin carries everything but system libraries.
  # Export only the descriptor, so plugins cannot collide with each other.
  target_link_options(${name} PRIVATE -Wl,--no-undefined
    -Wl,--version-script=${NETTRACE_PLUGIN_VERSION_SCRIPT})
  target_link_libraries(${name} PRIVATE nettrace::sdk ${ARG_LIBRARIES})
endfunction()

function(nettrace_install_plugin)
  install(TARGETS ${ARGN} LIBRARY DESTINATION ${NETTRACE_INSTALL_PLUGIN_DIR}
          COMPONENT runtime)
endfunction()
