# `cpack -G DEB` in the build tree makes two packages:
#   nettrace      the driver, the bundled plugins, man pages, bash completion,
#                 the exporter's systemd unit (disabled)
#   nettrace-dev  the plugin SDK (headers, libnettrace_*.a, CMake
#                 package, pkg-config file, BPF headers)
# Runtime library dependencies come from dpkg-shlibdeps; the SDK's are the
# -dev packages and the BPF toolchain a plugin build needs.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME nettrace)
set(CPACK_PACKAGE_VENDOR "nettrace")
set(CPACK_PACKAGE_CONTACT "nettrace developers <nettrace@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "eBPF tools that show where the kernel drops packets, and why")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Debug information stays in the build tree; the packages ship stripped.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME nettrace)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
# Opened with dlopen when a filter expression is given, so shlibdeps does
# not see it.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "libpcap0.8 (>= 1.10) | libpcap0.8t64 (>= 1.10)")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "man-db, bash-completion")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
    "eBPF tools that show where the kernel drops packets, and why
 nettrace tcpdrop prints each TCP packet the kernel drops with its reason,
 flow, socket state and kernel stack; nettrace skbstat counts packets per
 kernel function and drop stack; nettrace doctor says what will work on this
 kernel, and why not. Further commands are plugins.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME nettrace-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "nettrace (= ${PROJECT_VERSION}), libbpf-dev, libpcap-dev, libboost-dev, libboost-program-options-dev, libfmt-dev, nlohmann-json3-dev, clang, llvm, bpftool, cmake, pkg-config, asciidoctor")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "SDK for nettrace plugins
 Headers of the nettrace plugin ABI and of the library the bundled plugins
 share, with the CMake package and pkg-config file to build plugins out of
 tree.")
# Debian looks for a package's licenses in /usr/share/doc/PACKAGE/copyright:
# the MIT text of LICENSE, and which files GPL-2.0 covers instead.
file(READ ${PROJECT_SOURCE_DIR}/LICENSE NETTRACE_MIT_LICENSE)
string(STRIP "${NETTRACE_MIT_LICENSE}" NETTRACE_MIT_LICENSE)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/LICENSE)
configure_file(${PROJECT_SOURCE_DIR}/cmake/copyright.in ${CMAKE_BINARY_DIR}/copyright @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/copyright
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/nettrace COMPONENT runtime)
install(FILES ${CMAKE_BINARY_DIR}/copyright
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/nettrace-dev COMPONENT dev)

# The exporter's systemd unit, where Debian packages keep units. Only
# the package ships it (EXCLUDE_FROM_ALL: cpack installs each component
# by name), since its ExecStart names /usr/bin/nettrace; an install to
# another prefix leaves it out. Installed disabled: nothing enables it.
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/nettrace-exporter.service
        DESTINATION /lib/systemd/system COMPONENT runtime EXCLUDE_FROM_ALL)

include(CPack)
