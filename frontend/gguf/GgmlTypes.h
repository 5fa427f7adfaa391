//===- GgmlTypes.h - ggml tensor types and their codecs ---------*- C++ -*-===//
//
// The ggml tensor type table (block size and bytes per block, as GGUF files
// use them) and the codecs tern needs: F32 / F16 / BF16 floats and the three
// ternary formats TQ1_0, TQ2_0 (llama.cpp) and I2_S (bitnet.cpp's fork).
// Plain C++17, no exceptions, no LLVM/MLIR: usable from the fuzzer and the
// runtime.
//
// Layouts (checked against public sources; see the notes below):
//
// TQ2_0 (type 35): blocks of 256 weights along a row, 66 bytes:
//   uint8_t qs[64]; uint16_t d (IEEE half). Code q = w + 1 in {0, 1, 2}.
//   For half h in {0, 1} and m in 0..31, byte qs[32*h + m] holds in bits
//   2n..2n+1 (n = 0..3) the code of element 128*h + 32*n + m. Code 3 is
//   invalid (tern rejects it; llama.cpp would decode it as +2).
//
// TQ1_0 (type 34): blocks of 256 weights, 54 bytes:
//   uint8_t qs[48]; uint8_t qh[4]; uint16_t d (IEEE half).
//   qs[m], m < 32: elements m + 32*n (n = 0..4) as base-3 digits, first
//     element most significant: q = c0*81 + c1*27 + c2*9 + c3*3 + c4.
//   qs[32 + m], m < 16: elements 160 + m + 16*n (n = 0..4), likewise.
//   qh[j], j < 4: elements 240 + j + 4*n (n = 0..3), four digits, then
//     multiplied by 3 (the fifth digit is 0).
//   Every byte stores ceil(q * 256 / 243) = (q*256 + 242) / 243. Digit n of
//   a byte b decodes as ((uint8_t)(b * 3^n) * 3) >> 8. Every byte value
//   decodes to digits in {0, 1, 2}, so TQ1_0 has no invalid codes.
//
// I2_S (type 36, bitnet.cpp, x86 layout, QK_I2_S = 128): the whole tensor
//   (row-major, n elements, n % 128 == 0) is cut into blocks of 128
//   consecutive elements of 32 bytes each. Element j of block b sits in byte
//   32*b + j%32 at bits 6 - 2*(j/32) (the first 32 elements in the top two
//   bits). Codes 0, 1, 2 mean -1, 0, +1; code 3 is invalid (tern rejects
//   it; bitnet.cpp decodes it as 0). After the n/4 packed bytes comes one
//   float32 scale (w_float = w * scale), then 28 bytes of padding: the
//   tensor occupies n/4 + 32 bytes (bitnet.cpp's ggml_nbytes special case;
//   its type table says block 1, size 1). A reader accepts n/4 + 4 bytes
//   when the tensor is the last one of the file. bitnet.cpp built for ARM
//   uses QK_I2_S = 64 in its quantizer: such files are a different layout
//   that this codec does not read.
//
// Scale rule for decodeTernary (one scale per matrix, as tern needs):
//   TQ1_0 / TQ2_0: every block that has a nonzero weight must carry the same
//     d, and that d must be finite and > 0; it is the tensor's scale
//     (w_float = w * d). A block whose weights are all zero may carry d = 0
//     (what llama.cpp's quantizer writes: d = absmax of the block) or that
//     same d. If no block has a nonzero weight, the scale is 0 (any scale
//     gives the same all-zero matrix; 0 is what re-encoding writes), though
//     the blocks' d must still agree.
//   I2_S: the stored float32; it must be finite and >= 0 (bitnet.cpp stores
//     max|w|, which is 0 for an all-zero tensor).
// encodeTernary with scale s writes d = f16(s) in every block that has a
// nonzero weight and d = 0 in all-zero blocks (byte-identical to llama.cpp's
// quantize_row_tq*_0_ref on w * s when s is exactly representable in f16);
// I2_S stores s as float32. s must be finite and > 0 (and f16(s) too).
//
// Sources checked (via public code search, not copied):
//   - ggml-quants.c (llama.cpp, as vendored by ollama):
//     quantize_row_tq1_0_ref / quantize_row_tq2_0_ref / dequantize_row_tq1_0
//     / dequantize_row_tq2_0: element orders, the ceil(q*256/243) step, the
//     extra *3 for qh, pow3 decoding, d = block absmax in f16, block structs
//     (qs[48], qh[4], d = 54 bytes; qs[64], d = 66 bytes). All agree with the
//     description above.
//   - bitnet.cpp src/ggml-bitnet-mad.cpp quantize_i2_s: element j of a
//     128-block -> byte i*32 + j%32, shift 6 - 2*(j/32); q = 0/1/2 for
//     -1/0/+1; scale = max|w| as float right after n/4 bytes; returns
//     n/4 + 32 bytes. Its ggml.c: I2_S = 36, block 1 / size 1, nbytes
//     special-cased to n/4 + 32. dequantize_row_i2_s maps code 3 to 0.
//   - GGUF spec (ggml docs/gguf.md, gguf.h): header, value types 0..12,
//     general.alignment (uint32, default 32), offsets relative to the
//     aligned data section.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_GGUF_GGMLTYPES_H
#define TERN_FRONTEND_GGUF_GGMLTYPES_H

#include <cstdint>
#include <string>
#include <vector>

namespace tern {
namespace gguf {

/// ggml tensor type ids as stored in GGUF tensor infos. Only the ones with a
/// table entry are accepted by the reader.
enum GgmlType : uint32_t {
  GGML_TYPE_F32 = 0,
  GGML_TYPE_F16 = 1,
  GGML_TYPE_Q4_0 = 2,
  GGML_TYPE_Q4_1 = 3,
  GGML_TYPE_Q5_0 = 6,
  GGML_TYPE_Q5_1 = 7,
  GGML_TYPE_Q8_0 = 8,
  GGML_TYPE_Q8_1 = 9,
  GGML_TYPE_Q2_K = 10,
  GGML_TYPE_Q3_K = 11,
  GGML_TYPE_Q4_K = 12,
  GGML_TYPE_Q5_K = 13,
  GGML_TYPE_Q6_K = 14,
  GGML_TYPE_Q8_K = 15,
  GGML_TYPE_I8 = 24,
  GGML_TYPE_I16 = 25,
  GGML_TYPE_I32 = 26,
  GGML_TYPE_I64 = 27,
  GGML_TYPE_F64 = 28,
  GGML_TYPE_BF16 = 30,
  GGML_TYPE_TQ1_0 = 34,
  GGML_TYPE_TQ2_0 = 35,
  GGML_TYPE_I2_S = 36, // bitnet.cpp fork; see the header comment
};

/// A key or tensor name for an error message: 'name', with control bytes,
/// DEL, backslash and quote escaped as \xNN and names beyond 200 bytes cut
/// ("..."), so that messages stay one printable line.
std::string quoteName(const std::string &name);

/// Elements per block and bytes per block. Types other than the floats and
/// the ternary ones have table entries only (sizes, no codec). I2_S is
/// listed as block 1 / size 1 like bitnet.cpp, but its byte size is special:
/// use tensorBytes().
struct TypeTraits {
  const char *name; // ggml's lower-case name: "f32", "tq2_0", "i2_s", ...
  int64_t block;
  int64_t type_size;
};

/// The traits of `type`, or nullptr for an unknown id.
const TypeTraits *typeTraits(uint32_t type);
/// The ggml name of `type`, or "unknown" for an unknown id.
const char *typeName(uint32_t type);
/// True for TQ1_0, TQ2_0, I2_S.
bool isTernaryType(uint32_t type);
/// True for F32, F16, BF16.
bool isFloatType(uint32_t type);

/// Number of elements of a tensor of dims `ne` (ne[0] innermost); false on
/// a negative (> INT64_MAX) dim or int64 overflow.
bool tensorElements(const std::vector<uint64_t> &ne, uint64_t *count,
                    std::string *err);

/// Bytes a tensor of `type` and dims `ne` occupies in a GGUF file:
/// (nelements / block) * type_size, or n/4 + 32 for I2_S. Errors (one line,
/// no file or tensor name: callers prefix it): unknown type, ne[0] not a
/// multiple of the block size, I2_S element count not a multiple of 128,
/// overflow.
bool tensorBytes(uint32_t type, const std::vector<uint64_t> &ne,
                 uint64_t *bytes, std::string *err);

/// Float tensors (F32, F16, BF16, little-endian; and the block-quantized
/// Q8_0 and Q6_K as ggml dequantizes them, which bitnet.cpp recommends for
/// embeddings): `bytes` must hold count / block * type_size bytes.
/// Unsupported type -> false + error.
bool decodeFloats(uint32_t type, const uint8_t *bytes, uint64_t count,
                  float *out, std::string *err);
/// Appends the encoding of `count` values to `out` (F16/BF16 round to
/// nearest even; Q8_0 d = absmax / 127; Q6_K a valid, simple encoding:
/// per-16 scales absmax / 31 as int8 multiples of an f16 d).
bool encodeFloats(uint32_t type, const float *in, uint64_t count,
                  std::vector<uint8_t> *out, std::string *err);

/// Decodes a ternary tensor of `rows` x `cols` (row-major; GGUF ne =
/// [cols, rows]) into w[rows*cols] in {-1, 0, 1} and the single per-tensor
/// scale (see the scale rule above). `size` is the number of bytes
/// available at `bytes`: at least tensorBytes() for TQ*, at least n/4 + 4
/// for I2_S. Errors name `tensor_name` and, for bad data, the block:
///   tensor 'blk.0.attn_q.weight': TQ2_0 block 7 has code 3 at element 12
///   tensor 'x': TQ2_0 blocks have different scales (block 0: 0.03125,
///     block 7: 0.0625); tern needs one scale per matrix
bool decodeTernary(uint32_t type, const uint8_t *bytes, uint64_t size,
                   int64_t rows, int64_t cols, const std::string &tensor_name,
                   int8_t *w, float *scale, std::string *err);

/// Encodes w[rows*cols] (values in {-1, 0, 1}, row-major) with `scale`;
/// replaces the contents of `out` with exactly tensorBytes() bytes (I2_S:
/// n/4 + 32, scale then zero padding). TQ*: cols % 256 == 0; I2_S:
/// rows*cols % 128 == 0. Errors: bad shape, value outside {-1, 0, 1},
/// scale not finite/positive or not representable as a positive finite f16
/// (TQ*), unsupported type.
bool encodeTernary(uint32_t type, const int8_t *w, int64_t rows, int64_t cols,
                   float scale, std::vector<uint8_t> *out, std::string *err);

} // namespace gguf
} // namespace tern

#endif // TERN_FRONTEND_GGUF_GGMLTYPES_H
