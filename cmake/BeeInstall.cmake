# Install rules: the libraries a consumer links (bee::bee, the static
# libraries; bee::shared, libbee.so with the C API), the headers they need,
# the `bee` and `bee-dump` tools, a CMake package (find_package(bee CONFIG))
# and pkg-config files (bee: the C++ API; bee_c: the C API in libbee.so).
# tests/consumer/ builds programs against the result.
include(CMakePackageConfigHelpers)

set(BEE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/bee)
# Headers go under include/bee/, since they include each other from the
# repository root ("btree/bee.h"): consumers add include/bee to their path.
set(BEE_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/bee)

# The public headers, and every header they include; no internal/ header is
# installed (none is reachable from these: scripts/check_tree.sh).
# tests/consumer/ compiles each public header alone against the installed
# tree, so a header missing here fails the test.
set(BEE_PUBLIC_HEADERS
  btree/bee.h btree/bee_c.h btree/diff.h btree/entry.h btree/history.h
  btree/import.h btree/inspect.h btree/iterator.h btree/sub.h
  btree/verify.h btree/version.h btree/watch.h
  log/core.h log/crypto.h log/env.h log/proof.h
  encoding/block_codec.h encoding/bytes.h encoding/limits.h
  encoding/result.h encoding/status.h)
foreach(header ${BEE_PUBLIC_HEADERS})
  get_filename_component(dir ${header} DIRECTORY)
  install(FILES ${PROJECT_SOURCE_DIR}/${header}
          DESTINATION ${BEE_INSTALL_INCLUDEDIR}/${dir} COMPONENT dev)
endforeach()

set(bee_targets bee_lib bee_btree bee_log bee_encoding bee_proto)
if(TARGET bee_shared)
  list(APPEND bee_targets bee_shared)
endif()
install(TARGETS ${bee_targets} EXPORT beeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
          NAMELINK_COMPONENT dev
  INCLUDES DESTINATION ${BEE_INSTALL_INCLUDEDIR})
foreach(tool bee bee-dump)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
            COMPONENT tools)
  endif()
endforeach()

install(EXPORT beeTargets NAMESPACE bee:: DESTINATION ${BEE_INSTALL_CMAKEDIR}
        COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/beeConfig.cmake.in
  ${PROJECT_BINARY_DIR}/beeConfig.cmake
  INSTALL_DESTINATION ${BEE_INSTALL_CMAKEDIR})
# 0.x: a new minor version may change the API, so only the same minor
# version (and a later patch) satisfies a request.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/beeConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/beeConfig.cmake
              ${PROJECT_BINARY_DIR}/beeConfigVersion.cmake
        DESTINATION ${BEE_INSTALL_CMAKEDIR} COMPONENT dev)

# Relocatable: the prefix is found from where the .pc file lies, so
# `cmake --install --prefix DIR` works too.
file(RELATIVE_PATH BEE_PC_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" BEE_PC_PREFIX "${BEE_PC_PREFIX}")
foreach(pc bee bee_c)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in
                 ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
endforeach()
