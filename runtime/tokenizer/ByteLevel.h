//===- ByteLevel.h - GPT-2 byte <-> unicode mapping -------------*- C++ -*-===//
//
// Byte-level BPE vocabularies (GPT-2, LLaMA 3) store every token as text in
// which each byte is replaced by one printable code point: the bytes
// '!'..'~', 0xA1..0xAC and 0xAE..0xFF map to themselves, the other 68 bytes
// (controls, space, 0x7F..0xA0, 0xAD) to U+0100.. in increasing byte order.
// So ' ' is 'Ġ' (U+0120), '\n' is 'Ċ' (U+010A).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_TOKENIZER_BYTELEVEL_H
#define TERN_RUNTIME_TOKENIZER_BYTELEVEL_H

#include <cstdint>
#include <string>
#include <string_view>

namespace tern::tok {

/// The code point byte `b` is written as.
uint32_t byteToCodepoint(uint8_t b);
/// The byte code point `cp` stands for, or -1 when `cp` is not one of the
/// 256 byte-level code points.
int codepointToByte(uint32_t cp);

/// Raw bytes -> byte-level text (UTF-8).
std::string bytesToByteLevel(std::string_view bytes);
/// Byte-level text (UTF-8) -> raw bytes. Returns false when `text` is not
/// valid UTF-8 or holds a code point outside the byte-level alphabet; *out
/// then holds the bytes of the valid prefix.
bool byteLevelToBytes(std::string_view text, std::string *out);

} // namespace tern::tok

#endif
