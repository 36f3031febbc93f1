# Install rules: the libraries a consumer links (bee::bee, the static
# libraries; bee::shared, libbee.so with the C API), the headers they need,
# the `bee` and `bee-dump` tools, a CMake package (find_package(bee CONFIG)),
# pkg-config files (bee: the C++ API; bee_c: the C API in libbee.so) and the
# Python package (python/bee, over libbee.so). tests/consumer/ builds
# programs against the result and imports the Python package from it.
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

# The Python binding (python/bee), with libbee.so: installed into
# BEE_PYTHON_INSTALL_DIR/bee (relative to the prefix, or absolute) with a
# generated _paths.py that names the installed libbee.so, relative to the
# package when both paths are relative (so `cmake --install --prefix DIR`
# works too). Then `PYTHONPATH=PREFIX/lib/python3/dist-packages python3 -c
# "import bee"` needs no BEE_LIBRARY. The default is Debian's directory for
# Python 3 packages, on the path of the system's python3 for prefix /usr.
if(TARGET bee_shared)
  set(BEE_PYTHON_INSTALL_DIR lib/python3/dist-packages CACHE STRING
      "Where cmake --install puts the Python package bee (relative to the prefix, or absolute)")
  set(bee_py_dir ${BEE_PYTHON_INSTALL_DIR}/bee)
  if(IS_ABSOLUTE "${bee_py_dir}" OR IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(bee_py_libdir ${CMAKE_INSTALL_FULL_LIBDIR})
  else()
    file(RELATIVE_PATH bee_py_libdir /p/${bee_py_dir} /p/${CMAKE_INSTALL_LIBDIR})
    string(REGEX REPLACE "/$" "" bee_py_libdir "${bee_py_libdir}")
  endif()
  set(BEE_PY_LIBRARY "${bee_py_libdir}/$<TARGET_SONAME_FILE_NAME:bee_shared>")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/bee_paths.py.in
                 ${PROJECT_BINARY_DIR}/bee_paths.py.in @ONLY)
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/python/bee/_paths.py
       INPUT ${PROJECT_BINARY_DIR}/bee_paths.py.in)
  install(FILES ${PROJECT_SOURCE_DIR}/python/bee/__init__.py
                ${PROJECT_BINARY_DIR}/python/bee/_paths.py
          DESTINATION ${bee_py_dir} COMPONENT python)
endif()
