# Warning and sanitizer flags, applied to our own targets only (never globally).
function(bee_configure_target target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual)
  # GCC 12 reports false -Wrestrict overlaps when std::string operator+ is
  # inlined at -O2 (GCC bug 105651); no code of ours can trigger a real one.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(BEE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  bee_sanitize(${target})
endfunction()

# Sanitizers apply to every target that runs our code (also generated code).
function(bee_sanitize target)
  if(BEE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${BEE_SANITIZE}
                           -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${BEE_SANITIZE})
  endif()
  if(BEE_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      message(FATAL_ERROR "BEE_FUZZ needs clang (the fuzz preset sets it)")
    endif()
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

# A library that consumers link (bee::<name>, installed and exported as
# such) and that libbee.so bundles: position-independent, so the shared
# library can take its objects. Without semantic interposition GCC still
# inlines and optimizes calls between our own functions as in a non-PIC
# build (libbee.so exports only the C API, so nothing can interpose them).
function(bee_library_target target name)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON
                        EXPORT_NAME ${name})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -fno-semantic-interposition)
  endif()
endfunction()
