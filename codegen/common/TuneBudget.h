//===- TuneBudget.h - how a tuning run shares its budget among buckets -*- C++ -*-===//
//
// Target-neutral. A bucket is one search of one kernel at one thread count:
// its layout stage, its decode or its prefill. A pilot (each kernel's
// default run once) gives every bucket what one child run costs (its wall
// seconds) and its part of the model's decode or prefill time. Funding:
//   1. buckets in order of their part, largest first (ties: given order);
//   2. each gets room for `minChildren` children (the default, two to
//      explore, two rounds of three) while the budget lasts; the ones left
//      run their default alone (one child);
//   3. what remains goes to the funded ones by cost x part, so that a
//      kernel's children are bought in runs of its own cost.
// With equal shares the FFN's 13824x2560 matmul, the most time and the
// dearest children, ran only its default on 2b4t while the norms, a
// thousandth of the time, got as much. Without a pilot (every bucket
// already measured, or resumed) every bucket is funded alike.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_TUNEBUDGET_H
#define TERN_CODEGEN_COMMON_TUNEBUDGET_H

#include <cstddef>
#include <vector>

namespace tern::tune {

struct BucketCost {
  double childSeconds = 0; ///< one child run's wall time (on the budget's clock)
  double part = 0;         ///< its part of the model's time, 0..1
};

struct Funding {
  /// Per bucket (the input's order): its weight, in child-seconds per thread
  /// count; a search gets (budget left) x weight / (the weights left).
  std::vector<double> weights;
  std::vector<bool> funded; ///< whether it got minChildren children
  size_t fundedCount = 0;
  /// The order the buckets were funded in (indices, largest part first).
  std::vector<size_t> order;
};

/// Shares `seconds` among `buckets`, each run at `threadCounts` thread
/// counts. `known`: the costs come from a pilot (else all are alike).
Funding fundBuckets(const std::vector<BucketCost> &buckets, double seconds,
                    double threadCounts, double minChildren, bool known);

} // namespace tern::tune

#endif
