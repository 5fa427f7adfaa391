//===- Spread.h - median and 20th / 80th percentiles of samples -*- C++ -*-===//
//
// How every timing in tern is summarized: tern-tune's search and
// end-to-end check, tern-bench's GPU timings, tern-gpu-check. The
// percentile is the sample nearest q x (n - 1) in sorted order.
// Header-only, no dependencies.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_COMMON_SPREAD_H
#define TERN_RUNTIME_COMMON_SPREAD_H

#include <algorithm>
#include <cstddef>
#include <vector>

namespace tern {

struct Spread {
  double median = 0, p20 = 0, p80 = 0;
};

/// All zero for no samples.
inline Spread spreadOf(std::vector<double> v) {
  Spread s;
  if (v.empty())
    return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[size_t(q * double(v.size() - 1) + 0.5)]; };
  s.median = at(0.5);
  s.p20 = at(0.2);
  s.p80 = at(0.8);
  return s;
}

} // namespace tern

#endif
