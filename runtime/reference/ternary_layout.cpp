//===- ternary_layout.cpp - Byte packing of ternary weight matrices -------===//

#include "runtime/reference/ternary_layout.h"

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

bool checkLayout(const TernaryLayout &l, int64_t N, int64_t K,
                 std::string *err) {
  if (N <= 0 || K <= 0)
    return fail(err, "ternary layout: matrix shape must be positive, got [" +
                         str(N) + ", " + str(K) + "]");
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

int64_t packedBytes(const TernaryLayout &l, int64_t N, int64_t K) {
  return l.bits == 8 ? N * K : N * K / 4;
}

std::vector<int64_t> storageShape(const TernaryLayout &l, int64_t N,
                                  int64_t K) {
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

void packTernary(const int8_t *W, int64_t N, int64_t K,
                 const TernaryLayout &l, uint8_t *out) {
  assert(checkLayout(l, N, K, nullptr) && "invalid ternary layout");
  std::memset(out, 0, static_cast<size_t>(packedBytes(l, N, K)));
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
