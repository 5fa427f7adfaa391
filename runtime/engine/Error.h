//===- Error.h - one-line errors into caller buffers ------------*- C++ -*-===//
//
// The C API reports failures as one line in a caller-owned char buffer.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_ENGINE_ERROR_H
#define TERN_RUNTIME_ENGINE_ERROR_H

#include <cstddef>
#include <cstring>
#include <string>

namespace tern::rt {

/// Copies `msg` into err[0, len) (truncated, always NUL-terminated when len >
/// 0). err may be NULL.
inline void setError(char *err, size_t len, const std::string &msg) {
  if (!err || len == 0)
    return;
  size_t n = msg.size() < len - 1 ? msg.size() : len - 1;
  std::memcpy(err, msg.data(), n);
  err[n] = '\0';
}

} // namespace tern::rt

#endif
