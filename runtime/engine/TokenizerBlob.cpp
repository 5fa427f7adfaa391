//===- TokenizerBlob.cpp - tokenizer (de)serialization for .tpack ---------===//
#include "runtime/engine/TokenizerBlob.h"

#include <cstring>
#include <limits>

namespace tern::rt {

const char kTokenizerBlobMagic[8] = {'T', 'E', 'R', 'N', 'T', 'O', 'K', '1'};

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
  *out = std::move(blob);
  return true;
}

bool looksLikeTokenizerBlob(const uint8_t *bytes, size_t size) {
  return size >= 8 && std::memcmp(bytes, kTokenizerBlobMagic, 8) == 0;
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
    return fail("bad magic (expected \"TERNTOK1\")");
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
  if (r.left() != 0)
    return fail(std::to_string(r.left()) + " unexpected bytes after the data");
  *out = std::move(d);
  return true;
}

} // namespace tern::rt
