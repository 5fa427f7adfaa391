//===- SamplerTest.cpp - greedy, top-k, temperature, top-p, determinism ---===//
#include "runtime/include/tern_runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <vector>

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

struct Sampler {
  explicit Sampler(float temp, int top_k = 0, float top_p = 1.0f,
                   uint64_t seed = 1) {
    tern_sampler_params p = tern_sampler_default_params();
    p.temperature = temp;
    p.top_k = top_k;
    p.top_p = top_p;
    p.seed = seed;
    s = tern_sampler_new(&p);
  }
  ~Sampler() { tern_sampler_free(s); }
  int32_t operator()(const std::vector<float> &l) {
    return tern_sampler_sample(s, l.data(), static_cast<int64_t>(l.size()));
  }
  tern_sampler *s;
};

std::vector<float> logitsOf(const std::vector<double> &probs) {
  std::vector<float> l;
  for (double p : probs)
    l.push_back(static_cast<float>(std::log(p)));
  return l;
}

TEST(Sampler, DefaultsAreGreedy) {
  tern_sampler_params p = tern_sampler_default_params();
  EXPECT_EQ(p.temperature, 0.0f);
  tern_sampler *s = tern_sampler_new(nullptr);
  std::vector<float> l = {0, 5, 1};
  EXPECT_EQ(tern_sampler_sample(s, l.data(), 3), 1);
  tern_sampler_free(s);
}

TEST(Sampler, GreedyTiesAndNaN) {
  Sampler g(0.0f);
  EXPECT_EQ(g({1, 3, 3, 2}), 1);
  EXPECT_EQ(g({kNaN, 1, kNaN, 5, 5}), 3);
  EXPECT_EQ(g({5, kNaN, 7}), 2);
  EXPECT_EQ(g({kNaN, kNaN}), -1);
  EXPECT_EQ(g({-kInf, -kInf}), 0);
  EXPECT_EQ(g({-kInf, kInf, kInf}), 1);
  EXPECT_EQ(g({}), -1);
  Sampler negative(-1.0f), nanTemp(kNaN);
  EXPECT_EQ(negative({0, 2, 1}), 1);
  EXPECT_EQ(nanTemp({0, 2, 1}), 1);
  EXPECT_EQ(tern_sampler_sample(g.s, nullptr, 3), -1);
  EXPECT_EQ(tern_sampler_sample(nullptr, nullptr, 3), -1);
}

TEST(Sampler, TopKOneIsGreedy) {
  std::mt19937 gen(7);
  std::normal_distribution<float> normal(0, 3);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Sampler greedy(0.0f), top1(1.5f, 1, 1.0f, seed);
    for (int round = 0; round < 20; ++round) {
      std::vector<float> l(1000);
      for (float &x : l)
        x = std::round(normal(gen)); // many ties
      EXPECT_EQ(top1(l), greedy(l));
    }
  }
}

TEST(Sampler, SameSeedSameSequence) {
  std::vector<float> l(500);
  for (size_t i = 0; i < l.size(); ++i)
    l[i] = std::sin(float(i)) * 2;
  for (float p : {1.0f, 0.9f}) {
    Sampler a(1.0f, 50, p, 42), b(1.0f, 50, p, 42), c(1.0f, 50, p, 43);
    std::vector<int32_t> sa, sb, sc;
    for (int i = 0; i < 200; ++i) {
      sa.push_back(a(l));
      sb.push_back(b(l));
      sc.push_back(c(l));
    }
    EXPECT_EQ(sa, sb);
    EXPECT_NE(sa, sc);
  }
}

TEST(Sampler, Distribution) {
  const std::vector<double> probs = {0.5, 0.3, 0.2};
  Sampler s(1.0f, 0, 1.0f, 3);
  std::vector<int> count(3);
  const int draws = 100000;
  for (int i = 0; i < draws; ++i)
    ++count[s(logitsOf(probs))];
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(double(count[i]) / draws, probs[i], 0.01) << i;
}

TEST(Sampler, Temperature) {
  // At temperature 0.5 the probabilities are p^2, renormalized.
  const std::vector<double> probs = {0.5, 0.3, 0.2};
  const double z = 0.25 + 0.09 + 0.04;
  Sampler s(0.5f, 0, 1.0f, 4);
  std::vector<int> count(3);
  const int draws = 100000;
  for (int i = 0; i < draws; ++i)
    ++count[s(logitsOf(probs))];
  EXPECT_NEAR(double(count[0]) / draws, 0.25 / z, 0.01);
  EXPECT_NEAR(double(count[1]) / draws, 0.09 / z, 0.01);
  EXPECT_NEAR(double(count[2]) / draws, 0.04 / z, 0.01);
}

TEST(Sampler, TopK) {
  const std::vector<double> probs = {0.1, 0.4, 0.2, 0.3};
  Sampler s(1.0f, 2, 1.0f, 5);
  std::vector<int> count(4);
  for (int i = 0; i < 20000; ++i)
    ++count[s(logitsOf(probs))];
  EXPECT_EQ(count[0], 0);
  EXPECT_EQ(count[2], 0);
  EXPECT_NEAR(count[1] / 20000.0, 0.4 / 0.7, 0.015);
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  const std::vector<double> probs = {0.15, 0.5, 0.05, 0.3};
  auto run = [&](float top_p) {
    Sampler s(1.0f, 0, top_p, 6);
    std::vector<int> count(4);
    for (int i = 0; i < 20000; ++i)
      ++count[s(logitsOf(probs))];
    return count;
  };
  // 0.5 < 0.75 <= 0.5 + 0.3: tokens 1 and 3, renormalized.
  std::vector<int> c = run(0.75f);
  EXPECT_EQ(c[0], 0);
  EXPECT_EQ(c[2], 0);
  EXPECT_NEAR(c[1] / 20000.0, 0.5 / 0.8, 0.015);
  // 0.45 <= 0.5: the top token alone; 0: also.
  EXPECT_EQ(run(0.45f)[1], 20000);
  EXPECT_EQ(run(0.0f)[1], 20000);
  // 0.9: three tokens.
  c = run(0.9f);
  EXPECT_EQ(c[2], 0);
  EXPECT_GT(c[0], 0);
}

TEST(Sampler, TopPOnALargeFlatVocabulary) {
  // The nucleus is thousands of tokens: the sorted prefix has to grow.
  std::mt19937 gen(11);
  std::uniform_real_distribution<float> uni(0, 1);
  std::vector<float> l(50000);
  for (float &x : l)
    x = uni(gen);
  // Brute-force nucleus at top_p = 0.9, temperature 1.
  std::vector<int32_t> order(l.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return l[a] > l[b] || (l[a] == l[b] && a < b);
  });
  const float maxL = l[order[0]];
  double total = 0;
  for (float x : l)
    total += std::exp(double(x) - maxL);
  double cum = 0;
  size_t keep = 0;
  while (keep < order.size()) {
    cum += std::exp(double(l[order[keep]]) - maxL);
    ++keep;
    if (cum >= 0.9 * total)
      break;
  }
  ASSERT_GT(keep, 1000u);
  const float cutoff = l[order[keep - 1]];
  Sampler s(1.0f, 0, 0.9f, 12);
  bool belowMedian = false;
  for (int i = 0; i < 150; ++i) {
    int32_t id = s(l);
    ASSERT_GE(id, 0);
    EXPECT_GE(l[id], cutoff) << "token outside the nucleus";
    belowMedian |= l[id] < l[order[order.size() / 2]];
  }
  EXPECT_TRUE(belowMedian) << "the nucleus should reach below the median";
}

TEST(Sampler, NonFiniteLogits) {
  Sampler s(1.0f, 0, 1.0f, 8);
  for (int i = 0; i < 200; ++i) {
    int32_t id = s({1, kInf, kNaN, 2, kInf, -kInf});
    EXPECT_TRUE(id == 1 || id == 4) << id;
    id = s({kNaN, -kInf, 3, kNaN, 3});
    EXPECT_TRUE(id == 2 || id == 4) << id;
  }
  EXPECT_EQ(s({kNaN, -kInf}), 1);
  EXPECT_EQ(s({kNaN}), -1);
}

} // namespace
