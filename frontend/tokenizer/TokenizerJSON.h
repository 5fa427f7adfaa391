//===- TokenizerJSON.h - Hugging Face tokenizer.json reader and writer -*- C++ -*-===//
//
// The frontend side of the tokenizer: reading and writing HF's
// tokenizer.json (llvm::json) into the run-time tokenizer
// (runtime/tokenizer/Tokenizer.h), which compiled models link without LLVM.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_TOKENIZER_TOKENIZERJSON_H
#define TERN_FRONTEND_TOKENIZER_TOKENIZERJSON_H

#include "runtime/tokenizer/Tokenizer.h"

#include <string>
#include <string_view>

namespace tern::tok {

/// Loads a Hugging Face tokenizer.json (BPE with any pipeline Pipeline.h
/// implements; anything else is rejected with an error naming it), with the
/// tokenizer_config.json beside it when there is one.
bool tokenizerFromJSONFile(const std::string &path, Tokenizer *out, std::string *err);
/// The same from text; `name` only appears in error messages; `config` is
/// the text of tokenizer_config.json ("" when there is none).
bool tokenizerFromJSON(std::string_view json, const std::string &name, Tokenizer *out,
                       std::string *err, std::string_view config = {});

/// Writes an HF-style tokenizer.json (model type BPE, byte-level, the LLaMA 3
/// pre-tokenizer split regex, added_tokens, ignore_merges, merges as pairs,
/// a post-processor that prepends the BOS token like Meta's file) for
/// `data`; readable by tokenizerFromJSONFile.
bool writeTokenizerJSON(const TokenizerData &data, const std::string &path,
                        std::string *err);

} // namespace tern::tok

#endif
