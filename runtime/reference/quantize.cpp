//===- quantize.cpp - BitNet b1.58 activation and weight quantization -----===//

#include "runtime/reference/quantize.h"

#include <algorithm>
#include <cmath>

namespace tern {
namespace ref {

float roundHalfEven(float v) {
  // |v| >= 2^23 is already an integer; this also passes NaN and inf through.
  if (!(std::fabs(v) < 8388608.0f))
    return v;
  float lo = std::floor(v);
  float frac = v - lo; // exact: both operands are within one binade range
  if (frac > 0.5f)
    return lo + 1.0f;
  if (frac < 0.5f)
    return lo;
  // Exactly halfway: pick the even neighbour.
  return std::fmod(lo, 2.0f) == 0.0f ? lo : lo + 1.0f;
}

// Rounds half-to-even and clamps to [lo, hi]; NaN maps to 0.
static int roundClamp(float v, int lo, int hi) {
  if (std::isnan(v))
    return 0;
  float r = roundHalfEven(v);
  if (r < static_cast<float>(lo))
    return lo;
  if (r > static_cast<float>(hi))
    return hi;
  return static_cast<int>(r);
}

float quantizeActivations(const float *x, int n, int8_t *q) {
  float absmax = 0.0f;
  for (int i = 0; i < n; ++i) {
    float a = std::fabs(x[i]);
    if (a > absmax) // NaN never compares greater, so it is ignored here
      absmax = a;
  }
  const float s = 127.0f / std::max(absmax, 1e-5f);
  for (int i = 0; i < n; ++i) {
    float p = x[i] * s;
    q[i] = static_cast<int8_t>(roundClamp(p, -128, 127));
  }
  return s;
}

float quantizeWeightsAbsmean(const float *w, size_t n, int8_t *t) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i)
    if (!std::isnan(w[i]))
      sum += std::fabs(static_cast<double>(w[i]));
  float mean = n == 0 ? 0.0f : static_cast<float>(sum / static_cast<double>(n));
  const float m = std::max(mean, 1e-5f);
  for (size_t i = 0; i < n; ++i)
    t[i] = static_cast<int8_t>(roundClamp(w[i] / m, -1, 1));
  return m;
}

} // namespace ref
} // namespace tern
