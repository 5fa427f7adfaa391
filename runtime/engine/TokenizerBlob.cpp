//===- TokenizerBlob.cpp - tokenizer (de)serialization for .tpack ---------===//
#include "runtime/engine/TokenizerBlob.h"

#include <cstring>
#include <limits>

namespace tern::rt {

const char kTokenizerBlobMagic[8] = {'T', 'E', 'R', 'N', 'T', 'O', 'K', '2'};

namespace {
const char kTokenizerBlobMagicV1[8] = {'T', 'E', 'R', 'N', 'T', 'O', 'K', '1'};
} // namespace

namespace {

void putU32(std::string *out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i)
    b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(b, 4);
}

void putI32(std::string *out, int32_t v) { putU32(out, static_cast<uint32_t>(v)); }

bool putString(std::string *out, const std::string &s) {
  if (s.size() > std::numeric_limits<uint32_t>::max())
    return false;
  putU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
  return true;
}

/// Bounds-checked little-endian reader.
class Reader {
public:
  Reader(const uint8_t *p, size_t n) : p_(p), n_(n) {}
  size_t left() const { return n_ - at_; }
  size_t at() const { return at_; }
  bool u32(uint32_t *v) {
    if (left() < 4)
      return false;
    *v = uint32_t(p_[at_]) | uint32_t(p_[at_ + 1]) << 8 |
         uint32_t(p_[at_ + 2]) << 16 | uint32_t(p_[at_ + 3]) << 24;
    at_ += 4;
    return true;
  }
  bool i32(int32_t *v) {
    uint32_t u;
    if (!u32(&u))
      return false;
    *v = static_cast<int32_t>(u);
    return true;
  }
  bool flag(uint32_t *v, uint32_t max) { return u32(v) && *v <= max; }
  bool string(std::string *s) {
    uint32_t len;
    if (!u32(&len) || left() < len)
      return false;
    s->assign(reinterpret_cast<const char *>(p_ + at_), len);
    at_ += len;
    return true;
  }

private:
  const uint8_t *p_;
  size_t n_;
  size_t at_ = 0;
};

/// The version-2 section (after the special ids).
bool parsePipeline(Reader *r, tern::tok::TokenizerData *d, std::string *err) {
  using namespace tern::tok;
  auto fail = [&](const std::string &msg) {
    *err = "tokenizer blob: " + msg;
    return false;
  };
  uint32_t model, bf, fuse, chat, nScores;
  if (!r->i32(&d->unk) || !r->flag(&model, 1) || !r->flag(&bf, 1) ||
      !r->flag(&fuse, 1) || !r->flag(&chat, 3) || !r->u32(&nScores))
    return fail("truncated or invalid pipeline header");
  Pipeline &p = d->pipeline;
  p = Pipeline();
  p.model = static_cast<ModelKind>(model);
  p.byte_fallback = bf != 0;
  p.fuse_unk = fuse != 0;
  d->chat_template = static_cast<ChatTemplateKind>(chat);
  if (uint64_t(nScores) * 4 > r->left())
    return fail(std::to_string(nScores) + " scores need more bytes than the "
                "blob has");
  d->scores.resize(nScores);
  for (uint32_t i = 0; i < nScores; ++i) {
    uint32_t bits;
    r->u32(&bits);
    std::memcpy(&d->scores[i], &bits, 4);
  }
  uint32_t n, a, b, c, e, f, g, h;
  if (!r->u32(&n) || uint64_t(n) * 20 > r->left())
    return fail("truncated normalizers");
  for (uint32_t i = 0; i < n; ++i) {
    NormalizerStep s;
    if (!r->flag(&a, NormalizerStep::Strip) || !r->string(&s.pattern) ||
        !r->flag(&b, 1) || !r->string(&s.content) || !r->flag(&c, 1) ||
        !r->flag(&e, 1))
      return fail("truncated or invalid normalizer " + std::to_string(i));
    s.kind = static_cast<NormalizerStep::Kind>(a);
    s.regex = b, s.left = c, s.right = e;
    p.normalizers.push_back(std::move(s));
  }
  if (!r->u32(&n) || uint64_t(n) * 44 > r->left())
    return fail("truncated pre-tokenizers");
  for (uint32_t i = 0; i < n; ++i) {
    PreTokenizerStep s;
    uint32_t beh, split;
    if (!r->flag(&a, PreTokenizerStep::Metaspace) || !r->string(&s.pattern) ||
        !r->flag(&b, 1) || !r->flag(&beh, 4) || !r->flag(&c, 1) ||
        !r->flag(&e, 1) || !r->flag(&f, 1) || !r->flag(&g, 1) ||
        !r->string(&s.replacement) || !r->flag(&h, 2) || !r->flag(&split, 1))
      return fail("truncated or invalid pre-tokenizer " + std::to_string(i));
    s.kind = static_cast<PreTokenizerStep::Kind>(a);
    s.regex = b;
    s.behavior = static_cast<SplitBehavior>(beh);
    s.invert = c, s.add_prefix_space = e, s.use_regex = f;
    s.individual_digits = g;
    s.prepend_scheme = static_cast<PreTokenizerStep::Prepend>(h);
    s.split = split;
    p.pre_tokenizers.push_back(std::move(s));
  }
  if (!r->u32(&n) || uint64_t(n) * 24 > r->left())
    return fail("truncated decoders");
  for (uint32_t i = 0; i < n; ++i) {
    DecoderStep s;
    if (!r->flag(&a, DecoderStep::Metaspace) || !r->string(&s.pattern) ||
        !r->string(&s.content) || !r->i32(&s.start) || !r->i32(&s.stop) ||
        !r->flag(&h, 2))
      return fail("truncated or invalid decoder " + std::to_string(i));
    s.kind = static_cast<DecoderStep::Kind>(a);
    s.prepend_scheme = static_cast<PreTokenizerStep::Prepend>(h);
    p.decoders.push_back(std::move(s));
  }
  return true;
}

} // namespace

bool serializeTokenizer(const tern::tok::TokenizerData &d, std::string *out,
                        std::string *err) {
  auto fail = [&](const std::string &msg) {
    if (err)
      *err = "tokenizer blob: " + msg;
    return false;
  };
  const uint64_t limit = std::numeric_limits<uint32_t>::max();
  if (d.tokens.size() > limit || d.merges.size() > limit ||
      d.token_types.size() > limit || d.special_ids.size() > limit)
    return fail("too many entries");
  std::string blob;
  blob.append(kTokenizerBlobMagic, 8);
  putU32(&blob, static_cast<uint32_t>(d.tokens.size()));
  putU32(&blob, static_cast<uint32_t>(d.merges.size()));
  putU32(&blob, static_cast<uint32_t>(d.token_types.size()));
  putU32(&blob, static_cast<uint32_t>(d.special_ids.size()));
  putI32(&blob, d.bos);
  putI32(&blob, d.eos);
  putI32(&blob, d.eot);
  putU32(&blob, d.ignore_merges ? 1u : 0u);
  for (const std::string &t : d.tokens)
    if (!putString(&blob, t))
      return fail("a token longer than 4 GiB");
  for (const auto &m : d.merges)
    if (!putString(&blob, m.first) || !putString(&blob, m.second))
      return fail("a merge longer than 4 GiB");
  for (int32_t t : d.token_types)
    putI32(&blob, t);
  for (int32_t id : d.special_ids)
    putI32(&blob, id);

  // Version 2: the pipeline, scores, unk, the chat format.
  const tern::tok::Pipeline &p = d.pipeline;
  if (d.scores.size() > limit)
    return fail("too many scores");
  putI32(&blob, d.unk);
  putU32(&blob, static_cast<uint32_t>(p.model));
  putU32(&blob, p.byte_fallback ? 1u : 0u);
  putU32(&blob, p.fuse_unk ? 1u : 0u);
  putU32(&blob, static_cast<uint32_t>(d.chat_template));
  putU32(&blob, static_cast<uint32_t>(d.scores.size()));
  for (float f : d.scores) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    putU32(&blob, bits);
  }
  bool ok = true;
  putU32(&blob, static_cast<uint32_t>(p.normalizers.size()));
  for (const auto &n : p.normalizers) {
    putU32(&blob, n.kind);
    ok &= putString(&blob, n.pattern);
    putU32(&blob, n.regex);
    ok &= putString(&blob, n.content);
    putU32(&blob, n.left);
    putU32(&blob, n.right);
  }
  putU32(&blob, static_cast<uint32_t>(p.pre_tokenizers.size()));
  for (const auto &t : p.pre_tokenizers) {
    putU32(&blob, t.kind);
    ok &= putString(&blob, t.pattern);
    putU32(&blob, t.regex);
    putU32(&blob, static_cast<uint32_t>(t.behavior));
    putU32(&blob, t.invert);
    putU32(&blob, t.add_prefix_space);
    putU32(&blob, t.use_regex);
    putU32(&blob, t.individual_digits);
    ok &= putString(&blob, t.replacement);
    putU32(&blob, t.prepend_scheme);
    putU32(&blob, t.split);
  }
  putU32(&blob, static_cast<uint32_t>(p.decoders.size()));
  for (const auto &x : p.decoders) {
    putU32(&blob, x.kind);
    ok &= putString(&blob, x.pattern);
    ok &= putString(&blob, x.content);
    putI32(&blob, x.start);
    putI32(&blob, x.stop);
    putU32(&blob, x.prepend_scheme);
  }
  if (!ok)
    return fail("a pipeline string longer than 4 GiB");
  *out = std::move(blob);
  return true;
}

bool looksLikeTokenizerBlob(const uint8_t *bytes, size_t size) {
  return size >= 8 && (std::memcmp(bytes, kTokenizerBlobMagic, 8) == 0 ||
                       std::memcmp(bytes, kTokenizerBlobMagicV1, 8) == 0);
}

bool parseTokenizerBlob(const uint8_t *bytes, size_t size,
                        tern::tok::TokenizerData *out, std::string *err) {
  auto fail = [&](const std::string &msg) {
    *err = "tokenizer blob: " + msg;
    return false;
  };
  if (!bytes && size)
    return fail("no data");
  if (!looksLikeTokenizerBlob(bytes, size))
    return fail("bad magic (expected \"TERNTOK2\" or \"TERNTOK1\")");
  const bool v1 = std::memcmp(bytes, kTokenizerBlobMagicV1, 8) == 0;
  Reader r(bytes + 8, size - 8);
  uint32_t nTokens, nMerges, nTypes, nSpecials, ignore;
  tern::tok::TokenizerData d;
  if (!r.u32(&nTokens) || !r.u32(&nMerges) || !r.u32(&nTypes) ||
      !r.u32(&nSpecials) || !r.i32(&d.bos) || !r.i32(&d.eos) ||
      !r.i32(&d.eot) || !r.u32(&ignore))
    return fail("truncated header (" + std::to_string(size) + " bytes)");
  if (ignore > 1)
    return fail("ignore_merges is " + std::to_string(ignore) +
                ", expected 0 or 1");
  d.ignore_merges = ignore != 0;
  // Every entry takes at least 4 bytes: reject impossible counts before
  // reserving memory for them.
  const uint64_t minBytes = 4 * (uint64_t(nTokens) + 2 * uint64_t(nMerges) +
                                 uint64_t(nTypes) + uint64_t(nSpecials));
  if (minBytes > r.left())
    return fail("counts (" + std::to_string(nTokens) + " tokens, " +
                std::to_string(nMerges) + " merges, " + std::to_string(nTypes) +
                " types, " + std::to_string(nSpecials) +
                " special ids) need more bytes than the blob has (" +
                std::to_string(size) + ")");
  d.tokens.resize(nTokens);
  for (uint32_t i = 0; i < nTokens; ++i)
    if (!r.string(&d.tokens[i]))
      return fail("truncated in token " + std::to_string(i));
  d.merges.resize(nMerges);
  for (uint32_t i = 0; i < nMerges; ++i)
    if (!r.string(&d.merges[i].first) || !r.string(&d.merges[i].second))
      return fail("truncated in merge " + std::to_string(i));
  d.token_types.resize(nTypes);
  for (uint32_t i = 0; i < nTypes; ++i)
    if (!r.i32(&d.token_types[i]))
      return fail("truncated in token type " + std::to_string(i));
  d.special_ids.resize(nSpecials);
  for (uint32_t i = 0; i < nSpecials; ++i)
    if (!r.i32(&d.special_ids[i]))
      return fail("truncated in special id " + std::to_string(i));
  if (!v1 && !parsePipeline(&r, &d, err))
    return false;
  if (r.left() != 0)
    return fail(std::to_string(r.left()) + " unexpected bytes after the data");
  *out = std::move(d);
  return true;
}

} // namespace tern::rt
