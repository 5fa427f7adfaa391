//===- LoadInternal.h - Per-format loaders behind loadModel -----*- C++ -*-===//
#ifndef TERN_FRONTEND_MODEL_LOADINTERNAL_H
#define TERN_FRONTEND_MODEL_LOADINTERNAL_H

#include "frontend/model/Model.h"

namespace tern::model {

bool loadHFDirectory(const std::string &dir, Model *out, std::string *err);
bool loadGGUF(const std::string &path, Model *out, std::string *err);

} // namespace tern::model

#endif
