//===- ModelTokenizer.h - The tokenizer that comes with a model -*- C++ -*-===//
#ifndef TERN_FRONTEND_MODEL_MODELTOKENIZER_H
#define TERN_FRONTEND_MODEL_MODELTOKENIZER_H

#include "frontend/model/Model.h"
#include "runtime/tokenizer/Tokenizer.h"

namespace tern::model {

/// The model's tokenizer: tokenizer.json of an HF checkpoint, or the
/// tokenizer.ggml.* metadata of a GGUF file (model "gpt2"). Fails with a
/// clear message when the model has none.
bool loadTokenizer(const Model &model, tern::tok::Tokenizer *out,
                   std::string *err);

/// Loads a tokenizer from `path`: a tokenizer.json, a directory holding
/// one, or any model loadModel() accepts.
bool loadTokenizerFromPath(const std::string &path, tern::tok::Tokenizer *out,
                           std::string *err);

} // namespace tern::model

#endif
