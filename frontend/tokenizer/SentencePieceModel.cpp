//===- SentencePieceModel.cpp - tokenizer.model read and written ----------===//
#include "frontend/tokenizer/SentencePieceModel.h"

#include "runtime/tokenizer/Utf8.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace tern::tok {

namespace {

// sentencepiece_model.proto field numbers (ModelProto and its messages).
enum : uint32_t {
  kModelPieces = 1,
  kModelTrainerSpec = 2,
  kModelNormalizerSpec = 3,
  kPiecePiece = 1,
  kPieceScore = 2,
  kPieceType = 3,
  kTrainerModelType = 3,
  kTrainerByteFallback = 35,
  kTrainerUnkId = 40,
  kTrainerBosId = 41,
  kTrainerEosId = 42,
  kTrainerPadId = 43,
  kNormName = 1,
  kNormCharsmap = 2,
  kNormAddDummyPrefix = 3,
  kNormRemoveExtraWhitespaces = 4,
  kNormEscapeWhitespaces = 5,
};
// SentencePiece.Type
enum : int { kSpNormal = 1, kSpUnknown = 2, kSpControl = 3,
             kSpUserDefined = 4, kSpUnused = 5, kSpByte = 6 };

/// A minimal protobuf wire-format reader: fields of one message.
class Wire {
public:
  explicit Wire(std::string_view b) : b_(b) {}
  /// Next field: its number, wire type, and (for varint / fixed32) value or
  /// (for length-delimited) bytes. False at the end or on malformed input.
  bool next(uint32_t *field, uint32_t *type, uint64_t *value,
            std::string_view *bytes) {
    if (at_ >= b_.size())
      return false;
    uint64_t tag;
    if (!varint(&tag))
      return false;
    *field = static_cast<uint32_t>(tag >> 3);
    *type = static_cast<uint32_t>(tag & 7);
    switch (*type) {
    case 0:
      return varint(value);
    case 1:
      if (b_.size() - at_ < 8)
        return false;
      at_ += 8;
      return true;
    case 2: {
      uint64_t len;
      if (!varint(&len) || len > b_.size() - at_)
        return false;
      *bytes = b_.substr(at_, len);
      at_ += len;
      return true;
    }
    case 5:
      if (b_.size() - at_ < 4)
        return false;
      *value = 0;
      for (int i = 3; i >= 0; --i)
        *value = (*value << 8) | static_cast<uint8_t>(b_[at_ + i]);
      at_ += 4;
      return true;
    default:
      return false;
    }
  }
  bool done() const { return at_ >= b_.size(); }

private:
  bool varint(uint64_t *v) {
    *v = 0;
    for (int shift = 0; shift < 64 && at_ < b_.size(); shift += 7) {
      uint8_t c = static_cast<uint8_t>(b_[at_++]);
      *v |= uint64_t(c & 0x7f) << shift;
      if (!(c & 0x80))
        return true;
    }
    return false;
  }
  std::string_view b_;
  size_t at_ = 0;
};

void putVarint(std::string *out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void putTag(std::string *out, uint32_t field, uint32_t type) {
  putVarint(out, (uint64_t(field) << 3) | type);
}
void putBytes(std::string *out, uint32_t field, std::string_view b) {
  putTag(out, field, 2);
  putVarint(out, b.size());
  out->append(b);
}
void putInt(std::string *out, uint32_t field, int64_t v) {
  putTag(out, field, 0);
  putVarint(out, static_cast<uint64_t>(v)); // int32 negatives: 10 bytes
}
void putFloat(std::string *out, uint32_t field, float f) {
  putTag(out, field, 5);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  for (int i = 0; i < 4; ++i)
    out->push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}


} // namespace

bool tokenizerFromSentencePiece(std::string_view bytes, const std::string &name,
                                Tokenizer *out, std::string *err) {
  auto fail = [&](const std::string &msg) {
    *err = name + ": " + msg;
    return false;
  };
  TokenizerData d;
  int64_t unkId = 0, bosId = 1, eosId = 2; // TrainerSpec's defaults
  int modelType = 1; // UNIGRAM, the proto's default
  bool byteFallback = false, addDummyPrefix = true, removeExtra = true;
  std::string normName, charsmap;
  Wire top(bytes);
  uint32_t field, type;
  uint64_t value;
  std::string_view sub;
  bool malformed = false;
  while (!top.done()) {
    if (!top.next(&field, &type, &value, &sub)) {
      malformed = true;
      break;
    }
    if (type != 2)
      continue;
    Wire w(sub);
    uint32_t f, t;
    uint64_t v;
    std::string_view s;
    if (field == kModelPieces) {
      std::string piece;
      float score = 0.f;
      int ptype = kSpNormal;
      while (!w.done()) {
        if (!w.next(&f, &t, &v, &s)) {
          malformed = true;
          break;
        }
        if (f == kPiecePiece && t == 2)
          piece = std::string(s);
        else if (f == kPieceScore && t == 5) {
          uint32_t bits = static_cast<uint32_t>(v);
          std::memcpy(&score, &bits, 4);
        } else if (f == kPieceType && t == 0)
          ptype = static_cast<int>(v);
      }
      d.tokens.push_back(piece);
      d.scores.push_back(score);
      d.token_types.push_back(ptype == kSpUnknown      ? kTokenUnknown
                              : ptype == kSpControl    ? kTokenControl
                              : ptype == kSpUserDefined ? kTokenUserDefined
                              : ptype == kSpUnused     ? kTokenUnused
                              : ptype == kSpByte       ? kTokenByte
                                                       : kTokenNormal);
    } else if (field == kModelTrainerSpec) {
      while (w.next(&f, &t, &v, &s)) {
        if (f == kTrainerModelType && t == 0)
          modelType = static_cast<int>(v);
        else if (f == kTrainerByteFallback && t == 0)
          byteFallback = v != 0;
        else if (f == kTrainerUnkId && t == 0)
          unkId = static_cast<int32_t>(v);
        else if (f == kTrainerBosId && t == 0)
          bosId = static_cast<int32_t>(v);
        else if (f == kTrainerEosId && t == 0)
          eosId = static_cast<int32_t>(v);
      }
    } else if (field == kModelNormalizerSpec) {
      while (w.next(&f, &t, &v, &s)) {
        if (f == kNormName && t == 2)
          normName = std::string(s);
        else if (f == kNormCharsmap && t == 2)
          charsmap = std::string(s);
        else if (f == kNormAddDummyPrefix && t == 0)
          addDummyPrefix = v != 0;
        else if (f == kNormRemoveExtraWhitespaces && t == 0)
          removeExtra = v != 0;
      }
    }
  }
  if (malformed)
    return fail("not a SentencePiece model: the protobuf is malformed");
  if (d.tokens.empty())
    return fail("not a SentencePiece model: it has no pieces");
  if (modelType != 2)
    return fail(std::string("a SentencePiece ") +
                (modelType == 1 ? "Unigram" : modelType == 3 ? "word" : "char") +
                " model: tern implements BPE models (LLaMA's) only");
  if (!charsmap.empty() || (!normName.empty() && normName != "identity"))
    return fail("the SentencePiece normalizer \"" +
                escapeForDisplay(normName, 40) +
                "\" is not implemented (only \"identity\", as LLaMA's)");
  if (removeExtra)
    return fail("remove_extra_whitespaces is set in the normalizer spec, "
                "which tern does not implement");
  d.pipeline = Pipeline::sentencePiece(ModelKind::Spm, addDummyPrefix);
  d.pipeline.byte_fallback = byteFallback;
  d.ignore_merges = false;
  const int64_t V = static_cast<int64_t>(d.tokens.size());
  auto idIf = [&](int64_t id, int type) {
    return id >= 0 && id < V && d.token_types[id] == type
               ? static_cast<int32_t>(id)
               : -1;
  };
  d.unk = idIf(unkId, kTokenUnknown);
  if (d.unk < 0)
    return fail("unk_id " + std::to_string(unkId) +
                " is not the model's unknown piece");
  d.bos = idIf(bosId, kTokenControl);
  d.eos = idIf(eosId, kTokenControl);
  d.chat_template = ChatTemplateKind::None;
  return Tokenizer::fromData(std::move(d), name, out, err);
}

bool tokenizerFromSentencePieceFile(const std::string &path, Tokenizer *out,
                                    std::string *err) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    *err = path + ": cannot open: " + buf.getError().message();
    return false;
  }
  const llvm::StringRef bytes = (*buf)->getBuffer();
  return tokenizerFromSentencePiece(std::string_view(bytes.data(), bytes.size()),
                                    path, out, err);
}

bool writeSentencePieceModel(const TokenizerData &input, const std::string &path,
                             std::string *err) {
  Tokenizer checked;
  if (!Tokenizer::fromData(input, path, &checked, err))
    return false;
  const TokenizerData &d = checked.data();
  if (d.pipeline.model != ModelKind::Spm) {
    *err = path + ": only a score (SentencePiece) model can be written as "
                  "tokenizer.model";
    return false;
  }
  if (d.unk < 0) {
    *err = path + ": a SentencePiece model needs an unknown token";
    return false;
  }
  std::string proto;
  for (size_t i = 0; i < d.tokens.size(); ++i) {
    std::string piece;
    putBytes(&piece, kPiecePiece, d.tokens[i]);
    putFloat(&piece, kPieceScore, d.scores[i]);
    int t = d.token_types[i];
    int sp = static_cast<int32_t>(i) == d.unk ? kSpUnknown
             : t == kTokenControl             ? kSpControl
             : t == kTokenUserDefined         ? kSpUserDefined
             : t == kTokenUnused              ? kSpUnused
             : t == kTokenByte                ? kSpByte
                                              : kSpNormal;
    putInt(&piece, kPieceType, sp);
    putBytes(&proto, kModelPieces, piece);
  }
  std::string trainer;
  putInt(&trainer, kTrainerModelType, 2); // BPE
  putInt(&trainer, kTrainerByteFallback, d.pipeline.byte_fallback ? 1 : 0);
  putInt(&trainer, kTrainerUnkId, d.unk);
  putInt(&trainer, kTrainerBosId, d.bos);
  putInt(&trainer, kTrainerEosId, d.eos);
  putInt(&trainer, kTrainerPadId, -1);
  putBytes(&proto, kModelTrainerSpec, trainer);
  std::string norm;
  putBytes(&norm, kNormName, "identity");
  putInt(&norm, kNormAddDummyPrefix, d.pipeline.addsDummyPrefix() ? 1 : 0);
  putInt(&norm, kNormRemoveExtraWhitespaces, 0);
  putInt(&norm, kNormEscapeWhitespaces, 1);
  putBytes(&proto, kModelNormalizerSpec, norm);

  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(proto.data(), 1, proto.size(), f) != proto.size() ||
      std::fclose(f) != 0) {
    *err = path + ": cannot write: " + std::strerror(errno);
    return false;
  }
  return true;
}

bool sentencePieceFromBpe(const TokenizerData &bpe, TokenizerData *out,
                          std::string *err) {
  if (bpe.pipeline.byteLevel()) {
    *err = "a byte-level vocabulary has no SentencePiece form";
    return false;
  }
  TokenizerData d = bpe;
  std::unordered_map<std::string, int32_t> byText;
  for (size_t i = 0; i < d.tokens.size(); ++i)
    byText.emplace(d.tokens[i], static_cast<int32_t>(i));
  d.scores.assign(d.tokens.size(), -1e9f);
  std::vector<uint8_t> scored(d.tokens.size(), 0);
  for (size_t r = 0; r < d.merges.size(); ++r) {
    auto it = byText.find(d.merges[r].first + d.merges[r].second);
    if (it != byText.end() && !scored[it->second]) {
      d.scores[it->second] = -static_cast<float>(r);
      scored[it->second] = 1;
    }
  }
  if (d.token_types.empty())
    d.token_types.assign(d.tokens.size(), kTokenNormal);
  for (size_t i = 0; i < d.tokens.size(); ++i) {
    uint32_t cp;
    if (static_cast<int32_t>(i) == d.unk)
      d.token_types[i] = kTokenUnknown;
    else if (byteFallbackValue(d.tokens[i]) >= 0 && d.token_types[i] == kTokenNormal)
      d.token_types[i] = kTokenByte;
    else if (!scored[i] && decodeUtf8(d.tokens[i], 0, &cp) == d.tokens[i].size())
      d.scores[i] = 0.f; // single characters: never the result of a merge
  }
  d.merges.clear();
  d.special_ids.clear(); // the types say which are control
  d.pipeline = Pipeline::sentencePiece(ModelKind::Spm,
                                       bpe.pipeline.addsDummyPrefix());
  d.pipeline.byte_fallback = bpe.pipeline.byte_fallback;
  d.ignore_merges = false;
  *out = std::move(d);
  return true;
}

} // namespace tern::tok
