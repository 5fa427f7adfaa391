//===- Splitter.cpp - A tokenizer's pre-tokenizers, ready to run ----------===//
#include "runtime/tokenizer/Splitter.h"

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Normalizer.h"

namespace tern::tok {

namespace {

// GPT-2's split, as HF's ByteLevel pre-tokenizer (use_regex) runs it.
const char kGpt2Pattern[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| "
                            "?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
// One numeric code point (Rust's char::is_numeric: categories Nd Nl No).
const char kNumeric[] = "\\p{N}";
// One punctuation code point: ASCII punctuation or Unicode P*.
const char kPunctuation[] =
    "[\\p{P}\\x{21}-\\x{2F}\\x{3A}-\\x{40}\\x{5B}-\\x{60}\\x{7B}-\\x{7E}]";

void findString(const std::string &text, const std::string &needle,
                std::vector<std::pair<size_t, size_t>> *out) {
  out->clear();
  for (size_t at = 0; (at = text.find(needle, at)) != std::string::npos;
       at += needle.size())
    out->emplace_back(at, at + needle.size());
}

} // namespace

void splitByMatches(const std::string &text,
                    const std::vector<std::pair<size_t, size_t>> &matches,
                    SplitBehavior behavior, bool invert,
                    std::vector<std::string> *out) {
  struct Part {
    size_t b, e;
    bool match;
  };
  thread_local std::vector<Part> parts;
  parts.clear();
  size_t at = 0;
  for (const auto &[b, e] : matches) {
    if (b > at)
      parts.push_back({at, b, invert});
    if (e > b)
      parts.push_back({b, e, !invert});
    at = e;
  }
  if (at < text.size())
    parts.push_back({at, text.size(), invert});
  auto piece = [&](size_t b, size_t e) {
    if (e > b)
      out->emplace_back(text, b, e - b);
  };
  switch (behavior) {
  case SplitBehavior::Removed:
    for (const Part &p : parts)
      if (!p.match)
        piece(p.b, p.e);
    break;
  case SplitBehavior::Isolated:
    for (const Part &p : parts)
      piece(p.b, p.e);
    break;
  case SplitBehavior::MergedWithPrevious: {
    size_t start = 0;
    for (const Part &p : parts)
      if (p.match) {
        piece(start, p.e);
        start = p.e;
      }
    piece(start, text.size());
    break;
  }
  case SplitBehavior::MergedWithNext: {
    size_t start = 0;
    for (const Part &p : parts)
      if (p.match) {
        piece(start, p.b);
        start = p.b;
      }
    piece(start, text.size());
    break;
  }
  case SplitBehavior::Contiguous:
    for (size_t i = 0; i < parts.size();) {
      size_t j = i + 1;
      if (parts[i].match)
        while (j < parts.size() && parts[j].match)
          ++j;
      piece(parts[i].b, parts[j - 1].e);
      i = j;
    }
    break;
  }
}

bool Splitter::compile(const std::vector<PreTokenizerStep> &steps,
                       Splitter *out, std::string *err) {
  out->steps_.clear();
  for (size_t i = 0; i < steps.size(); ++i) {
    Step s{steps[i], nullptr};
    const PreTokenizerStep &p = s.step;
    auto where = [&]() { return "pre_tokenizer " + std::to_string(i) + ": "; };
    bool ok = true;
    switch (p.kind) {
    case PreTokenizerStep::Split:
      if (p.pattern.empty()) {
        *err = where() + "Split with an empty pattern";
        return false;
      }
      if (p.regex)
        ok = Regex::compile(p.pattern, &s.regex, err);
      break;
    case PreTokenizerStep::ByteLevel:
      if (p.use_regex)
        ok = Regex::compile(kGpt2Pattern, &s.regex, err);
      break;
    case PreTokenizerStep::Digits:
      ok = Regex::compilePcre(kNumeric, &s.regex, err);
      break;
    case PreTokenizerStep::Punctuation:
      ok = Regex::compilePcre(kPunctuation, &s.regex, err);
      break;
    case PreTokenizerStep::Metaspace:
      if (p.replacement.empty()) {
        *err = where() + "Metaspace with an empty replacement";
        return false;
      }
      break;
    }
    if (!ok) {
      *err = where() + *err;
      return false;
    }
    out->steps_.push_back(std::move(s));
  }
  return true;
}

void Splitter::split(const std::string &section, size_t sectionIndex,
                     std::vector<std::string> *pieces) const {
  pieces->clear();
  pieces->push_back(section);
  thread_local std::vector<std::pair<size_t, size_t>> m;
  thread_local std::vector<std::string> next; // swapped with *pieces
  bool mapped = false;
  for (size_t si = 0; si < steps_.size(); ++si) {
    const PreTokenizerStep &p = steps_[si].step;
    const Regex *re = steps_[si].regex.get();
    next.clear();
    for (size_t k = 0; k < pieces->size(); ++k) {
      std::string &text = (*pieces)[k];
      switch (p.kind) {
      case PreTokenizerStep::Split:
        if (re)
          re->findAll(text, &m);
        else
          findString(text, p.pattern, &m);
        splitByMatches(text, m, p.behavior, p.invert, &next);
        break;
      case PreTokenizerStep::ByteLevel: {
        if (p.add_prefix_space && (text.empty() || text[0] != ' '))
          text.insert(0, " ");
        size_t first = next.size();
        if (re) {
          re->findAll(text, &m);
          splitByMatches(text, m, SplitBehavior::Isolated, false, &next);
        } else if (!text.empty()) {
          next.push_back(text);
        }
        if (si + 1 < steps_.size()) // later steps see byte-level text
          for (size_t j = first; j < next.size(); ++j)
            next[j] = bytesToByteLevel(next[j]);
        break;
      }
      case PreTokenizerStep::Digits:
        re->findAll(text, &m);
        splitByMatches(text, m,
                       p.individual_digits ? SplitBehavior::Isolated
                                           : SplitBehavior::Contiguous,
                       false, &next);
        break;
      case PreTokenizerStep::Punctuation:
        re->findAll(text, &m);
        splitByMatches(text, m, p.behavior, false, &next);
        break;
      case PreTokenizerStep::Metaspace: {
        replaceAll(&text, " ", p.replacement);
        bool prepend =
            p.prepend_scheme == PreTokenizerStep::Always ||
            (p.prepend_scheme == PreTokenizerStep::First && sectionIndex == 0 &&
             k == 0);
        if (prepend && text.compare(0, p.replacement.size(), p.replacement) != 0)
          text.insert(0, p.replacement);
        if (p.split) {
          findString(text, p.replacement, &m);
          splitByMatches(text, m, SplitBehavior::MergedWithNext, false, &next);
        } else if (!text.empty()) {
          next.push_back(text);
        }
        break;
      }
      }
    }
    if (p.kind == PreTokenizerStep::ByteLevel && si + 1 < steps_.size())
      mapped = true;
    pieces->swap(next);
  }
  if (mapped) {
    std::string raw;
    for (std::string &piece : *pieces)
      if (byteLevelToBytes(piece, &raw))
        piece.swap(raw);
  }
  if (steps_.empty() && pieces->size() == 1 && (*pieces)[0].empty())
    pieces->clear();
}

} // namespace tern::tok
