//===- Normalizer.cpp - A tokenizer's normalizers, ready to run -----------===//
#include "runtime/tokenizer/Normalizer.h"

#include "runtime/tokenizer/Utf8.h"

#include <utf8proc.h>

#include <cstdlib>

namespace tern::tok {

bool isJsSpace(uint32_t cp) {
  switch (cp) {
  case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20:
  case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
  case 0x205F: case 0x3000: case 0xFEFF:
    return true;
  default:
    return cp >= 0x2000 && cp <= 0x200A;
  }
}

void replaceAll(std::string *text, const std::string &needle,
                const std::string &with) {
  if (needle.empty() || text->find(needle) == std::string::npos)
    return;
  std::string out;
  out.reserve(text->size());
  size_t at = 0;
  for (size_t hit; (hit = text->find(needle, at)) != std::string::npos;
       at = hit + needle.size()) {
    out.append(*text, at, hit - at);
    out += with;
  }
  out.append(*text, at, std::string::npos);
  *text = std::move(out);
}

std::string unicodeNormalize(const std::string &text,
                             NormalizerStep::Kind form) {
  int options = UTF8PROC_STABLE;
  switch (form) {
  case NormalizerStep::NFC: options |= UTF8PROC_COMPOSE; break;
  case NormalizerStep::NFD: options |= UTF8PROC_DECOMPOSE; break;
  case NormalizerStep::NFKC: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
  case NormalizerStep::NFKD: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
  default: return text;
  }
  utf8proc_uint8_t *result = nullptr;
  utf8proc_ssize_t n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t *>(text.data()),
      static_cast<utf8proc_ssize_t>(text.size()), &result,
      static_cast<utf8proc_option_t>(options));
  if (n < 0) { // not reached for valid UTF-8 (and out of memory): unchanged
    std::free(result);
    return text;
  }
  std::string out(reinterpret_cast<char *>(result), static_cast<size_t>(n));
  std::free(result);
  return out;
}

bool Normalizer::compile(const std::vector<NormalizerStep> &steps,
                         Normalizer *out, std::string *err) {
  out->steps_.clear();
  for (size_t i = 0; i < steps.size(); ++i) {
    Step s{steps[i], nullptr};
    if (s.step.kind == NormalizerStep::Replace) {
      if (s.step.pattern.empty()) {
        *err = "normalizer " + std::to_string(i) + " (Replace): empty pattern";
        return false;
      }
      if (s.step.regex && !Regex::compile(s.step.pattern, &s.regex, err)) {
        *err = "normalizer " + std::to_string(i) + " (Replace): " + *err;
        return false;
      }
    }
    out->steps_.push_back(std::move(s));
  }
  return true;
}

void Normalizer::apply(std::string *text) const {
  for (const Step &s : steps_) {
    const NormalizerStep &n = s.step;
    switch (n.kind) {
    case NormalizerStep::NFC:
    case NormalizerStep::NFD:
    case NormalizerStep::NFKC:
    case NormalizerStep::NFKD:
      *text = unicodeNormalize(*text, n.kind);
      break;
    case NormalizerStep::Prepend:
      text->insert(0, n.content);
      break;
    case NormalizerStep::Replace:
      if (!s.regex) {
        replaceAll(text, n.pattern, n.content);
      } else {
        thread_local std::vector<std::pair<size_t, size_t>> m;
        s.regex->findAll(*text, &m);
        if (m.empty())
          break;
        std::string out;
        size_t at = 0;
        for (const auto &[b, e] : m) {
          out.append(*text, at, b - at);
          out += n.content;
          at = e;
        }
        out.append(*text, at, std::string::npos);
        *text = std::move(out);
      }
      break;
    case NormalizerStep::Strip: {
      size_t b = 0, e = text->size();
      uint32_t cp;
      if (n.left)
        for (size_t len; b < e && (len = decodeUtf8(*text, b, &cp)) &&
                         isJsSpace(cp);)
          b += len;
      if (n.right)
        while (e > b) {
          size_t start = e - 1;
          while (start > b && (static_cast<uint8_t>((*text)[start]) & 0xC0) == 0x80)
            --start;
          decodeUtf8(*text, start, &cp);
          if (!isJsSpace(cp))
            break;
          e = start;
        }
      *text = text->substr(b, e - b);
      break;
    }
    }
  }
}

} // namespace tern::tok
