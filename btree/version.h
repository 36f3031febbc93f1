/// @file
/// Library version of bee.
#ifndef BEE_BTREE_VERSION_H_
#define BEE_BTREE_VERSION_H_

namespace bee::btree {

/// The version of this library, "major.minor.patch" (the CMake project's
/// version); static storage, any thread.
const char* LibraryVersion();

}  // namespace bee::btree

#endif  // BEE_BTREE_VERSION_H_
