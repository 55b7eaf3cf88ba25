# Man pages written in AsciiDoc, rendered with asciidoctor.
#
#   nettrace_add_man_pages(<name>.<section>.adoc...)
#     Renders each page into <build>/man/man<section>/<name>.<section> at
#     build time and installs it under <prefix>/share/man/man<section>.
#     Pages see two attributes: nettrace-version (the nettrace the plugin is
#     built against) and project-version (the calling project's version).
#
# Rendered pages land where `nettrace CMD --help` looks for them: beside the
# build tree's driver in-tree, under the install prefix once installed.

include(GNUInstallDirs)
find_program(NETTRACE_ASCIIDOCTOR asciidoctor)

function(nettrace_add_man_pages)
  if(NOT NETTRACE_ASCIIDOCTOR)
    message(FATAL_ERROR "nettrace: asciidoctor is needed to build man pages "
                        "(Debian package asciidoctor)")
  endif()
  if(DEFINED NETTRACE_MAN_OUTPUT_DIR)
    set(out_root ${NETTRACE_MAN_OUTPUT_DIR})
  else()
    set(out_root ${CMAKE_CURRENT_BINARY_DIR}/man)
  endif()
  foreach(source IN LISTS ARGN)
    get_filename_component(src ${source} ABSOLUTE)
    get_filename_component(file ${src} NAME)
    if(NOT file MATCHES "^(.+)\\.([1-9])\\.adoc$")
      message(FATAL_ERROR "nettrace_add_man_pages: '${file}' is not NAME.SECTION.adoc")
    endif()
    set(page ${CMAKE_MATCH_1}.${CMAKE_MATCH_2})
    set(section ${CMAKE_MATCH_2})
    set(out ${out_root}/man${section}/${page})
    # Warnings fail the build: a page that renders half-broken is a bug.
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${NETTRACE_ASCIIDOCTOR} -b manpage --failure-level=WARN
              -a nettrace-version=${NETTRACE_VERSION}
              -a project-version=${PROJECT_VERSION}
              -D ${out_root}/man${section} ${src}
      DEPENDS ${src}
      COMMENT "man page ${page}"
      VERBATIM)
    string(MAKE_C_IDENTIFIER "man_${page}" target)
    add_custom_target(${target} ALL DEPENDS ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section}
            COMPONENT runtime)
  endforeach()
endfunction()
