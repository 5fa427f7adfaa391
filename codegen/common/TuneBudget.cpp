//===- TuneBudget.cpp - how a tuning run shares its budget among buckets --===//
#include "codegen/common/TuneBudget.h"

#include <algorithm>
#include <numeric>

namespace tern::tune {

Funding fundBuckets(const std::vector<BucketCost> &buckets, double seconds,
                    double threadCounts, double minChildren, bool known) {
  Funding f;
  const size_t n = buckets.size();
  f.weights.assign(n, 0.0);
  f.funded.assign(n, false);
  f.order.resize(n);
  std::iota(f.order.begin(), f.order.end(), size_t(0));
  std::stable_sort(f.order.begin(), f.order.end(), [&](size_t x, size_t y) {
    return buckets[x].part > buckets[y].part;
  });
  double left = seconds, fundedTime = 0;
  for (size_t i : f.order) {
    const double c = known ? buckets[i].childSeconds : 1.0;
    if (!known || left >= minChildren * c * threadCounts) {
      left -= minChildren * c * threadCounts;
      f.weights[i] = minChildren * c;
      f.funded[i] = true;
      fundedTime += c * buckets[i].part;
      ++f.fundedCount;
    } else {
      left -= c * threadCounts;
      f.weights[i] = c; // its default alone
    }
  }
  const double extra =
      known && fundedTime > 0 ? std::max(0.0, left) / (fundedTime * threadCounts) : 0.0;
  for (size_t i = 0; i < n; ++i)
    if (f.funded[i])
      f.weights[i] += extra * buckets[i].childSeconds * buckets[i].part;
  return f;
}

} // namespace tern::tune
