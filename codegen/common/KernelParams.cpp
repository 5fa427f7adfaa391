//===- KernelParams.cpp - what each kernel kind computes ------------------===//
#include "codegen/common/KernelParams.h"

#include <numeric>

#include <algorithm>
#include <cmath>

namespace tern::codegen {

int64_t TernaryMatmulParams::gemvTileN() const {
  return std::max<int64_t>(gemv_tile_n > 0 ? gemv_tile_n : tile_n, 1);
}

void TernaryMatmulParams::setLayout(const ref::TernaryLayout &l) {
  block = l.block;
  interleave = l.interleave;
  lut = l.lut;
}

ref::TernaryLayout TernaryMatmulParams::layout() const {
  ref::TernaryLayout l;
  l.block = block;
  l.interleave = int(interleave);
  l.chunk = interleave > 1 ? block : 0;
  l.lut = int(lut);
  return l;
}

int64_t TernaryMatmulParams::rowGrain() const {
  const int64_t tn = std::max<int64_t>(tile_n, 1);
  if (lut)
    return 16 * tn; // row blocks of 16
  if (lanes())
    return interleave * std::lcm(tn, gemvTileN()); // tiles count groups
  return std::lcm(tn, gemvTileN());
}

int64_t TernaryMatmulParams::totalRows() const {
  int64_t n = 0;
  for (int64_t p : parts)
    n += p;
  return n;
}

void quantizeRowsInt8(const float *W, int64_t N, int64_t K, int8_t *w8,
                      float *scale, int32_t *corr) {
  for (int64_t n = 0; n < N; ++n) {
    const float *row = W + n * K;
    float amax = 0.0f;
    for (int64_t k = 0; k < K; ++k)
      amax = std::max(amax, std::fabs(row[k]));
    const float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
    int32_t sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      float v = std::nearbyint(row[k] * inv); // round half to even
      v = std::min(127.0f, std::max(-127.0f, v));
      w8[n * K + k] = static_cast<int8_t>(v);
      sum += static_cast<int32_t>(v);
    }
    scale[n] = amax > 0.0f ? amax / 127.0f : 1.0f;
    corr[n] = 128 * sum;
  }
}

} // namespace tern::codegen
