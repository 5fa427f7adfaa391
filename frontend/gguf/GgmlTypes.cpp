//===- GgmlTypes.cpp - ggml tensor types and their codecs -----------------===//
//
// Written from the format descriptions in GgmlTypes.h. Assumes a
// little-endian host (x86-64, AArch64), like ggml.
//
//===----------------------------------------------------------------------===//
#include "frontend/gguf/GgmlTypes.h"

#include "runtime/reference/float_formats.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

namespace tern {
namespace gguf {
namespace {

constexpr int64_t kQK = 256;         // TQ1_0 / TQ2_0 block
constexpr int64_t kTq1Bytes = 54;    // qs[48] qh[4] d
constexpr int64_t kTq2Bytes = 66;    // qs[64] d
constexpr int64_t kI2Block = 128;    // I2_S elements per 32-byte block
constexpr int64_t kI2Trailer = 32;   // scale + padding after the codes

struct TypeEntry {
  uint32_t id;
  TypeTraits traits;
};

const TypeEntry kTypes[] = {
    {GGML_TYPE_F32, {"f32", 1, 4}},
    {GGML_TYPE_F16, {"f16", 1, 2}},
    {GGML_TYPE_Q4_0, {"q4_0", 32, 18}},
    {GGML_TYPE_Q4_1, {"q4_1", 32, 20}},
    {GGML_TYPE_Q5_0, {"q5_0", 32, 22}},
    {GGML_TYPE_Q5_1, {"q5_1", 32, 24}},
    {GGML_TYPE_Q8_0, {"q8_0", 32, 34}},
    {GGML_TYPE_Q8_1, {"q8_1", 32, 36}},
    {GGML_TYPE_Q2_K, {"q2_K", 256, 84}},
    {GGML_TYPE_Q3_K, {"q3_K", 256, 110}},
    {GGML_TYPE_Q4_K, {"q4_K", 256, 144}},
    {GGML_TYPE_Q5_K, {"q5_K", 256, 176}},
    {GGML_TYPE_Q6_K, {"q6_K", 256, 210}},
    {GGML_TYPE_Q8_K, {"q8_K", 256, 292}},
    {GGML_TYPE_I8, {"i8", 1, 1}},
    {GGML_TYPE_I16, {"i16", 1, 2}},
    {GGML_TYPE_I32, {"i32", 1, 4}},
    {GGML_TYPE_I64, {"i64", 1, 8}},
    {GGML_TYPE_F64, {"f64", 1, 8}},
    {GGML_TYPE_BF16, {"bf16", 1, 2}},
    {GGML_TYPE_TQ1_0, {"tq1_0", kQK, kTq1Bytes}},
    {GGML_TYPE_TQ2_0, {"tq2_0", kQK, kTq2Bytes}},
    {GGML_TYPE_I2_S, {"i2_s", 1, 1}},
};

void setErr(std::string *err, const std::string &msg) {
  if (err)
    *err = msg;
}

std::string fmtFloat(float f) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(f));
  return buf;
}

std::string quoted(const std::string &name) {
  return "tensor " + quoteName(name);
}

const uint8_t kPow3[5] = {1, 3, 9, 27, 81};

// Digit n (0 = most significant) of a TQ1_0 byte.
inline int tq1Digit(uint8_t b, int n) {
  const uint8_t t = static_cast<uint8_t>(b * kPow3[n]);
  return (t * 3) >> 8;
}

// q in [0, 243) -> stored byte ceil(q * 256 / 243).
inline uint8_t tq1Store(unsigned q) {
  return static_cast<uint8_t>((q * 256 + 242) / 243);
}

inline uint16_t loadU16(const uint8_t *p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

// Checks the one-scale-per-matrix rule of TQ1_0 / TQ2_0 block by block.
class BlockScales {
public:
  BlockScales(const char *type, const std::string &tensor)
      : type_(type), tensor_(tensor) {}

  bool add(int64_t block, uint16_t d, bool nonzero, std::string *err) {
    const bool d_zero = (d & 0x7fff) == 0;
    if (nonzero || !d_zero) {
      const float f = ref::f16ToF32(d);
      if (!(f > 0.0f) || !std::isfinite(f)) {
        setErr(err, quoted(tensor_) + ": " + type_ + " block " +
                        std::to_string(block) + " has scale d = " +
                        fmtFloat(f) +
                        "; tern needs a positive finite scale");
        return false;
      }
    }
    if (nonzero) {
      if (!have_) {
        if (have_zero_ && zero_bits_ != d)
          return mismatch(zero_block_, zero_bits_, block, d, err);
        have_ = true;
        bits_ = d;
        block_ = block;
      } else if (bits_ != d) {
        return mismatch(block_, bits_, block, d, err);
      }
      return true;
    }
    if (d_zero)
      return true;
    if (have_) {
      if (bits_ != d)
        return mismatch(block_, bits_, block, d, err);
      return true;
    }
    if (!have_zero_) {
      have_zero_ = true;
      zero_bits_ = d;
      zero_block_ = block;
    } else if (zero_bits_ != d) {
      return mismatch(zero_block_, zero_bits_, block, d, err);
    }
    return true;
  }

  float scale() const {
    return have_ ? ref::f16ToF32(bits_) : 0.0f;
  }

private:
  bool mismatch(int64_t b0, uint16_t d0, int64_t b1, uint16_t d1,
                std::string *err) {
    if (b0 > b1) {
      std::swap(b0, b1);
      std::swap(d0, d1);
    }
    setErr(err, quoted(tensor_) + ": " + type_ +
                    " blocks have different scales (block " +
                    std::to_string(b0) + ": " + fmtFloat(ref::f16ToF32(d0)) +
                    ", block " + std::to_string(b1) + ": " +
                    fmtFloat(ref::f16ToF32(d1)) +
                    "); tern needs one scale per matrix");
    return false;
  }

  const char *type_;
  const std::string &tensor_;
  bool have_ = false;
  uint16_t bits_ = 0;
  int64_t block_ = 0;
  bool have_zero_ = false;
  uint16_t zero_bits_ = 0;
  int64_t zero_block_ = 0;
};

// rows x cols -> n, with shape checks shared by the ternary codecs.
bool ternaryCount(uint32_t type, int64_t rows, int64_t cols, int64_t *n,
                  const std::string &what, std::string *err) {
  if (rows < 0 || cols < 0) {
    setErr(err, what + ": negative shape " + std::to_string(rows) + " x " +
                    std::to_string(cols));
    return false;
  }
  if (cols != 0 && rows > std::numeric_limits<int64_t>::max() / cols) {
    setErr(err, what + ": shape " + std::to_string(rows) + " x " +
                    std::to_string(cols) + " overflows");
    return false;
  }
  *n = rows * cols;
  if ((type == GGML_TYPE_TQ1_0 || type == GGML_TYPE_TQ2_0) && cols % kQK) {
    setErr(err, what + ": " + typeName(type) + " needs a row length that is "
                    "a multiple of 256, got " + std::to_string(cols));
    return false;
  }
  if (type == GGML_TYPE_I2_S && *n % kI2Block) {
    setErr(err, what + ": i2_s needs an element count that is a multiple "
                    "of 128, got " + std::to_string(*n));
    return false;
  }
  return true;
}

bool tooSmall(const std::string &what, uint32_t type, uint64_t size,
              uint64_t need, std::string *err) {
  setErr(err, what + ": " + typeName(type) + " data has " +
                  std::to_string(size) + " bytes, needs " +
                  std::to_string(need));
  return false;
}

bool decodeTq2(const uint8_t *bytes, int64_t nblocks,
               const std::string &tensor, int8_t *w, float *scale,
               std::string *err) {
  BlockScales scales("TQ2_0", tensor);
  for (int64_t b = 0; b < nblocks; ++b) {
    const uint8_t *p = bytes + b * kTq2Bytes;
    int8_t *o = w + b * kQK;
    unsigned any = 0, bad = 0;
    for (int h = 0; h < 2; ++h) {
      for (int m = 0; m < 32; ++m) {
        const uint8_t byte = p[32 * h + m];
        any |= byte ^ 0x55; // 0x55: four zero weights
        bad |= byte & (byte >> 1) & 0x55;
        for (int n = 0; n < 4; ++n)
          o[128 * h + 32 * n + m] =
              static_cast<int8_t>(((byte >> (2 * n)) & 3) - 1);
      }
    }
    if (bad) {
      for (int e = 0; e < kQK; ++e) {
        if (o[e] == 2) {
          setErr(err, quoted(tensor) + ": TQ2_0 block " + std::to_string(b) +
                          " has invalid code 3 at element " +
                          std::to_string(e));
          return false;
        }
      }
    }
    if (!scales.add(b, loadU16(p + 64), any != 0, err))
      return false;
  }
  *scale = scales.scale();
  return true;
}

bool decodeTq1(const uint8_t *bytes, int64_t nblocks,
               const std::string &tensor, int8_t *w, float *scale,
               std::string *err) {
  BlockScales scales("TQ1_0", tensor);
  for (int64_t b = 0; b < nblocks; ++b) {
    const uint8_t *p = bytes + b * kTq1Bytes;
    int8_t *o = w + b * kQK;
    for (int m = 0; m < 32; ++m)
      for (int n = 0; n < 5; ++n)
        o[m + 32 * n] = static_cast<int8_t>(tq1Digit(p[m], n) - 1);
    for (int m = 0; m < 16; ++m)
      for (int n = 0; n < 5; ++n)
        o[160 + m + 16 * n] = static_cast<int8_t>(tq1Digit(p[32 + m], n) - 1);
    for (int j = 0; j < 4; ++j)
      for (int n = 0; n < 4; ++n)
        o[240 + j + 4 * n] = static_cast<int8_t>(tq1Digit(p[48 + j], n) - 1);
    bool any = false;
    for (int e = 0; e < kQK && !any; ++e)
      any = o[e] != 0;
    if (!scales.add(b, loadU16(p + 52), any, err))
      return false;
  }
  *scale = scales.scale();
  return true;
}

bool decodeI2s(const uint8_t *bytes, int64_t n, const std::string &tensor,
               int8_t *w, float *scale, std::string *err) {
  const int64_t nblocks = n / kI2Block;
  for (int64_t b = 0; b < nblocks; ++b) {
    const uint8_t *p = bytes + b * 32;
    int8_t *o = w + b * kI2Block;
    unsigned bad = 0;
    for (int k = 0; k < 32; ++k) {
      const uint8_t byte = p[k];
      bad |= byte & (byte >> 1) & 0x55;
      for (int g = 0; g < 4; ++g)
        o[32 * g + k] = static_cast<int8_t>(((byte >> (6 - 2 * g)) & 3) - 1);
    }
    if (bad) {
      for (int e = 0; e < kI2Block; ++e) {
        if (o[e] == 2) {
          setErr(err, quoted(tensor) + ": I2_S block " + std::to_string(b) +
                          " has invalid code 3 at element " +
                          std::to_string(e));
          return false;
        }
      }
    }
  }
  float s;
  std::memcpy(&s, bytes + n / 4, sizeof s);
  if (!std::isfinite(s) || s < 0.0f) {
    setErr(err, quoted(tensor) + ": I2_S scale " + fmtFloat(s) +
                    " is not a finite non-negative number");
    return false;
  }
  *scale = s == 0.0f ? 0.0f : s; // -0 -> +0
  return true;
}

// Every weight must be -1, 0 or 1.
bool checkWeights(const int8_t *w, int64_t n, std::string *err) {
  for (int64_t i = 0; i < n; ++i) {
    if (w[i] < -1 || w[i] > 1) {
      setErr(err, "encodeTernary: weight " + std::to_string(i) + " is " +
                      std::to_string(w[i]) + ", not in {-1, 0, 1}");
      return false;
    }
  }
  return true;
}

bool tqScaleBits(uint32_t type, float scale, uint16_t *bits,
                 std::string *err) {
  const uint16_t h = ref::f32ToF16(scale);
  const float back = ref::f16ToF32(h);
  if (!std::isfinite(scale) || !(scale > 0.0f) || !std::isfinite(back) ||
      !(back > 0.0f)) {
    setErr(err, std::string("encodeTernary: ") + typeName(type) + " scale " +
                    fmtFloat(scale) +
                    " is not a positive finite half-precision number");
    return false;
  }
  *bits = h;
  return true;
}

} // namespace

std::string quoteName(const std::string &name) {
  constexpr size_t kMaxShown = 200;
  std::string r = "'";
  const size_t n = std::min(name.size(), kMaxShown);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      r += buf;
    } else {
      r += static_cast<char>(c);
    }
  }
  if (name.size() > kMaxShown)
    r += "...";
  return r + "'";
}

const TypeTraits *typeTraits(uint32_t type) {
  for (const TypeEntry &e : kTypes)
    if (e.id == type)
      return &e.traits;
  return nullptr;
}

const char *typeName(uint32_t type) {
  const TypeTraits *t = typeTraits(type);
  return t ? t->name : "unknown";
}

bool isTernaryType(uint32_t type) {
  return type == GGML_TYPE_TQ1_0 || type == GGML_TYPE_TQ2_0 ||
         type == GGML_TYPE_I2_S;
}

bool isFloatType(uint32_t type) {
  return type == GGML_TYPE_F32 || type == GGML_TYPE_F16 ||
         type == GGML_TYPE_BF16;
}

bool tensorElements(const std::vector<uint64_t> &ne, uint64_t *count,
                    std::string *err) {
  const uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  // The product of the nonzero dims must fit in int64 too, so that any
  // sub-product (rows = ne[1] * ne[2] * ...) is well-defined.
  uint64_t n = 1;
  bool zero = false;
  for (size_t i = 0; i < ne.size(); ++i) {
    if (ne[i] > kMax) {
      setErr(err, "dimension " + std::to_string(i) + " is " +
                      std::to_string(ne[i]) + " (negative as int64)");
      return false;
    }
    if (ne[i] == 0) {
      zero = true;
      continue;
    }
    if (n > kMax / ne[i]) {
      setErr(err, "element count overflows int64");
      return false;
    }
    n *= ne[i];
  }
  *count = zero ? 0 : n;
  return true;
}

bool tensorBytes(uint32_t type, const std::vector<uint64_t> &ne,
                 uint64_t *bytes, std::string *err) {
  const TypeTraits *t = typeTraits(type);
  if (!t) {
    setErr(err, "unknown ggml type " + std::to_string(type));
    return false;
  }
  uint64_t n;
  if (!tensorElements(ne, &n, err))
    return false;
  const uint64_t ne0 = ne.empty() ? 1 : ne[0];
  if (ne0 % static_cast<uint64_t>(t->block)) {
    setErr(err, "ne[0] = " + std::to_string(ne0) +
                    " is not a multiple of the " + t->name + " block size " +
                    std::to_string(t->block));
    return false;
  }
  if (type == GGML_TYPE_I2_S) {
    if (n % kI2Block) {
      setErr(err, "i2_s element count " + std::to_string(n) +
                      " is not a multiple of 128");
      return false;
    }
    *bytes = n / 4 + kI2Trailer;
    return true;
  }
  const uint64_t blocks = n / static_cast<uint64_t>(t->block);
  const uint64_t size = static_cast<uint64_t>(t->type_size);
  if (blocks > std::numeric_limits<uint64_t>::max() / size) {
    setErr(err, "byte size overflows");
    return false;
  }
  *bytes = blocks * size;
  return true;
}

bool decodeFloats(uint32_t type, const uint8_t *bytes, uint64_t count,
                  float *out, std::string *err) {
  switch (type) {
  case GGML_TYPE_F32:
    if (count)
      std::memcpy(out, bytes, count * 4);
    return true;
  case GGML_TYPE_F16:
    for (uint64_t i = 0; i < count; ++i)
      out[i] = ref::f16ToF32(loadU16(bytes + 2 * i));
    return true;
  case GGML_TYPE_BF16:
    for (uint64_t i = 0; i < count; ++i)
      out[i] = ref::bf16ToF32(loadU16(bytes + 2 * i));
    return true;
  case GGML_TYPE_Q8_0: // ggml dequantize_row_q8_0: y = d * q
    if (count % 32) {
      setErr(err, "decodeFloats: Q8_0 needs a multiple of 32 values");
      return false;
    }
    for (uint64_t b = 0; b < count / 32; ++b) {
      const uint8_t *blk = bytes + 34 * b;
      const float d = ref::f16ToF32(loadU16(blk));
      for (int i = 0; i < 32; ++i)
        out[32 * b + i] = d * float(int8_t(blk[2 + i]));
    }
    return true;
  case GGML_TYPE_Q6_K: // ggml dequantize_row_q6_K, its expression order
    if (count % 256) {
      setErr(err, "decodeFloats: Q6_K needs a multiple of 256 values");
      return false;
    }
    for (uint64_t b = 0; b < count / 256; ++b) {
      const uint8_t *ql = bytes + 210 * b, *qh = ql + 128;
      const int8_t *sc = reinterpret_cast<const int8_t *>(qh + 64);
      const float d = ref::f16ToF32(loadU16(qh + 64 + 16));
      float *y = out + 256 * b;
      for (int n = 0; n < 256; n += 128) {
        for (int l = 0; l < 32; ++l) {
          const int is = l / 16;
          const int q1 = int((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
          const int q2 = int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
          const int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
          const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
          y[l + 0] = d * float(sc[is + 0]) * float(q1);
          y[l + 32] = d * float(sc[is + 2]) * float(q2);
          y[l + 64] = d * float(sc[is + 4]) * float(q3);
          y[l + 96] = d * float(sc[is + 6]) * float(q4);
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
      }
    }
    return true;
  default:
    setErr(err, std::string("decodeFloats: ") + typeName(type) + " (type " +
                    std::to_string(type) + ") is not a float type");
    return false;
  }
}

bool encodeFloats(uint32_t type, const float *in, uint64_t count,
                  std::vector<uint8_t> *out, std::string *err) {
  const size_t base = out->size();
  switch (type) {
  case GGML_TYPE_F32:
    out->resize(base + count * 4);
    if (count)
      std::memcpy(out->data() + base, in, count * 4);
    return true;
  case GGML_TYPE_F16:
  case GGML_TYPE_BF16: {
    out->resize(base + count * 2);
    uint8_t *p = out->data() + base;
    for (uint64_t i = 0; i < count; ++i) {
      const uint16_t h = type == GGML_TYPE_F16 ? ref::f32ToF16(in[i])
                                               : ref::f32ToBf16(in[i]);
      p[2 * i] = static_cast<uint8_t>(h);
      p[2 * i + 1] = static_cast<uint8_t>(h >> 8);
    }
    return true;
  }
  case GGML_TYPE_Q8_0: { // d = absmax / 127 (f16), q = round(x / d)
    if (count % 32) {
      setErr(err, "encodeFloats: Q8_0 needs a multiple of 32 values");
      return false;
    }
    out->resize(base + count / 32 * 34);
    uint8_t *p = out->data() + base;
    for (uint64_t b = 0; b < count / 32; ++b, p += 34) {
      float amax = 0;
      for (int i = 0; i < 32; ++i)
        amax = std::max(amax, std::fabs(in[32 * b + i]));
      const uint16_t dh = ref::f32ToF16(amax / 127.0f);
      const float d = ref::f16ToF32(dh);
      p[0] = uint8_t(dh);
      p[1] = uint8_t(dh >> 8);
      for (int i = 0; i < 32; ++i)
        p[2 + i] = uint8_t(int8_t(d > 0 ? std::clamp(std::lround(in[32 * b + i] / d), -127L, 127L) : 0));
    }
    return true;
  }
  case GGML_TYPE_Q6_K: {
    // A valid encoding, simpler than ggml's quantize_row_q6_K search: each
    // 16-value group's scale absmax / 31 as an int8 multiple of the block's
    // d (f16), q = round(x / (d * sc)) in [-32, 31].
    if (count % 256) {
      setErr(err, "encodeFloats: Q6_K needs a multiple of 256 values");
      return false;
    }
    out->resize(base + count / 256 * 210);
    uint8_t *p = out->data() + base;
    for (uint64_t b = 0; b < count / 256; ++b, p += 210) {
      const float *x = in + 256 * b;
      float gs[16], maxScale = 0;
      for (int g = 0; g < 16; ++g) {
        float amax = 0;
        for (int i = 0; i < 16; ++i)
          amax = std::max(amax, std::fabs(x[16 * g + i]));
        gs[g] = amax / 31.0f;
        maxScale = std::max(maxScale, gs[g]);
      }
      const uint16_t dh = ref::f32ToF16(maxScale / 127.0f);
      const float d = ref::f16ToF32(dh);
      uint8_t *ql = p, *qh = p + 128;
      int8_t *sc = reinterpret_cast<int8_t *>(p + 192);
      std::memset(p, 0, 210);
      for (int g = 0; g < 16; ++g)
        sc[g] = int8_t(d > 0 ? std::clamp(std::lround(gs[g] / d), 1L, 127L) : 0);
      p[208] = uint8_t(dh);
      p[209] = uint8_t(dh >> 8);
      // Element e = 128 h + 32 k + l (k: which of q1..q4) lives in group
      // e / 16 and in ql / qh as dequantize_row_q6_K reads it.
      for (int e = 0; e < 256; ++e) {
        const int h = e / 128, k = (e % 128) / 32, l = e % 32;
        const float step = d * float(sc[e / 16]);
        const int q = step > 0 ? int(std::clamp(std::lround(x[e] / step), -32L, 31L)) + 32 : 32;
        uint8_t &low = ql[64 * h + l + (k & 1) * 32];
        low |= uint8_t((q & 0xF) << ((k >> 1) * 4));
        qh[32 * h + l] |= uint8_t(((q >> 4) & 3) << (2 * k));
      }
    }
    return true;
  }
  default:
    setErr(err, std::string("encodeFloats: ") + typeName(type) + " (type " +
                    std::to_string(type) + ") is not a float type");
    return false;
  }
}

bool decodeTernary(uint32_t type, const uint8_t *bytes, uint64_t size,
                   int64_t rows, int64_t cols, const std::string &tensor_name,
                   int8_t *w, float *scale, std::string *err) {
  const std::string what = quoted(tensor_name);
  if (!isTernaryType(type)) {
    setErr(err, what + ": " + typeName(type) + " (type " +
                    std::to_string(type) + ") is not a ternary type");
    return false;
  }
  int64_t n;
  if (!ternaryCount(type, rows, cols, &n, what, err))
    return false;
  switch (type) {
  case GGML_TYPE_TQ2_0: {
    const uint64_t need = static_cast<uint64_t>(n / kQK) * kTq2Bytes;
    if (size < need)
      return tooSmall(what, type, size, need, err);
    return decodeTq2(bytes, n / kQK, tensor_name, w, scale, err);
  }
  case GGML_TYPE_TQ1_0: {
    const uint64_t need = static_cast<uint64_t>(n / kQK) * kTq1Bytes;
    if (size < need)
      return tooSmall(what, type, size, need, err);
    return decodeTq1(bytes, n / kQK, tensor_name, w, scale, err);
  }
  default: { // I2_S
    const uint64_t need = static_cast<uint64_t>(n / 4) + 4;
    if (size < need)
      return tooSmall(what, type, size, need, err);
    return decodeI2s(bytes, n, tensor_name, w, scale, err);
  }
  }
}

bool encodeTernary(uint32_t type, const int8_t *w, int64_t rows, int64_t cols,
                   float scale, std::vector<uint8_t> *out, std::string *err) {
  if (!isTernaryType(type)) {
    setErr(err, std::string("encodeTernary: ") + typeName(type) + " (type " +
                    std::to_string(type) + ") is not a ternary type");
    return false;
  }
  int64_t n;
  if (!ternaryCount(type, rows, cols, &n, "encodeTernary", err))
    return false;
  if (!checkWeights(w, n, err))
    return false;

  if (type == GGML_TYPE_I2_S) {
    if (!std::isfinite(scale) || scale < 0.0f) {
      setErr(err, "encodeTernary: i2_s scale " + fmtFloat(scale) +
                      " is not a finite non-negative number");
      return false;
    }
    out->assign(static_cast<size_t>(n / 4 + kI2Trailer), 0);
    uint8_t *p = out->data();
    for (int64_t b = 0; b < n / kI2Block; ++b) {
      for (int k = 0; k < 32; ++k) {
        unsigned byte = 0;
        for (int g = 0; g < 4; ++g)
          byte |= static_cast<unsigned>(w[b * kI2Block + 32 * g + k] + 1)
                  << (6 - 2 * g);
        p[b * 32 + k] = static_cast<uint8_t>(byte);
      }
    }
    std::memcpy(p + n / 4, &scale, sizeof scale);
    return true;
  }

  const int64_t nblocks = n / kQK;
  const int64_t bsize = type == GGML_TYPE_TQ2_0 ? kTq2Bytes : kTq1Bytes;
  out->assign(static_cast<size_t>(nblocks * bsize), 0);
  bool have_bits = false;
  uint16_t bits = 0;
  for (int64_t b = 0; b < nblocks; ++b) {
    const int8_t *x = w + b * kQK;
    uint8_t *p = out->data() + b * bsize;
    bool any = false;
    for (int e = 0; e < kQK && !any; ++e)
      any = x[e] != 0;
    uint16_t d = 0;
    if (any) {
      if (!have_bits && !tqScaleBits(type, scale, &bits, err))
        return false;
      have_bits = true;
      d = bits;
    }
    if (type == GGML_TYPE_TQ2_0) {
      for (int h = 0; h < 2; ++h) {
        for (int m = 0; m < 32; ++m) {
          unsigned byte = 0;
          for (int k = 0; k < 4; ++k)
            byte |= static_cast<unsigned>(x[128 * h + 32 * k + m] + 1)
                    << (2 * k);
          p[32 * h + m] = static_cast<uint8_t>(byte);
        }
      }
      p[64] = static_cast<uint8_t>(d);
      p[65] = static_cast<uint8_t>(d >> 8);
    } else {
      for (int m = 0; m < 32; ++m) {
        unsigned q = 0;
        for (int k = 0; k < 5; ++k)
          q = q * 3 + static_cast<unsigned>(x[m + 32 * k] + 1);
        p[m] = tq1Store(q);
      }
      for (int m = 0; m < 16; ++m) {
        unsigned q = 0;
        for (int k = 0; k < 5; ++k)
          q = q * 3 + static_cast<unsigned>(x[160 + m + 16 * k] + 1);
        p[32 + m] = tq1Store(q);
      }
      for (int j = 0; j < 4; ++j) {
        unsigned q = 0;
        for (int k = 0; k < 4; ++k)
          q = q * 3 + static_cast<unsigned>(x[240 + j + 4 * k] + 1);
        p[48 + j] = tq1Store(q * 3);
      }
      p[52] = static_cast<uint8_t>(d);
      p[53] = static_cast<uint8_t>(d >> 8);
    }
  }
  return true;
}

} // namespace gguf
} // namespace tern
