//===- Fail.h - The one-line error idiom of the model library ---*- C++ -*-===//
#ifndef TERN_FRONTEND_MODEL_FAIL_H
#define TERN_FRONTEND_MODEL_FAIL_H

#include <string>

namespace tern::model {

/// Stores `msg` in *err (when err is non-null) and returns false, so that a
/// check reads `return fail(err, file + ": ...");`.
inline bool fail(std::string *err, const std::string &msg) {
  if (err)
    *err = msg;
  return false;
}

} // namespace tern::model

#endif
