#include "btree/version.h"

namespace bee::btree {

const char* LibraryVersion() { return "0.1.0"; }

}  // namespace bee::btree
