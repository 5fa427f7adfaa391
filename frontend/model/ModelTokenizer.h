//===- ModelTokenizer.h - The tokenizer that comes with a model -*- C++ -*-===//
#ifndef TERN_FRONTEND_MODEL_MODELTOKENIZER_H
#define TERN_FRONTEND_MODEL_MODELTOKENIZER_H

#include "frontend/model/Model.h"
#include "runtime/tokenizer/Tokenizer.h"

namespace tern::model {

/// The model's tokenizer: tokenizer.json of an HF checkpoint (else its
/// tokenizer.model), or the tokenizer.ggml.* metadata of a GGUF file (model
/// "gpt2", byte-level BPE, or "llama", SentencePiece with scores). Fails
/// with a clear message when the model has none.
bool loadTokenizer(const Model &model, tern::tok::Tokenizer *out,
                   std::string *err);

/// Loads a tokenizer from `path`: a tokenizer.json, a tokenizer.model, a
/// directory holding one, or any model loadModel() accepts.
bool loadTokenizerFromPath(const std::string &path, tern::tok::Tokenizer *out,
                           std::string *err);

/// The pipeline of a GGUF "gpt2" vocabulary whose tokenizer.ggml.pre is
/// `pre` (llama.cpp's names; "" means LLaMA 3's); an unknown name is an
/// error naming `file`.
bool ggufPreTokenizer(const std::string &file, const std::string &pre,
                      tern::tok::Pipeline *p, bool *ignoreMerges,
                      std::string *err);

} // namespace tern::model

#endif
