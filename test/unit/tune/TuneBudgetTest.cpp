// How tern-tune shares its budget among buckets (TuneBudget.h), on made-up
// pilot figures: no timing.
#include "codegen/common/TuneBudget.h"

#include <gtest/gtest.h>

using tern::tune::BucketCost;
using tern::tune::Funding;
using tern::tune::fundBuckets;

namespace {

TEST(TuneBudget, LargestPartFundedFirstAndTheRestRunTheirDefault) {
  // Budget for 9 children of 2 s (18 s) plus one default of 1 s: the
  // bucket with 70 % of the model's time is funded, then the 20 % one
  // cannot be (9 x 1 s > 2 s left) and runs its default, as does the 10 %.
  std::vector<BucketCost> b = {{1.0, 0.2}, {2.0, 0.7}, {1.0, 0.1}};
  Funding f = fundBuckets(b, 19.5, 1, 9, true);
  EXPECT_EQ(f.order, (std::vector<size_t>{1, 0, 2}));
  EXPECT_EQ(f.fundedCount, 1u);
  EXPECT_EQ(f.funded, (std::vector<bool>{false, true, false}));
  EXPECT_DOUBLE_EQ(f.weights[0], 1.0);
  EXPECT_DOUBLE_EQ(f.weights[2], 1.0);
  // 19.5 - 18 - 1 - 1 < 0: nothing left over for the funded one.
  EXPECT_DOUBLE_EQ(f.weights[1], 18.0);
}

TEST(TuneBudget, WhatRemainsGoesByCostTimesPart) {
  // Both funded (9 + 9 children of 1 s = 18 s of 38 s): the 20 s left go
  // by cost x part, 3:1.
  std::vector<BucketCost> b = {{1.0, 0.75}, {1.0, 0.25}};
  Funding f = fundBuckets(b, 38, 1, 9, true);
  EXPECT_EQ(f.fundedCount, 2u);
  EXPECT_DOUBLE_EQ(f.weights[0], 9 + 15);
  EXPECT_DOUBLE_EQ(f.weights[1], 9 + 5);
  EXPECT_DOUBLE_EQ(f.weights[0] + f.weights[1], 38);
}

TEST(TuneBudget, ThreadCountsShareTheBudget) {
  // Two thread counts: each funded bucket costs 9 children twice.
  std::vector<BucketCost> b = {{1.0, 0.5}, {1.0, 0.5}};
  EXPECT_EQ(fundBuckets(b, 36, 2, 9, true).fundedCount, 2u);
  EXPECT_EQ(fundBuckets(b, 35, 2, 9, true).fundedCount, 1u);
}

TEST(TuneBudget, WithoutAPilotAllAreAlike) {
  std::vector<BucketCost> b = {{0, 0}, {0, 0}, {0, 0}};
  Funding f = fundBuckets(b, 1, 1, 9, false);
  EXPECT_EQ(f.fundedCount, 3u);
  for (double w : f.weights)
    EXPECT_DOUBLE_EQ(w, 9.0);
  EXPECT_EQ(f.order, (std::vector<size_t>{0, 1, 2})); // ties keep their order
}

} // namespace
