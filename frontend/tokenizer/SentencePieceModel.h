//===- SentencePieceModel.h - tokenizer.model read and written --*- C++ -*-===//
//
// A SentencePiece model file (tokenizer.model: LLaMA 2's vocabulary, which
// 1bitLLM's checkpoints ship) as a tern tokenizer. Debian's libsentencepiece
// loads and validates the file; its pieces, scores and types, and the
// trainer / normalizer options tern needs (model type, byte_fallback,
// add_dummy_prefix, the normalizer), are read from the same protobuf.
// Supported is what LLaMA-family models use: BPE with the identity
// normalizer; a Unigram model or another normalizer is an error naming the
// file. The tokenizer then encodes like SentencePiece's BPE (highest-scoring
// merge first, unknown code points as <0xNN> byte pieces) with HF's per
// section "▁" prefix.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_TOKENIZER_SENTENCEPIECEMODEL_H
#define TERN_FRONTEND_TOKENIZER_SENTENCEPIECEMODEL_H

#include "runtime/tokenizer/Tokenizer.h"

#include <string>
#include <string_view>

namespace tern::tok {

bool tokenizerFromSentencePiece(std::string_view bytes, const std::string &name,
                                Tokenizer *out, std::string *err);
bool tokenizerFromSentencePieceFile(const std::string &path, Tokenizer *out,
                                    std::string *err);

/// Writes `data` (a score model, ModelKind::Spm, with one score per token)
/// as a tokenizer.model that libsentencepiece loads: BPE, byte_fallback, the
/// identity normalizer with add_dummy_prefix.
bool writeSentencePieceModel(const TokenizerData &data, const std::string &path,
                             std::string *err);

/// The score model equivalent to the BPE tokenizer.json of a SentencePiece
/// vocabulary (e.g. LLaMA 2's): each token scores minus the rank of the
/// first merge making it (tokens no merge makes: -1e9), "<0xNN>" tokens
/// become byte pieces, and the pipeline becomes SentencePiece's.
bool sentencePieceFromBpe(const TokenizerData &bpe, TokenizerData *out,
                          std::string *err);

} // namespace tern::tok

#endif
