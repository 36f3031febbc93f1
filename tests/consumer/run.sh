#!/usr/bin/env bash
# Installs a built bee into a fresh prefix and builds programs against it,
# as a user would, then runs them (each opens a store, puts, gets back):
#   1. find_package(bee CONFIG) + bee::bee (C++) and bee::shared (C);
#   2. pkg-config bee (C++, static libraries) and bee_c (C, libbee.so);
#   3. add_subdirectory(bee) + bee::bee;
#   4. the installed Python package, imported with PYTHONPATH alone (no
#      BEE_LIBRARY: it finds the installed libbee.so by its _paths.py),
#      reads a store the C program wrote.
# Also: every installed public header compiles on its own (bee_c.h as C99)
# and reaches no internal/ header (none is installed), the package version
# is the project's, and an incompatible version request fails. ctest runs
# it in non-sanitizer builds (tests/CMakeLists.txt).
#
# usage: run.sh BUILD_DIR SOURCE_DIR LIBDIR BUILD_TYPE VERSION [LAUNCHER]
set -euo pipefail
build=$(realpath "$1") src=$(realpath "$2") libdir=$3 type=$4 version=$5
launcher=${6:-}
work=$build/consumer
prefix=$work/prefix
rm -rf "$work"
mkdir -p "$work"
step() { echo "== consumer: $* ($(date +%T))"; }
configure() {  # source dir, build dir, cmake args... (log in <build dir>.log)
  local s=$1 b=$2
  shift 2
  cmake -S "$s" -B "$b" -DCMAKE_BUILD_TYPE="$type" \
    ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher} \
    ${launcher:+-DCMAKE_C_COMPILER_LAUNCHER=$launcher} "$@" >"$b.log" 2>&1
}
show() { cat "$1" >&2; return 1; }

step "cmake --install into $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in bin/bee bin/bee-dump "$libdir/libbee.so" "$libdir/libbee_btree.a" \
         "$libdir/cmake/bee/beeConfig.cmake" \
         "$libdir/cmake/bee/beeConfigVersion.cmake" \
         "$libdir/pkgconfig/bee.pc" "$libdir/pkgconfig/bee_c.pc" \
         include/bee/btree/bee.h include/bee/btree/bee_c.h \
         lib/python3/dist-packages/bee/__init__.py \
         lib/python3/dist-packages/bee/_paths.py; do
  [ -e "$prefix/$f" ] || { echo "consumer: not installed: $f" >&2; exit 1; }
done
"$prefix/bin/bee" --version | grep -qx "$version" ||
  { echo "consumer: bee --version is not $version" >&2; exit 1; }

step "each public header compiles alone, reaching no internal header"
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
cflags=$(pkg-config --cflags bee)
export cflags
internal=$(cd "$prefix/include/bee" && find . -path '*/internal*')
if [ -n "$internal" ]; then
  echo "consumer: internal headers were installed:" $internal >&2
  exit 1
fi
# -H lists every header each one pulls in: none may be an internal/ one
# (from the installed tree or from anywhere else on the include path).
(cd "$prefix/include/bee" && find . -type d) |
  xargs -I{} mkdir -p "$work/headers/{}"
(cd "$prefix/include/bee" && find . -name '*.h' | sed 's|^\./||' | sort) |
  xargs -P 2 -I{} bash -c 'echo "#include \"{}\"" |
    g++ -std=c++20 -fsyntax-only -Wall -Wextra -Werror -H -x c++ - $cflags \
      2>"$0/{}.H" || { cat "$0/{}.H" >&2; exit 1; }
    if grep -E "^\.+ .*/internal/" "$0/{}.H" >&2; then
      echo "consumer: {} includes an internal header (above)" >&2
      exit 1
    fi' "$work/headers"
echo '#include "btree/bee_c.h"' |
  gcc -std=c99 -pedantic-errors -Wall -Wextra -Werror -fsyntax-only -x c - \
      $(pkg-config --cflags bee_c)

step "find_package(bee CONFIG)"
configure "$src/tests/consumer" "$work/find" -DCMAKE_PREFIX_PATH="$prefix" ||
  show "$work/find.log"
grep -q "found bee $version" "$work/find.log"
cmake --build "$work/find" -j2 >"$work/find-build.log" 2>&1 ||
  { cat "$work/find-build.log"; exit 1; }
"$work/find/consumer_cxx" "$work/db-find-cxx"
"$work/find/consumer_c" "$work/db-find-c"

step "find_package(bee 0.6) is refused (0.x: minor versions differ)"
if configure "$src/tests/consumer" "$work/old" -DCMAKE_PREFIX_PATH="$prefix" \
     -DBEE_WANTS=0.6; then
  echo "consumer: find_package(bee 0.6) accepted bee $version" >&2
  exit 1
fi
grep -q "not accepted" "$work/old.log" || show "$work/old.log"

step "pkg-config bee / bee_c"
[ "$(pkg-config --modversion bee)" = "$version" ]
g++ -std=c++20 -O1 "$src/tests/consumer/main.cc" -o "$work/pc_cxx" \
    $(pkg-config --cflags --libs bee)
gcc -std=c99 -O1 "$src/tests/consumer/main.c" -o "$work/pc_c" \
    $(pkg-config --cflags --libs bee_c) \
    -Wl,-rpath,"$(pkg-config --variable=libdir bee_c)"
"$work/pc_cxx" "$work/db-pc-cxx"
"$work/pc_c" "$work/db-pc-c"

step "add_subdirectory(bee)"
configure "$src/tests/consumer/subdir" "$work/subdir" -DBEE_SOURCE_DIR="$src" \
  -DBEE_WERROR=ON || show "$work/subdir.log"
cmake --build "$work/subdir" -j2 >"$work/subdir-build.log" 2>&1 ||
  { cat "$work/subdir-build.log"; exit 1; }
"$work/subdir/consumer_cxx" "$work/db-subdir"

step "the installed Python package reads the C program's store"
site=$prefix/lib/python3/dist-packages
(cd "$work" && env -u BEE_LIBRARY PYTHONPATH="$site" PYTHONDONTWRITEBYTECODE=1 \
  python3 - "$work/db-find-c" "$prefix/$libdir" "$version" <<'PY'
import os, sys
import bee
store, libdir, version = sys.argv[1:]
lib = bee._find_library()
assert os.path.dirname(lib) == os.path.realpath(libdir), (lib, libdir)
assert bee.library_version() == version, bee.library_version()
with bee.open(store, read_only=True) as db:
    assert db[b"hello"] == b"world", db.get(b"hello")
    print("python consumer: bee %s from %s, hello=%s"
          % (bee.library_version(), lib, db[b"hello"].decode()))
PY
) || { echo "consumer: the installed Python package failed" >&2; exit 1; }
step "all passed"
