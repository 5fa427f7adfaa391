//===- ByteLevel.cpp - GPT-2 byte <-> unicode mapping ---------------------===//
#include "runtime/tokenizer/ByteLevel.h"

#include "runtime/tokenizer/Utf8.h"

#include <array>

namespace tern::tok {

namespace {

bool printsAsItself(unsigned b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
         (b >= 0xAE && b <= 0xFF);
}

struct Tables {
  std::array<uint32_t, 256> toCp{};
  std::array<int16_t, 0x144> toByte{}; // all mapped code points are < 0x144
  std::array<std::string, 256> utf8;   // toCp[b] encoded
  Tables() {
    toByte.fill(-1);
    uint32_t next = 0x100;
    for (unsigned b = 0; b < 256; ++b) {
      uint32_t cp = printsAsItself(b) ? b : next++;
      toCp[b] = cp;
      toByte[cp] = static_cast<int16_t>(b);
      appendUtf8(cp, &utf8[b]);
    }
  }
};

const Tables &tables() {
  static const Tables t;
  return t;
}

} // namespace

uint32_t byteToCodepoint(uint8_t b) { return tables().toCp[b]; }

int codepointToByte(uint32_t cp) {
  const Tables &t = tables();
  return cp < t.toByte.size() ? t.toByte[cp] : -1;
}

std::string bytesToByteLevel(std::string_view bytes) {
  const Tables &t = tables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes)
    out += t.utf8[static_cast<unsigned char>(c)];
  return out;
}

bool byteLevelToBytes(std::string_view text, std::string *out) {
  out->clear();
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp;
    size_t len = decodeUtf8(text, i, &cp);
    int b = codepointToByte(cp);
    if (b < 0)
      return false;
    // A literal U+FFFD is not in the alphabet, so an ill-formed subpart (which
    // decodes as U+FFFD) was rejected above.
    out->push_back(static_cast<char>(b));
    i += len;
  }
  return true;
}

} // namespace tern::tok
