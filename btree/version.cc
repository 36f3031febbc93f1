#include "btree/version.h"

namespace bee::btree {

const char* LibraryVersion() { return BEE_VERSION_STRING; }

}  // namespace bee::btree
