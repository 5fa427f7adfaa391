//===- MappedFile.cpp - A read-only mapped file ---------------------------===//
#include "frontend/model/MappedFile.h"

#include "llvm/Support/MemoryBuffer.h"

namespace tern::model {

MappedFile::~MappedFile() = default;

const uint8_t *MappedFile::data() const {
  return reinterpret_cast<const uint8_t *>(buffer->getBufferStart());
}
size_t MappedFile::size() const { return buffer->getBufferSize(); }

bool MappedFile::open(const std::string &path,
                      std::shared_ptr<MappedFile> *out, std::string *err) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    if (err)
      *err = path + ": cannot read: " + buf.getError().message();
    return false;
  }
  auto f = std::make_shared<MappedFile>();
  f->path = path;
  f->buffer = std::move(*buf);
  *out = std::move(f);
  return true;
}

} // namespace tern::model
