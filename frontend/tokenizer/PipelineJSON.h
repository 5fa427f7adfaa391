//===- PipelineJSON.h - tokenizer.json pipelines to and from JSON -*- C++ -*-===//
//
// The "normalizer", "pre_tokenizer" and "decoder" objects of a tokenizer.json
// read into a Pipeline (runtime/tokenizer/Pipeline.h), nested Sequences
// flattened, and written back. Every type tern does not implement is an
// error naming the section, its position and the type, e.g.
//   pre_tokenizer.pretokenizers[1]: unsupported pre-tokenizer type "BertPreTokenizer"
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_TOKENIZER_PIPELINEJSON_H
#define TERN_FRONTEND_TOKENIZER_PIPELINEJSON_H

#include "runtime/tokenizer/Pipeline.h"

#include "llvm/Support/JSON.h"

#include <string>

namespace tern::tok {

/// Fills p->normalizers, pre_tokenizers and decoders from the three
/// objects of `root` (each may be null or absent).
bool pipelineFromJSON(const llvm::json::Object &root, Pipeline *p,
                      std::string *err);

/// The three objects for `p`, as HF writes them (null when empty).
llvm::json::Value normalizerToJSON(const Pipeline &p);
llvm::json::Value preTokenizerToJSON(const Pipeline &p);
llvm::json::Value decoderToJSON(const Pipeline &p);

} // namespace tern::tok

#endif
