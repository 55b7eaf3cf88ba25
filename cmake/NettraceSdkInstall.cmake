# What `cmake --install` puts in place for plugin authors (component dev):
#   include/nettrace/               the plugin ABI and the common library's headers
#   include/nettrace/bpf/           vmlinux.h and nettrace/*.bpf.h for BPF programs
#   lib/libnettrace_{cli,kernel,output,preflight,pcap,bpf,tool}.a
#                                   the rooms of the library the bundled
#                                   plugins share (nettrace::common)
#   lib/cmake/nettrace/             find_package(nettrace) with the build functions
#   lib/pkgconfig/nettrace.pc       the same for builds without CMake
include(CMakePackageConfigHelpers)

install(FILES include/nettrace/plugin.h include/nettrace/plugin.hpp include/nettrace/errors.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nettrace COMPONENT dev)
foreach(room cli kernel output preflight pcap bpf tool)
  install(DIRECTORY common/${room}/include/nettrace/common
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nettrace COMPONENT dev)
endforeach()
install(DIRECTORY common/compat/include/nettrace/common
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nettrace COMPONENT dev)
install(FILES bpf/vmlinux.h DESTINATION ${NETTRACE_BPF_INSTALL_INCLUDE_DIR} COMPONENT dev)
install(DIRECTORY bpf/nettrace DESTINATION ${NETTRACE_BPF_INSTALL_INCLUDE_DIR} COMPONENT dev)

install(TARGETS nettrace_sdk nettrace_common nettrace_cli nettrace_kernel nettrace_output
                nettrace_preflight nettrace_pcap nettrace_bpf nettrace_tool EXPORT nettraceTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(EXPORT nettraceTargets NAMESPACE nettrace::
        DESTINATION ${NETTRACE_CMAKE_INSTALL_DIR} COMPONENT dev)

configure_package_config_file(cmake/nettraceConfig.cmake.in
  ${CMAKE_BINARY_DIR}/sdk/nettraceConfig.cmake
  INSTALL_DESTINATION ${NETTRACE_CMAKE_INSTALL_DIR}
  PATH_VARS NETTRACE_BPF_INSTALL_INCLUDE_DIR NETTRACE_CMAKE_INSTALL_DIR)
# Within a major the ABI only grows, so any 0.x/1.x of the same major will do.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/sdk/nettraceConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${CMAKE_BINARY_DIR}/sdk/nettraceConfig.cmake
  ${CMAKE_BINARY_DIR}/sdk/nettraceConfigVersion.cmake
  cmake/NettraceBpf.cmake
  cmake/NettraceManPage.cmake
  cmake/nettrace_plugin.map
  DESTINATION ${NETTRACE_CMAKE_INSTALL_DIR} COMPONENT dev)

# `cmake --install --prefix` may move the tree: the .pc finds the prefix
# from its own folder, one ".." per level of lib/.../pkgconfig.
string(REGEX REPLACE "[^/]+" ".." NETTRACE_PC_TO_PREFIX "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
set(NETTRACE_PC_TO_PREFIX "/${NETTRACE_PC_TO_PREFIX}")
configure_file(cmake/nettrace.pc.in ${CMAKE_BINARY_DIR}/sdk/nettrace.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/sdk/nettrace.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
