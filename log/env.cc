#include "log/env.h"

namespace bee::log {

Status ReplaceFile(Env* env, const std::string& dir, const std::string& name,
                   std::string_view bytes, OpenMode mode, bool sync) {
  const std::string path = dir + "/" + name, tmp = path + ".tmp";
  {
    BEE_ASSIGN_OR_RETURN(auto file, env->OpenFile(tmp, mode));
    BEE_RETURN_IF_ERROR(file->Truncate(0));
    BEE_RETURN_IF_ERROR(file->Write(0, bytes));
    if (sync) BEE_RETURN_IF_ERROR(file->Sync());
  }
  BEE_RETURN_IF_ERROR(env->RenameFile(tmp, path));
  return sync ? env->SyncDir(dir) : Status::OK();
}

}  // namespace bee::log
