//===- ternary_layout.cpp - Byte packing of ternary weight matrices -------===//

#include "runtime/reference/ternary_layout.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace tern {
namespace ref {

static bool fail(std::string *err, const std::string &msg) {
  if (err)
    *err = msg;
  return false;
}

static std::string str(int64_t v) { return std::to_string(v); }

TernaryLayout hfCheckpointLayout(int64_t N) {
  TernaryLayout l;
  l.bits = 2;
  l.pack_dim = 0;
  l.block = N / 4;
  return l;
}

std::string layoutName(const TernaryLayout &l) {
  if (l.bits != 2 || l.pack_dim != 1)
    return "";
  if (l.lut == 2 || l.lut == 3)
    return l.interleave == 1 && l.chunk == 0 ? (l.lut == 2 ? "tl1" : "tl2") : "";
  if (l.lut != 0 || l.interleave < 1)
    return "";
  if (l.block == 4 && l.chunk == 4 &&
      (l.interleave == 4 || l.interleave == 8 || l.interleave == 16))
    return "i2lane";
  if (l.interleave == 1 ? l.chunk != 0 : l.chunk != l.block)
    return "";
  return "i2x" + str(l.interleave);
}

bool layoutFromName(const std::string &name, int64_t K, int64_t vectorBytes,
                    int64_t block, TernaryLayout *out, std::string *err) {
  TernaryLayout l;
  if (name == "tl1" || name == "tl2") {
    l.lut = name == "tl1" ? 2 : 3;
    l.block = block > 0 ? block : std::min<int64_t>(vectorBytes, 64);
    if (l.block != 16 && l.block != 32 && l.block != 64)
      return fail(err, "the lookup-table layout " + name + " needs block = 16, 32 or 64, got " +
                           str(l.block));
    *out = l;
    return true;
  }
  if (name == "i2lane") {
    // One row per 32-bit vector lane: R = vectorBytes / 4 rows, 4 bytes
    // (16 weights) of each per vector.
    if (vectorBytes != 16 && vectorBytes != 32 && vectorBytes != 64)
      return fail(err, "the layout i2lane needs vectors of 16, 32 or 64 bytes, got " +
                           str(vectorBytes));
    if (block > 0 && block != 4)
      return fail(err, "the layout i2lane has block = 4 (4 bytes of a row per lane), got block = " +
                           str(block));
    if (K % 16 != 0)
      return fail(err, "K = " + str(K) + ", which the layout i2lane cannot pack: K must be a "
                           "multiple of 16");
    l.block = 4;
    l.interleave = int(vectorBytes / 4);
    l.chunk = 4;
    *out = l;
    return true;
  }
  int64_t r = 0;
  if (name.size() > 3 && name.compare(0, 3, "i2x") == 0 &&
      name.find_first_not_of("0123456789", 3) == std::string::npos && name.size() < 8)
    r = std::stoll(name.substr(3));
  if (r < 1)
    return fail(err, "unknown layout \"" + name +
                         "\" (expected i2xR for R >= 1 rows interleaved, i2lane, tl1 or tl2)");
  l.interleave = int(r);
  if (block > 0) {
    if (K % (4 * block) != 0)
      return fail(err, "K = " + str(K) + ", which block = " + str(block) +
                           " cannot pack: K must be a multiple of 4 * block = " +
                           str(4 * block));
    l.block = block;
  } else {
    for (int64_t b : {64, 32, 16})
      if (b <= vectorBytes && K % (4 * b) == 0) {
        l.block = b;
        break;
      }
    if (l.block == 1)
      return fail(err, "K = " + str(K) +
                           ", which is not a multiple of 64: no block of 16, 32 "
                           "or 64 bytes packs it (set block= explicitly)");
  }
  l.chunk = r > 1 ? l.block : 0;
  *out = l;
  return true;
}

bool isLayoutName(const std::string &name) {
  TernaryLayout l;
  return layoutFromName(name, 256, 64, 0, &l, nullptr);
}

bool checkLayout(const TernaryLayout &l, int64_t N, int64_t K,
                 std::string *err) {
  if (N <= 0 || K <= 0)
    return fail(err, "ternary layout: matrix shape must be positive, got [" +
                         str(N) + ", " + str(K) + "]");
  if (l.lut != 0) {
    if (l.lut != 2 && l.lut != 3)
      return fail(err, "ternary layout: lut must be 0 (2-bit codes), 2 or 3 "
                       "(weights per table index), got " + str(l.lut));
    if (l.bits != 2 || l.pack_dim != 1 || l.interleave != 1 || l.chunk != 0)
      return fail(err, "ternary layout: lut = " + str(l.lut) +
                           " requires bits = 2, pack_dim = 1, interleave = 1, "
                           "chunk = 0");
    if (l.block != 16 && l.block != 32 && l.block != 64)
      return fail(err, "ternary layout: lut = " + str(l.lut) +
                           " requires block = 16, 32 or 64 (index bytes per "
                           "step), got " + str(l.block));
    return true;
  }
  if (l.bits == 8) {
    if (l.pack_dim != 1 || l.block != 1 || l.interleave != 1 || l.chunk != 0)
      return fail(err, "ternary layout: bits = 8 requires the default "
                       "pack_dim = 1, block = 1, interleave = 1, chunk = 0 "
                       "(got pack_dim = " +
                           str(l.pack_dim) + ", block = " + str(l.block) +
                           ", interleave = " + str(l.interleave) +
                           ", chunk = " + str(l.chunk) + ")");
    return true;
  }
  if (l.bits != 2)
    return fail(err, "ternary layout: bits must be 2 or 8, got " + str(l.bits));
  if (l.pack_dim != 0 && l.pack_dim != 1)
    return fail(err,
                "ternary layout: pack_dim must be 0 or 1, got " + str(l.pack_dim));
  if (l.block < 1)
    return fail(err, "ternary layout: block must be >= 1, got " + str(l.block));
  const int64_t L = l.pack_dim == 0 ? N : K;
  const char *dimName = l.pack_dim == 0 ? "N" : "K";
  if (L % (4 * l.block) != 0)
    return fail(err, std::string("ternary layout: packed dim ") + dimName +
                         " = " + str(L) + " must be a multiple of 4*block = " +
                         str(4 * l.block));
  if (l.interleave < 1)
    return fail(err, "ternary layout: interleave must be >= 1, got " +
                         str(l.interleave));
  if (l.chunk < 0)
    return fail(err,
                "ternary layout: chunk must be >= 0, got " + str(l.chunk));
  if (l.pack_dim == 0) {
    if (l.interleave != 1 || l.chunk != 0)
      return fail(err, "ternary layout: interleave/chunk require pack_dim = 1 "
                       "(got pack_dim = 0, interleave = " +
                           str(l.interleave) + ", chunk = " + str(l.chunk) +
                           ")");
    return true;
  }
  // pack_dim = 1: K % (4*block) == 0 above, so Kb >= 1.
  if (N % l.interleave != 0)
    return fail(err, "ternary layout: N = " + str(N) +
                         " must be a multiple of interleave = " +
                         str(l.interleave));
  const int64_t Kb = K / 4;
  const int64_t C = l.chunk == 0 ? Kb : l.chunk;
  if (Kb % C != 0)
    return fail(err, "ternary layout: K/4 = " + str(Kb) +
                         " bytes per row must be a multiple of chunk = " +
                         str(C));
  return true;
}

LutGeometry lutGeometry(const TernaryLayout &l, int64_t N, int64_t K) {
  LutGeometry g;
  g.g = l.lut;
  g.V = l.block;
  g.lanes = l.block / 16;
  g.groups = (K + g.g - 1) / g.g;
  g.steps = (g.groups + 2 * g.lanes - 1) / (2 * g.lanes);
  g.stepBytes = g.V + (g.g == 3 ? g.V / 4 : 0);
  g.rowBlocks = (N + 15) / 16;
  return g;
}

int lutEntry(int g, int i, const int8_t *a) {
  if (i >= (g == 3 ? 14 : 9))
    return 0;
  if (g == 2)
    return (i / 3 - 1) * a[0] + (i % 3 - 1) * a[1];
  return (i / 9 - 1) * a[0] + (i / 3 % 3 - 1) * a[1] + (i % 3 - 1) * a[2];
}

void buildLutTables(const LutGeometry &geo, int64_t K, const int8_t *q,
                    uint8_t *out) {
  std::memset(out, 0, static_cast<size_t>(geo.tableBytes()));
  for (int64_t gi = 0; gi < geo.groups; ++gi) {
    int8_t a[3] = {0, 0, 0};
    for (int e = 0; e < geo.g; ++e)
      if (gi * geo.g + e < K)
        a[e] = q[gi * geo.g + e];
    const int64_t s = gi / (2 * geo.lanes), j = gi % (2 * geo.lanes);
    const int64_t h = j / geo.lanes, lane = j % geo.lanes;
    uint8_t *lo = out + s * 4 * geo.V + h * 2 * geo.V + lane * 16;
    uint8_t *hi = lo + geo.V;
    for (int i = 0; i < 16; ++i) {
      const int v = lutEntry(geo.g, i, a);
      lo[i] = static_cast<uint8_t>(v & 0xff);
      hi[i] = static_cast<uint8_t>((v >> 8) & 0xff);
    }
  }
}

namespace {
// Where group j of step s, row r of block b lives (see the header).
struct LutSlot {
  int64_t indexByte; ///< byte holding the index nibble
  int shift;         ///< 0 or 4
  int64_t signByte;  ///< byte holding the sign bit (g = 3)
  int signBit;
};
LutSlot lutSlot(const LutGeometry &geo, int64_t n, int64_t gi) {
  const int64_t b = n / 16, r = n % 16;
  const int64_t s = gi / (2 * geo.lanes), j = gi % (2 * geo.lanes);
  const int64_t h = j / geo.lanes, lane = j % geo.lanes;
  const int64_t base = (b * geo.steps + s) * geo.stepBytes;
  LutSlot slot;
  slot.indexByte = base + lane * 16 + r;
  slot.shift = static_cast<int>(4 * h);
  const int64_t a = 2 * h + r / 8, bit = lane * 8 + r % 8;
  slot.signByte = base + geo.V + a * (geo.V / 16) + bit / 8;
  slot.signBit = static_cast<int>(bit % 8);
  return slot;
}
} // namespace

int64_t packedBytes(const TernaryLayout &l, int64_t N, int64_t K) {
  if (l.lut != 0) {
    const LutGeometry g = lutGeometry(l, N, K);
    return g.rowBlocks * g.blockBytes();
  }
  return l.bits == 8 ? N * K : N * K / 4;
}

std::vector<int64_t> storageShape(const TernaryLayout &l, int64_t N,
                                  int64_t K) {
  if (l.lut != 0) {
    const LutGeometry g = lutGeometry(l, N, K);
    return {g.rowBlocks, g.blockBytes()};
  }
  if (l.bits == 8)
    return {N, K};
  if (l.pack_dim == 0)
    return {N / 4, K};
  if (l.interleave > 1)
    return {N / l.interleave, (K / 4) * l.interleave};
  return {N, K / 4};
}

int64_t byteOffset(const TernaryLayout &l, int64_t N, int64_t K, int64_t n,
                   int64_t k, int *shift) {
  (void)N;
  if (l.bits == 8) {
    if (shift)
      *shift = 0;
    return n * K + k;
  }
  // Position along the packed dimension -> (packed index p, sub-slot s).
  const int64_t i = l.pack_dim == 0 ? n : k;
  const int64_t p = (i / (4 * l.block)) * l.block + (i % l.block);
  const int64_t s = (i / l.block) % 4;
  if (shift)
    *shift = static_cast<int>(2 * s);
  if (l.pack_dim == 0)
    return p * K + k; // storage [N/4][K]
  // pack_dim = 1: byte B[n][p] of the [N][Kb] byte matrix, stored as
  // [N/R][Kb/C][R][C].
  const int64_t Kb = K / 4;
  const int64_t R = l.interleave;
  const int64_t C = l.chunk == 0 ? Kb : l.chunk;
  const int64_t group = n / R, row = n % R;
  const int64_t chunkIdx = p / C, inChunk = p % C;
  return ((group * (Kb / C) + chunkIdx) * R + row) * C + inChunk;
}

namespace {
// Element index i along the packed dimension of byte p, sub-slot s (the
// inverse of byteOffset's (p, s) formula).
inline int64_t elementOf(const TernaryLayout &l, int64_t p, int s) {
  return (p / l.block) * 4 * l.block + s * l.block + p % l.block;
}

// Byte p of row n of the [N][Kb] byte matrix in the packed storage
// (pack_dim = 1: [N/R][Kb/C][R][C]).
inline int64_t rowByteOffset(const TernaryLayout &l, int64_t Kb, int64_t n,
                             int64_t p) {
  const int64_t R = l.interleave, C = l.chunk == 0 ? Kb : l.chunk;
  return (((n / R) * (Kb / C) + p / C) * R + n % R) * C + p % C;
}
} // namespace

void packTernary(const int8_t *W, int64_t N, int64_t K,
                 const TernaryLayout &l, uint8_t *out) {
  if (l.lut == 0 && l.bits == 2 && l.pack_dim == 1) {
    // Byte at a time: the 4 codes of byte p of each row.
    assert(checkLayout(l, N, K, nullptr) && "invalid ternary layout");
    const int64_t Kb = K / 4;
    for (int64_t n = 0; n < N; ++n) {
      const int8_t *row = W + n * K;
      for (int64_t p = 0; p < Kb; ++p) {
        unsigned byte = 0;
        for (int s = 0; s < 4; ++s) {
          const int8_t w = row[elementOf(l, p, s)];
          assert(w >= -1 && w <= 1 && "weight is not ternary");
          byte |= unsigned((w + 1) & 3) << (2 * s);
        }
        out[rowByteOffset(l, Kb, n, p)] = static_cast<uint8_t>(byte);
      }
    }
    return;
  }
  assert(checkLayout(l, N, K, nullptr) && "invalid ternary layout");
  std::memset(out, 0, static_cast<size_t>(packedBytes(l, N, K)));
  if (l.lut != 0) {
    // Byte 0 is index 0 (the all -1 pattern), so padding rows and groups
    // are written too: as the all-zero pattern.
    const LutGeometry geo = lutGeometry(l, N, K);
    for (int64_t n = 0; n < geo.rowBlocks * 16; ++n)
      for (int64_t gi = 0; gi < geo.steps * 2 * geo.lanes; ++gi) {
        int w[3] = {0, 0, 0};
        for (int e = 0; e < geo.g; ++e)
          if (n < N && gi * geo.g + e < K) {
            w[e] = W[n * K + gi * geo.g + e];
            assert(w[e] >= -1 && w[e] <= 1 && "weight is not ternary");
          }
        int index = 0, sign = 0;
        if (geo.g == 2) {
          index = 3 * (w[0] + 1) + (w[1] + 1);
        } else {
          const int v = 9 * (w[0] + 1) + 3 * (w[1] + 1) + (w[2] + 1);
          sign = v > 13;
          index = sign ? 26 - v : v;
        }
        const LutSlot slot = lutSlot(geo, n, gi);
        out[slot.indexByte] |= static_cast<uint8_t>(index << slot.shift);
        if (sign)
          out[slot.signByte] |= static_cast<uint8_t>(1u << slot.signBit);
      }
    return;
  }
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t k = 0; k < K; ++k) {
      const int8_t w = W[n * K + k];
      assert(w >= -1 && w <= 1 && "weight is not ternary");
      int shift = 0;
      const int64_t off = byteOffset(l, N, K, n, k, &shift);
      if (l.bits == 8)
        out[off] = static_cast<uint8_t>(w);
      else
        out[off] |= static_cast<uint8_t>(((w + 1) & 3) << shift);
    }
  }
}

bool unpackTernary(const uint8_t *in, int64_t N, int64_t K,
                   const TernaryLayout &l, int8_t *W, std::string *err) {
  if (!checkLayout(l, N, K, err))
    return false;
  if (l.lut != 0) {
    const LutGeometry geo = lutGeometry(l, N, K);
    const int patterns = geo.g == 3 ? 14 : 9;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t gi = 0; gi < geo.groups; ++gi) {
        const LutSlot slot = lutSlot(geo, n, gi);
        const int index = (in[slot.indexByte] >> slot.shift) & 15;
        if (index >= patterns)
          return fail(err, "ternary unpack: lookup-table index " +
                               std::to_string(index) + " at byte offset " +
                               str(slot.indexByte) + " names no weight "
                               "pattern (row " + str(n) + ", group " +
                               str(gi) + ")");
        int v = index;
        if (geo.g == 3 && ((in[slot.signByte] >> slot.signBit) & 1))
          v = 26 - index;
        const int w[3] = {geo.g == 3 ? v / 9 - 1 : v / 3 - 1,
                          geo.g == 3 ? v / 3 % 3 - 1 : v % 3 - 1,
                          v % 3 - 1};
        for (int e = 0; e < geo.g; ++e)
          if (gi * geo.g + e < K)
            W[n * K + gi * geo.g + e] = static_cast<int8_t>(w[e]);
      }
    return true;
  }
  if (l.bits == 2) {
    // Byte at a time: storage [N/4][K] (pack_dim 0) or rows of K/4 bytes.
    const int64_t bytesPerLine = l.pack_dim == 0 ? K : K / 4;
    const int64_t lines = l.pack_dim == 0 ? N / 4 : N;
    for (int64_t line = 0; line < lines; ++line)
      for (int64_t c = 0; c < bytesPerLine; ++c) {
        // pack_dim 0: byte [p = line][k = c]; pack_dim 1: row n = line, byte p = c.
        const int64_t off = l.pack_dim == 0 ? line * K + c
                                            : rowByteOffset(l, bytesPerLine, line, c);
        const unsigned byte = in[off];
        for (int s = 0; s < 4; ++s) {
          const int code = (byte >> (2 * s)) & 3;
          const int64_t i = elementOf(l, l.pack_dim == 0 ? line : c, s);
          const int64_t n = l.pack_dim == 0 ? i : line, k = l.pack_dim == 0 ? c : i;
          if (code == 3)
            return fail(err, "ternary unpack: invalid code 3 at byte offset " +
                                 str(off) + ", bits [" + std::to_string(2 * s) +
                                 ", " + std::to_string(2 * s + 2) +
                                 ") (element [" + str(n) + ", " + str(k) + "])");
          W[n * K + k] = static_cast<int8_t>(code - 1);
        }
      }
    return true;
  }
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t k = 0; k < K; ++k) {
      int shift = 0;
      const int64_t off = byteOffset(l, N, K, n, k, &shift);
      int w;
      if (l.bits == 8) {
        w = static_cast<int8_t>(in[off]);
        if (w < -1 || w > 1)
          return fail(err, "ternary unpack: byte offset " + str(off) +
                               " holds " + std::to_string(w) +
                               ", not a ternary value (element [" + str(n) +
                               ", " + str(k) + "])");
      } else {
        const int code = (in[off] >> shift) & 3;
        if (code == 3)
          return fail(err, "ternary unpack: invalid code 3 at byte offset " +
                               str(off) + ", bits [" + std::to_string(shift) +
                               ", " + std::to_string(shift + 2) +
                               ") (element [" + str(n) + ", " + str(k) + "])");
        w = code - 1;
      }
      W[n * K + k] = static_cast<int8_t>(w);
    }
  }
  return true;
}

} // namespace ref
} // namespace tern
