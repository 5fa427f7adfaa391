//===- Tokenizer.cpp - LLaMA 3 byte-level BPE tokenizer -------------------===//
#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Normalizer.h"
#include "runtime/tokenizer/Splitter.h"
#include "runtime/tokenizer/Utf8.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstdio>
#include <functional>
#include <unordered_map>
#include <unordered_set>

namespace tern::tok {

namespace {

/// A token quoted for an error message (one line, at most 40 characters).
std::string quote(std::string_view s) {
  return "\"" + escapeForDisplay(s, 40) + "\"";
}

/// Longest-match lookup of added tokens in a byte string.
class SpecialTrie {
public:
  SpecialTrie() { nodes_.emplace_back(); }

  void add(std::string_view text, int32_t id, bool control) {
    int32_t node = 0;
    for (char c : text) {
      uint8_t b = static_cast<uint8_t>(c);
      int32_t next = child(node, b);
      if (next < 0) {
        next = static_cast<int32_t>(nodes_.size());
        nodes_.emplace_back();
        auto &kids = nodes_[node].kids;
        kids.insert(std::lower_bound(kids.begin(), kids.end(),
                                     std::make_pair(b, INT32_MIN)),
                    std::make_pair(b, next));
      }
      node = next;
    }
    nodes_[node].id = id;
    nodes_[node].control = control;
    first_[static_cast<uint8_t>(text[0])] = true;
    any_ = true;
  }

  bool any() const { return any_; }
  bool mayStart(uint8_t b) const { return first_[b]; }

  /// The longest token (control ones only if `allowControl`) that `s`
  /// starts with at `i`: sets *id and returns its length, or returns 0.
  size_t match(std::string_view s, size_t i, bool allowControl,
               int32_t *id) const {
    int32_t node = 0;
    size_t best = 0;
    for (size_t j = i; j < s.size(); ++j) {
      node = child(node, static_cast<uint8_t>(s[j]));
      if (node < 0)
        break;
      const Node &n = nodes_[node];
      if (n.id >= 0 && (allowControl || !n.control)) {
        best = j + 1 - i;
        *id = n.id;
      }
    }
    return best;
  }

private:
  struct Node {
    std::vector<std::pair<uint8_t, int32_t>> kids; ///< sorted by byte
    int32_t id = -1;
    bool control = false;
  };
  int32_t child(int32_t node, uint8_t b) const {
    const auto &kids = nodes_[node].kids;
    auto it = std::lower_bound(kids.begin(), kids.end(),
                               std::make_pair(b, INT32_MIN));
    return it != kids.end() && it->first == b ? it->second : -1;
  }
  std::vector<Node> nodes_;
  std::array<bool, 256> first_{};
  bool any_ = false;
};

uint64_t pairKey(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) |
         static_cast<uint32_t>(b);
}

/// Open-addressing hash table from a merge pair (pairKey) to its rank and
/// result: one probe sequence in a flat array, no allocation per entry.
class MergeTable {
public:
  struct Merge {
    int32_t rank = -1, result = -1;
  };
  void reserve(size_t n) {
    size_t cap = 16;
    shift_ = 60;
    while (cap < 2 * n) {
      cap <<= 1;
      --shift_;
    }
    slots_.assign(cap, Slot());
    mask_ = cap - 1;
  }
  /// Keeps the first value inserted for a key.
  void insert(uint64_t key, Merge m) {
    for (size_t i = hash(key);; i = (i + 1) & mask_) {
      Slot &s = slots_[i];
      if (s.key == kEmpty) {
        s.key = key;
        s.merge = m;
        return;
      }
      if (s.key == key)
        return;
    }
  }
  const Merge *find(uint64_t key) const {
    if (slots_.empty())
      return nullptr;
    for (size_t i = hash(key);; i = (i + 1) & mask_) {
      const Slot &s = slots_[i];
      if (s.key == key)
        return &s.merge;
      if (s.key == kEmpty)
        return nullptr;
    }
  }

private:
  static constexpr uint64_t kEmpty = ~uint64_t(0); // ids are < 2^31
  struct Slot {
    uint64_t key = kEmpty;
    Merge merge;
  };
  size_t hash(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  unsigned shift_ = 60;
};

/// Open-addressing hash table from the raw bytes of a regular token to its
/// id (the bytes live in the tokenizer's `bytes` vector).
class BytesTable {
public:
  void build(const std::vector<std::string> &bytes,
             const std::vector<int32_t> &ids) {
    size_t cap = 16;
    while (cap < 2 * ids.size())
      cap <<= 1;
    slots_.assign(cap, Slot());
    mask_ = cap - 1;
    bytes_ = &bytes;
    for (int32_t id : ids) {
      const std::string &b = bytes[id];
      maxLen_ = std::max(maxLen_, b.size());
      uint64_t h = hash(b);
      for (size_t i = h & mask_;; i = (i + 1) & mask_) {
        Slot &s = slots_[i];
        if (s.id < 0) {
          s.hash = h;
          s.id = id;
          break;
        }
        if (s.hash == h && (*bytes_)[s.id] == b)
          break; // keep the first
      }
    }
  }
  /// The id of the regular token whose bytes are `key`, or -1.
  int32_t find(std::string_view key) const {
    if (slots_.empty() || key.size() > maxLen_)
      return -1;
    uint64_t h = hash(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot &s = slots_[i];
      if (s.id < 0)
        return -1;
      if (s.hash == h && (*bytes_)[s.id] == key)
        return s.id;
    }
  }

private:
  static uint64_t hash(std::string_view s) { // FNV-1a, then mixed
    uint64_t h = 0xcbf29ce484222325ull;
    for (char c : s)
      h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    return h ^ (h >> 29);
  }
  struct Slot {
    uint64_t hash = 0;
    int32_t id = -1;
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t maxLen_ = 0;
  const std::vector<std::string> *bytes_ = nullptr;
};

const TokenizerData &emptyData() {
  static const TokenizerData d;
  return d;
}

} // namespace

struct Tokenizer::Impl {
  TokenizerData data;
  std::string name;
  std::vector<std::string> bytes; ///< id -> bytes as decoded
  std::vector<uint8_t> special;   ///< id -> 1 when special/added
  /// The model's form of every non-control token (raw bytes in a
  /// byte-level pipeline, the text otherwise) -> id.
  BytesTable lookup;
  std::vector<std::string> keys; ///< id -> that form
  std::array<int32_t, 256> byteId{};     ///< byte-level: byte -> token
  std::array<int32_t, 256> fallbackId{}; ///< "<0xNN>" tokens, or -1
  MergeTable merges;
  SpecialTrie specials;
  Normalizer normalizer;
  Splitter splitter;
  bool byteLevel = true;
  /// Decoding: this many copies of stripChar come off the text's start/end.
  int32_t stripStart = 0, stripStop = 0;
  char stripChar = ' ';

  /// Longest piece BPE runs on in one go (symbols are indexed by int32).
  static constexpr size_t kMaxPiece = size_t(1) << 30;

  void encodePiece(std::string_view piece, std::vector<int32_t> *out) const;
  void encodeSection(const std::string &text, size_t sectionIndex,
                     std::vector<int32_t> *out) const;
};

void Tokenizer::Impl::encodePiece(std::string_view piece,
                                  std::vector<int32_t> *out) const {
  if (piece.empty())
    return;
  if (byteLevel && piece.size() == 1) {
    out->push_back(byteId[static_cast<uint8_t>(piece[0])]);
    return;
  }
  if (data.ignore_merges) {
    int32_t id = lookup.find(piece);
    if (id >= 0) {
      out->push_back(id);
      return;
    }
  }
  // BPE over the bytes (byte-level) or code points of the piece. A symbol is
  // a span of the piece; merged symbols absorb their right neighbour.
  // Candidates are ordered by (priority, position of the left symbol): the
  // JS reference uses rank + position / length, which orders the same way;
  // Spm's priority is minus the joined token's score (llama.cpp, and
  // SentencePiece's BPE: highest score first, leftmost on ties).
  struct Sym {
    int32_t id, start, len, prev, next;
    bool alive;
  };
  struct Cand {
    double priority;
    int32_t left, right, leftLen, rightLen, result;
    bool operator>(const Cand &o) const {
      return priority != o.priority ? priority > o.priority : left > o.left;
    }
  };
  if (piece.size() > kMaxPiece) { // absurd input: BPE it in parts
    size_t at = 0;
    while (at < piece.size()) {
      size_t n = std::min(kMaxPiece, piece.size() - at);
      while (!byteLevel && n > 1 && at + n < piece.size() &&
             (static_cast<uint8_t>(piece[at + n]) & 0xC0) == 0x80)
        --n; // whole code points
      encodePiece(piece.substr(at, n), out);
      at += n;
    }
    return;
  }
  // Scratch space reused across calls (encode is const and thread-safe).
  thread_local std::vector<Sym> syms;
  thread_local std::vector<Cand> queue; // a min-heap via std::greater
  syms.clear();
  queue.clear();
  for (size_t i = 0; i < piece.size();) {
    size_t len = 1;
    int32_t id;
    if (byteLevel) {
      id = byteId[static_cast<uint8_t>(piece[i])];
    } else {
      uint32_t cp;
      len = decodeUtf8(piece, i, &cp);
      id = lookup.find(piece.substr(i, len));
    }
    int32_t k = static_cast<int32_t>(syms.size());
    syms.push_back({id, static_cast<int32_t>(i), static_cast<int32_t>(len),
                    k - 1, -1, true});
    if (k > 0)
      syms[k - 1].next = k;
    i += len;
  }
  const bool spm = data.pipeline.model == ModelKind::Spm;
  auto consider = [&](int32_t left) {
    if (left < 0)
      return;
    int32_t right = syms[left].next;
    if (right < 0)
      return;
    const Sym &l = syms[left], &r = syms[right];
    Cand c{0, left, right, l.len, r.len, -1};
    if (spm) {
      int32_t id = lookup.find(piece.substr(l.start, l.len + r.len));
      if (id < 0)
        return;
      c.priority = -static_cast<double>(data.scores[id]);
      c.result = id;
    } else {
      if (l.id < 0 || r.id < 0)
        return;
      const MergeTable::Merge *m = merges.find(pairKey(l.id, r.id));
      if (!m)
        return;
      c.priority = m->rank;
      c.result = m->result;
    }
    queue.push_back(c);
    std::push_heap(queue.begin(), queue.end(), std::greater<Cand>());
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(syms.size()); ++i)
    consider(i);
  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), std::greater<Cand>());
    Cand c = queue.back();
    queue.pop_back();
    Sym &l = syms[c.left];
    Sym &r = syms[c.right];
    if (!l.alive || !r.alive || l.next != c.right || l.len != c.leftLen ||
        r.len != c.rightLen)
      continue; // stale
    l.id = c.result;
    l.len += r.len;
    l.next = r.next;
    if (r.next >= 0)
      syms[r.next].prev = c.left;
    r.alive = false;
    consider(l.prev);
    consider(c.left);
  }
  for (int32_t i = 0; i >= 0; i = syms[i].next) {
    const Sym &sym = syms[i];
    if (sym.id >= 0) {
      out->push_back(sym.id);
      continue;
    }
    // Not in the vocabulary (only single code points get here).
    bool bytesOk = data.pipeline.byte_fallback;
    for (int32_t k = 0; bytesOk && k < sym.len; ++k)
      bytesOk = fallbackId[static_cast<uint8_t>(piece[sym.start + k])] >= 0;
    if (bytesOk) {
      for (int32_t k = 0; k < sym.len; ++k)
        out->push_back(fallbackId[static_cast<uint8_t>(piece[sym.start + k])]);
    } else if (data.unk >= 0) {
      out->push_back(data.unk);
    }
  }
}

void Tokenizer::Impl::encodeSection(const std::string &section,
                                    size_t sectionIndex,
                                    std::vector<int32_t> *out) const {
  if (section.empty())
    return;
  const size_t first = out->size();
  thread_local std::string text;
  text = section;
  normalizer.apply(&text);
  if (text.empty()) // normalized away: no pre-tokenizer runs (as in HF)
    return;
  thread_local std::vector<std::string> pieces;
  splitter.split(text, sectionIndex, &pieces);
  for (const std::string &p : pieces)
    encodePiece(p, out);
  if (data.pipeline.fuse_unk && data.unk >= 0) {
    size_t w = first;
    for (size_t r = first; r < out->size(); ++r)
      if (!((*out)[r] == data.unk && w > first && (*out)[w - 1] == data.unk))
        (*out)[w++] = (*out)[r];
    out->resize(w);
  }
}

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(const Tokenizer &) = default;
Tokenizer &Tokenizer::operator=(const Tokenizer &) = default;
Tokenizer::Tokenizer(Tokenizer &&) noexcept = default;
Tokenizer &Tokenizer::operator=(Tokenizer &&) noexcept = default;


bool Tokenizer::fromData(TokenizerData data, const std::string &name,
                         Tokenizer *out, std::string *err) {
  auto fail = [&](const std::string &msg) {
    *err = name + ": " + msg;
    return false;
  };
  const size_t V = data.tokens.size();
  if (V == 0)
    return fail("empty vocabulary");
  if (V > static_cast<size_t>(INT32_MAX))
    return fail("vocabulary too large");
  if (!data.token_types.empty() && data.token_types.size() != V)
    return fail("token_types has " + std::to_string(data.token_types.size()) +
                " entries for " + std::to_string(V) + " tokens");
  auto impl = std::make_shared<Impl>();
  impl->name = name;
  const Pipeline &pipe = data.pipeline;
  impl->byteLevel = pipe.byteLevel();
  if (!Normalizer::compile(pipe.normalizers, &impl->normalizer, err) ||
      !Splitter::compile(pipe.pre_tokenizers, &impl->splitter, err))
    return fail(*err);
  if (pipe.model == ModelKind::Spm) {
    if (data.scores.size() != V)
      return fail("a SentencePiece (score) model needs one score per token: " +
                  std::to_string(data.scores.size()) + " scores for " +
                  std::to_string(V) + " tokens");
    for (size_t i = 0; i < V; ++i)
      if (!std::isfinite(data.scores[i]))
        return fail("token " + std::to_string(i) + " has score " +
                    std::to_string(data.scores[i]));
  } else if (!data.scores.empty() && data.scores.size() != V) {
    return fail(std::to_string(data.scores.size()) + " scores for " +
                std::to_string(V) + " tokens");
  }

  // Tokens: non-empty, valid UTF-8, unique.
  std::unordered_map<std::string_view, int32_t> byText;
  byText.reserve(V * 2);
  for (size_t i = 0; i < V; ++i) {
    const std::string &t = data.tokens[i];
    if (t.empty())
      return fail("token " + std::to_string(i) + " is empty");
    if (!isValidUtf8(t))
      return fail("token " + std::to_string(i) + " " + quote(t) +
                  " is not valid UTF-8");
    auto ins = byText.emplace(t, static_cast<int32_t>(i));
    if (!ins.second)
      return fail("token " + std::to_string(i) + " " + quote(t) +
                  " duplicates token " + std::to_string(ins.first->second));
  }

  // Types and specials agree: the union of special_ids and types 3/4.
  if (data.token_types.empty())
    data.token_types.assign(V, kTokenNormal);
  for (size_t i = 0; i < V; ++i)
    if (data.token_types[i] < kTokenUndefined ||
        data.token_types[i] > kTokenByte)
      return fail("token " + std::to_string(i) + " has invalid type " +
                  std::to_string(data.token_types[i]));
  impl->special.assign(V, 0);
  for (int32_t id : data.special_ids) {
    if (id < 0 || static_cast<size_t>(id) >= V)
      return fail("special token id " + std::to_string(id) +
                  " out of range [0, " + std::to_string(V) + ")");
    impl->special[id] = 1;
    if (data.token_types[id] != kTokenUserDefined)
      data.token_types[id] = kTokenControl;
  }
  data.special_ids.clear();
  for (size_t i = 0; i < V; ++i) {
    if (data.token_types[i] == kTokenControl ||
        data.token_types[i] == kTokenUserDefined)
      impl->special[i] = 1;
    if (impl->special[i])
      data.special_ids.push_back(static_cast<int32_t>(i));
  }
  auto isControl = [&](int32_t id) {
    return data.token_types[id] == kTokenControl;
  };

  // bos / eos / eot / unk: given, or the usual texts of the families among
  // the special tokens (Qwen's "<s>" is a regular token, not a BOS).
  struct Named {
    int32_t *id;
    const char *what;
    std::vector<const char *> texts;
  } named[] = {{&data.bos, "bos", {"<|begin_of_text|>", "<s>", "<bos>"}},
               {&data.eos,
                "eos",
                {"<|end_of_text|>", "</s>", "<eos>", "<|endoftext|>"}},
               {&data.eot, "eot", {"<|eot_id|>", "<|im_end|>", "<end_of_turn>"}},
               {&data.unk, "unk", {}}};
  for (Named &n : named) {
    if (*n.id == -1) {
      for (const char *text : n.texts) {
        auto it = byText.find(text);
        if (it != byText.end() && impl->special[it->second]) {
          *n.id = it->second;
          break;
        }
      }
    } else if (*n.id < 0 || static_cast<size_t>(*n.id) >= V) {
      return fail(std::string(n.what) + " token id " + std::to_string(*n.id) +
                  " out of range [0, " + std::to_string(V) + ")");
    }
  }

  // The model's form of each token, and the lookup table over them.
  impl->keys.resize(V);
  std::vector<int32_t> lookupIds;
  lookupIds.reserve(V);
  for (size_t i = 0; i < V; ++i) {
    const std::string &t = data.tokens[i];
    std::string key;
    if (!(impl->byteLevel && !impl->special[i] && byteLevelToBytes(t, &key)))
      key = t; // added tokens, and text that is not byte-level, as is
    impl->keys[i] = std::move(key);
    if (!isControl(static_cast<int32_t>(i)))
      lookupIds.push_back(static_cast<int32_t>(i));
  }
  impl->lookup.build(impl->keys, lookupIds);
  impl->fallbackId.fill(-1);
  for (size_t i = 0; i < V; ++i) {
    int b = byteFallbackValue(data.tokens[i]);
    if (b >= 0 && impl->fallbackId[b] < 0 && !isControl(static_cast<int32_t>(i)))
      impl->fallbackId[b] = static_cast<int32_t>(i);
  }
  if (impl->byteLevel) {
    for (unsigned b = 0; b < 256; ++b) {
      std::string one(1, static_cast<char>(b));
      int32_t id = impl->lookup.find(one);
      if (id < 0)
        return fail("no regular token for byte " + std::to_string(b) + " (" +
                    quote(bytesToByteLevel(one)) + ")");
      impl->byteId[b] = id;
    }
  }

  // Merges: both parts and the result are non-control tokens. A repeated
  // pair keeps its first (lowest) rank.
  impl->merges.reserve(data.merges.size());
  std::string joined;
  for (size_t r = 0; r < data.merges.size(); ++r) {
    const auto &m = data.merges[r];
    auto where = [&]() {
      return "merge " + std::to_string(r) + " (" + quote(m.first) + " " +
             quote(m.second) + ")";
    };
    if (r > static_cast<size_t>(INT32_MAX))
      return fail("too many merges");
    auto a = byText.find(m.first);
    if (a == byText.end() || isControl(a->second))
      return fail(where() + " refers to unknown token " + quote(m.first));
    auto b = byText.find(m.second);
    if (b == byText.end() || isControl(b->second))
      return fail(where() + " refers to unknown token " + quote(m.second));
    joined = m.first + m.second;
    auto c = byText.find(joined);
    if (c == byText.end() || isControl(c->second))
      return fail(where() + " makes " + quote(joined) +
                  ", which is not a token");
    impl->merges.insert(pairKey(a->second, b->second),
                        {static_cast<int32_t>(r), c->second});
  }

  for (int32_t id : data.special_ids)
    impl->specials.add(data.tokens[id], id, isControl(id));

  // Decoding: each token's bytes, and what comes off the text's ends.
  impl->bytes.resize(V);
  bool fused = false;
  for (const DecoderStep &d : pipe.decoders) {
    if (d.kind == DecoderStep::Fuse)
      fused = true;
    if (d.kind == DecoderStep::Replace && d.pattern.empty())
      return fail("decoder Replace with an empty pattern");
    if (d.kind == DecoderStep::Strip) {
      if (!fused && (d.start > 0 || d.stop > 0))
        return fail("decoder Strip before Fuse (per token) is not "
                    "implemented");
      if (d.content.size() != 1 || d.start < 0 || d.stop < 0)
        return fail("decoder Strip needs one ASCII character and counts >= 0");
      impl->stripStart = d.start;
      impl->stripStop = d.stop;
      impl->stripChar = d.content[0];
    }
    if (d.kind == DecoderStep::Metaspace &&
        d.prepend_scheme != PreTokenizerStep::Never) {
      impl->stripStart = 1;
      impl->stripChar = ' ';
    }
  }
  for (size_t i = 0; i < V; ++i) {
    std::string s = data.tokens[i];
    for (const DecoderStep &d : pipe.decoders) {
      switch (d.kind) {
      case DecoderStep::ByteLevel: {
        std::string raw;
        if (!impl->special[i] && byteLevelToBytes(s, &raw))
          s.swap(raw);
        break;
      }
      case DecoderStep::Replace:
        replaceAll(&s, d.pattern, d.content);
        break;
      case DecoderStep::ByteFallback:
        if (int b = byteFallbackValue(s); b >= 0)
          s.assign(1, static_cast<char>(b));
        break;
      case DecoderStep::Metaspace:
        replaceAll(&s, d.pattern.empty() ? "\xE2\x96\x81" : d.pattern, " ");
        break;
      case DecoderStep::Fuse:
      case DecoderStep::Strip:
        break;
      }
    }
    impl->bytes[i] = std::move(s);
  }

  impl->data = std::move(data);
  out->impl_ = std::move(impl);
  return true;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text,
                                       EncodeOptions opts) const {
  std::vector<int32_t> out;
  if (!impl_)
    return out;
  const Impl &im = *impl_;
  if (opts.add_bos && im.data.bos >= 0)
    out.push_back(im.data.bos);
  const std::string s = sanitizeUtf8(text);
  out.reserve(out.size() + s.size() / 3 + 4);
  size_t segment = 0, section = 0;
  std::string part;
  auto flush = [&](size_t end) {
    if (end > segment) {
      part.assign(s, segment, end - segment);
      im.encodeSection(part, section++, &out);
    }
  };
  if (im.specials.any()) {
    for (size_t i = 0; i < s.size();) {
      int32_t id;
      size_t len;
      if (im.specials.mayStart(static_cast<uint8_t>(s[i])) &&
          (len = im.specials.match(s, i, opts.parse_special, &id)) > 0) {
        flush(i);
        out.push_back(id);
        ++section;
        i += len;
        segment = i;
      } else {
        ++i;
      }
    }
  }
  flush(s.size());
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t> &ids) const {
  std::string out;
  if (!impl_)
    return out;
  for (int32_t id : ids)
    if (id >= 0 && static_cast<size_t>(id) < impl_->bytes.size())
      out += impl_->bytes[id];
  size_t b = 0, e = out.size();
  for (int32_t k = 0; k < impl_->stripStart && b < e && out[b] == impl_->stripChar; ++k)
    ++b;
  for (int32_t k = 0; k < impl_->stripStop && e > b && out[e - 1] == impl_->stripChar; ++k)
    --e;
  return b == 0 && e == out.size() ? out : out.substr(b, e - b);
}

std::string Tokenizer::tokenBytes(int32_t id) const {
  if (!impl_ || id < 0 || static_cast<size_t>(id) >= impl_->bytes.size())
    return std::string();
  return impl_->bytes[id];
}

int32_t Tokenizer::vocabSize() const {
  return impl_ ? static_cast<int32_t>(impl_->bytes.size()) : 0;
}
int32_t Tokenizer::bos() const { return impl_ ? impl_->data.bos : -1; }
int32_t Tokenizer::eos() const { return impl_ ? impl_->data.eos : -1; }
int32_t Tokenizer::eot() const { return impl_ ? impl_->data.eot : -1; }
int32_t Tokenizer::unk() const { return impl_ ? impl_->data.unk : -1; }
bool Tokenizer::isSpecial(int32_t id) const {
  return impl_ && id >= 0 && static_cast<size_t>(id) < impl_->special.size() &&
         impl_->special[id];
}
bool Tokenizer::isControl(int32_t id) const {
  return isSpecial(id) && impl_->data.token_types[id] == kTokenControl;
}
const TokenizerData &Tokenizer::data() const {
  return impl_ ? impl_->data : emptyData();
}

bool splitMerge(std::string_view merge,
                std::pair<std::string, std::string> *out) {
  size_t sp = merge.find(' ');
  if (sp == std::string_view::npos || sp == 0 || sp + 1 == merge.size() ||
      merge.find(' ', sp + 1) != std::string_view::npos)
    return false;
  out->first = std::string(merge.substr(0, sp));
  out->second = std::string(merge.substr(sp + 1));
  return true;
}

namespace {

/// A SentencePiece-style vocabulary (LLaMA 2's: <unk> <s> </s>, the 256
/// byte pieces, then pieces by score, single characters last) cut to V ids:
/// its special tokens and byte pieces in their order, then "▁" and the ASCII
/// characters, then the results of merges in rank order whose parts are kept,
/// until V (unused placeholders fill the rest). Every kept piece is thus the
/// result of kept merges, so a score model (which joins any two pieces
/// whose text is a token) and the merges encode alike.
bool truncateSentencePieceVocabulary(const TokenizerData &full, int32_t V,
                                     TokenizerData *out, std::string *err) {
  const size_t fullV = full.tokens.size();
  if (V <= 0 || static_cast<size_t>(V) > fullV) {
    *err = "vocabulary size " + std::to_string(V) + " is not in [1, " +
           std::to_string(fullV) + "]";
    return false;
  }
  const size_t keep = static_cast<size_t>(V);
  std::vector<uint8_t> special(fullV, 0);
  for (int32_t id : full.special_ids)
    if (id >= 0 && static_cast<size_t>(id) < fullV)
      special[id] = 1;
  auto typeOf = [&](size_t i) {
    return full.token_types.size() == fullV ? full.token_types[i]
                                            : static_cast<int32_t>(kTokenNormal);
  };
  std::vector<int32_t> order; // old ids, in new-id order
  std::unordered_map<std::string_view, int32_t> kept;
  auto take = [&](size_t i) {
    if (order.size() < keep &&
        kept.emplace(full.tokens[i], static_cast<int32_t>(order.size())).second)
      order.push_back(static_cast<int32_t>(i));
  };
  for (size_t i = 0; i < fullV; ++i)
    if (special[i] || typeOf(i) != kTokenNormal ||
        static_cast<int32_t>(i) == full.unk ||
        byteFallbackValue(full.tokens[i]) >= 0)
      take(i);
  for (size_t i = 0; i < fullV; ++i) {
    const std::string &t = full.tokens[i];
    if (t == "\xE2\x96\x81" || (t.size() == 1 && t[0] >= 0x20 && t[0] < 0x7F))
      take(i);
  }
  std::unordered_map<std::string_view, size_t> fullId;
  for (size_t i = 0; i < fullV; ++i)
    fullId.emplace(full.tokens[i], i);
  std::string joined;
  for (const auto &m : full.merges) {
    if (order.size() >= keep)
      break;
    if (!kept.count(m.first) || !kept.count(m.second))
      continue;
    joined = m.first + m.second;
    auto it = fullId.find(joined);
    if (it != fullId.end())
      take(it->second);
  }
  for (int32_t id : {full.bos, full.eos, full.eot, full.unk})
    if (id >= 0 && !kept.count(full.tokens[id])) {
      *err = "vocabulary size " + std::to_string(V) +
             " is too small: it drops special token " + std::to_string(id);
      return false;
    }
  TokenizerData t;
  t.pipeline = full.pipeline;
  t.ignore_merges = full.ignore_merges;
  t.chat_template = full.chat_template;
  auto remap = [&](int32_t id) {
    return id < 0 ? -1 : kept.at(full.tokens[id]);
  };
  for (int32_t old : order) {
    t.tokens.push_back(full.tokens[old]);
    t.token_types.push_back(typeOf(old));
    if (full.scores.size() == fullV)
      t.scores.push_back(full.scores[old]);
    if (special[old])
      t.special_ids.push_back(static_cast<int32_t>(t.tokens.size() - 1));
  }
  while (t.tokens.size() < keep) {
    t.tokens.push_back("<unused_" + std::to_string(t.tokens.size()) + ">");
    t.token_types.push_back(kTokenUnused);
    if (full.scores.size() == fullV)
      t.scores.push_back(-1e9f);
  }
  t.bos = remap(full.bos);
  t.eos = remap(full.eos);
  t.eot = remap(full.eot);
  t.unk = remap(full.unk);
  for (const auto &m : full.merges) {
    joined = m.first + m.second;
    if (kept.count(m.first) && kept.count(m.second) && kept.count(joined))
      t.merges.push_back(m);
  }
  if (full.pipeline.byte_fallback)
    for (unsigned b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      if (!kept.count(name)) {
        *err = "vocabulary size " + std::to_string(V) +
               " is too small: it drops the byte piece " + name;
        return false;
      }
    }
  *out = std::move(t);
  return true;
}

} // namespace

bool truncateVocabulary(const TokenizerData &full, int32_t V,
                        TokenizerData *out, std::string *err) {
  const size_t fullV = full.tokens.size();
  if (V >= 0 && static_cast<size_t>(V) == fullV) {
    *out = full;
    return true;
  }
  if (!full.pipeline.byteLevel())
    return truncateSentencePieceVocabulary(full, V, out, err);
  static const char *const kSpecials[] = {
      "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
      "<|end_header_id|>", "<|eot_id|>"};
  const int32_t kMin = 256 + 5;
  if (V < kMin) {
    *err = "vocabulary size " + std::to_string(V) +
           " is too small: need at least " + std::to_string(kMin) +
           " (256 byte tokens and 5 special tokens)";
    return false;
  }
  if (static_cast<size_t>(V) > fullV) {
    *err = "vocabulary size " + std::to_string(V) +
           " is larger than the full vocabulary (" + std::to_string(fullV) +
           ")";
    return false;
  }
  std::vector<uint8_t> special(fullV, 0);
  for (int32_t id : full.special_ids)
    if (id >= 0 && static_cast<size_t>(id) < fullV)
      special[id] = 1;
  if (full.token_types.size() == fullV)
    for (size_t i = 0; i < fullV; ++i)
      if (full.token_types[i] == kTokenControl ||
          full.token_types[i] == kTokenUserDefined)
        special[i] = 1;

  TokenizerData t;
  const size_t keep = static_cast<size_t>(V) - 5;
  std::unordered_set<std::string_view> kept;
  kept.reserve(keep * 2);
  for (size_t i = 0; i < fullV && t.tokens.size() < keep; ++i) {
    if (special[i])
      continue;
    t.tokens.push_back(full.tokens[i]);
    t.token_types.push_back(full.token_types.size() == fullV
                                ? full.token_types[i]
                                : static_cast<int32_t>(kTokenNormal));
    kept.insert(full.tokens[i]);
  }
  if (t.tokens.size() < keep) {
    *err = "the full vocabulary has only " + std::to_string(t.tokens.size()) +
           " regular tokens, fewer than " + std::to_string(keep);
    return false;
  }
  for (unsigned b = 0; b < 256; ++b) {
    std::string bl = bytesToByteLevel(std::string(1, static_cast<char>(b)));
    if (!kept.count(bl)) {
      *err = "the first " + std::to_string(keep) +
             " regular tokens lack the token for byte " + std::to_string(b);
      return false;
    }
  }
  for (const char *s : kSpecials) {
    if (kept.count(s)) {
      *err = std::string("the first ") + std::to_string(keep) +
             " regular tokens already contain " + s;
      return false;
    }
  }
  std::string joined;
  for (const auto &m : full.merges) {
    joined = m.first + m.second;
    if (kept.count(m.first) && kept.count(m.second) && kept.count(joined))
      t.merges.push_back(m);
  }
  for (int k = 0; k < 5; ++k) {
    t.special_ids.push_back(static_cast<int32_t>(t.tokens.size()));
    t.tokens.push_back(kSpecials[k]);
    t.token_types.push_back(kTokenControl);
  }
  t.bos = V - 5;
  t.eos = V - 4;
  t.eot = V - 1;
  t.ignore_merges = full.ignore_merges;
  t.pipeline = full.pipeline;
  t.chat_template = full.chat_template;
  *out = std::move(t);
  return true;
}

} // namespace tern::tok
