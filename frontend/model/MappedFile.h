//===- MappedFile.h - A read-only mapped file -------------------*- C++ -*-===//
#ifndef TERN_FRONTEND_MODEL_MAPPEDFILE_H
#define TERN_FRONTEND_MODEL_MAPPEDFILE_H

#include <cstdint>
#include <memory>
#include <string>

namespace llvm {
class MemoryBuffer;
}

namespace tern::model {

/// A whole file, mmapped read-only when large (LLVM's MemoryBuffer).
struct MappedFile {
  std::string path;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  const uint8_t *data() const;
  size_t size() const;
  ~MappedFile();

  /// Maps `path`; on failure a one-line error naming it.
  static bool open(const std::string &path, std::shared_ptr<MappedFile> *out,
                   std::string *err);
};

} // namespace tern::model

#endif
