//===- Pipeline.cpp - What a tokenizer does around its vocabulary ---------===//
#include "runtime/tokenizer/Pipeline.h"


namespace tern::tok {

namespace {
const char kMetaspace[] = "\xE2\x96\x81"; // U+2581 LOWER ONE EIGHTH BLOCK
const char kLlama3Pattern[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
} // namespace

const char *Pipeline::llama3SplitPattern() { return kLlama3Pattern; }

Pipeline Pipeline::llama3() {
  Pipeline p;
  PreTokenizerStep split;
  split.kind = PreTokenizerStep::Split;
  split.pattern = kLlama3Pattern;
  split.regex = true;
  split.behavior = SplitBehavior::Isolated;
  PreTokenizerStep bl;
  bl.kind = PreTokenizerStep::ByteLevel;
  bl.use_regex = false;
  p.pre_tokenizers = {split, bl};
  DecoderStep d;
  d.kind = DecoderStep::ByteLevel;
  p.decoders = {d};
  return p;
}

Pipeline Pipeline::sentencePiece(ModelKind model, bool addDummyPrefix) {
  Pipeline p;
  p.model = model;
  NormalizerStep prepend;
  prepend.kind = NormalizerStep::Prepend;
  prepend.content = kMetaspace;
  NormalizerStep replace;
  replace.kind = NormalizerStep::Replace;
  replace.pattern = " ";
  replace.content = kMetaspace;
  p.normalizers = {prepend, replace};
  DecoderStep r;
  r.kind = DecoderStep::Replace;
  r.pattern = kMetaspace;
  r.content = " ";
  DecoderStep bf;
  bf.kind = DecoderStep::ByteFallback;
  DecoderStep fuse;
  fuse.kind = DecoderStep::Fuse;
  DecoderStep strip;
  strip.kind = DecoderStep::Strip;
  strip.content = " ";
  strip.start = 1;
  p.decoders = {r, bf, fuse, strip};
  if (!addDummyPrefix) {
    p.normalizers.erase(p.normalizers.begin()); // the Prepend
    p.decoders.pop_back();                       // the Strip
  }
  p.byte_fallback = true;
  p.fuse_unk = model == ModelKind::Bpe;
  return p;
}

bool Pipeline::addsDummyPrefix() const {
  for (const NormalizerStep &n : normalizers)
    if (n.kind == NormalizerStep::Prepend)
      return true;
  return false;
}

int byteFallbackValue(std::string_view t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>')
    return -1;
  auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
  };
  int hi = hex(t[3]), lo = hex(t[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

bool Pipeline::byteLevel() const {
  for (const PreTokenizerStep &s : pre_tokenizers)
    if (s.kind == PreTokenizerStep::ByteLevel)
      return true;
  return false;
}

} // namespace tern::tok
