//===- Utf8.cpp - UTF-8 validation and WHATWG replacement -----------------===//
#include "runtime/tokenizer/Utf8.h"

#include <cstdio>

namespace tern::tok {

namespace {

/// The WHATWG decoder step for the sequence starting at s[i]: returns the
/// number of bytes consumed and sets *cp, and *ok = false for an ill-formed
/// subpart (exactly the bytes consumed; *cp = U+FFFD then).
size_t step(std::string_view s, size_t i, uint32_t *cp, bool *ok) {
  const auto *p = reinterpret_cast<const unsigned char *>(s.data());
  const size_t n = s.size();
  unsigned b = p[i];
  *ok = true;
  if (b < 0x80) {
    *cp = b;
    return 1;
  }
  unsigned needed;
  unsigned lower = 0x80, upper = 0xBF;
  uint32_t value;
  if (b >= 0xC2 && b <= 0xDF) {
    needed = 1;
    value = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    if (b == 0xE0)
      lower = 0xA0;
    if (b == 0xED)
      upper = 0x9F;
    needed = 2;
    value = b & 0x0F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    if (b == 0xF0)
      lower = 0x90;
    if (b == 0xF4)
      upper = 0x8F;
    needed = 3;
    value = b & 0x07;
  } else {
    *cp = 0xFFFD; // 80..C1, F5..FF never start a sequence
    *ok = false;
    return 1;
  }
  size_t j = i + 1;
  for (unsigned seen = 0; seen < needed; ++seen, ++j) {
    if (j >= n || p[j] < lower || p[j] > upper) {
      // The maximal subpart ends before p[j], which is decoded afresh.
      *cp = 0xFFFD;
      *ok = false;
      return j - i;
    }
    lower = 0x80;
    upper = 0xBF;
    value = (value << 6) | (p[j] & 0x3F);
  }
  *cp = value;
  return j - i;
}

} // namespace

size_t decodeUtf8(std::string_view s, size_t i, uint32_t *cp) {
  if (i >= s.size()) {
    *cp = 0xFFFD;
    return 1;
  }
  bool ok;
  return step(s, i, cp, &ok);
}

bool isValidUtf8(std::string_view bytes) {
  size_t i = 0;
  const size_t n = bytes.size();
  while (i < n) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    uint32_t cp;
    bool ok;
    size_t len = step(bytes, i, &cp, &ok);
    if (!ok)
      return false;
    i += len;
  }
  return true;
}

void appendUtf8(uint32_t cp, std::string *out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string sanitizeUtf8(std::string_view bytes) {
  if (isValidUtf8(bytes))
    return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 16);
  size_t i = 0;
  const size_t n = bytes.size();
  while (i < n) {
    uint32_t cp;
    bool ok;
    size_t len = step(bytes, i, &cp, &ok);
    if (!ok)
      appendUtf8(0xFFFD, &out);
    else
      out.append(bytes.data() + i, len);
    i += len;
  }
  return out;
}

std::string escapeForDisplay(std::string_view bytes, size_t maxChars) {
  std::string out;
  char buf[16];
  size_t shown = 0;
  for (size_t i = 0; i < bytes.size();) {
    if (shown++ == maxChars) {
      out += "...";
      break;
    }
    uint32_t cp;
    bool ok;
    size_t len = step(bytes, i, &cp, &ok);
    if (!ok) {
      for (size_t k = 0; k < len; ++k) {
        std::snprintf(buf, sizeof(buf), "\\x%02X",
                      static_cast<unsigned char>(bytes[i + k]));
        out += buf;
      }
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x20 || cp == 0x7F) {
      std::snprintf(buf, sizeof(buf), "\\x%02X", static_cast<unsigned>(cp));
      out += buf;
    } else if ((cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029) {
      std::snprintf(buf, sizeof(buf), "\\u{%X}", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(bytes.data() + i, len);
    }
    i += len;
  }
  return out;
}

} // namespace tern::tok
