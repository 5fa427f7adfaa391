//===- LoadInternal.h - Per-format loaders behind loadModel -----*- C++ -*-===//
#ifndef TERN_FRONTEND_MODEL_LOADINTERNAL_H
#define TERN_FRONTEND_MODEL_LOADINTERNAL_H

#include "frontend/model/Model.h"

namespace tern::model {

/// A tensor record for bytes [offset, offset + bytes) of `path`, mapped at
/// `data`; the caller sets encoding, ternary and scale links.
inline Tensor tensorAt(std::string name, std::string stored_name,
                       std::string path, std::vector<int64_t> shape,
                       uint64_t offset, uint64_t bytes, const uint8_t *data) {
  Tensor t;
  t.name = std::move(name);
  t.stored_name = std::move(stored_name);
  t.path = std::move(path);
  t.shape = std::move(shape);
  t.file_offset = offset;
  t.bytes = bytes;
  t.data = data;
  return t;
}

/// Appends `t` to the model and returns its index.
inline int addTensor(Model *m, Tensor t) {
  m->tensors.push_back(std::move(t));
  return static_cast<int>(m->tensors.size()) - 1;
}

bool loadHFDirectory(const std::string &dir, Model *out, std::string *err);
bool loadGGUF(const std::string &path, Model *out, std::string *err);

} // namespace tern::model

#endif
