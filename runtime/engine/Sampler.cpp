//===- Sampler.cpp - greedy and top-k / temperature / top-p sampling ------===//
//
// Greedy (temperature <= 0): argmax, lowest index on ties, NaN never wins.
// Otherwise, in this order: drop NaN and -inf logits (if any logit is +inf,
// only those remain, equally likely); keep the top_k largest (ties by lower
// index); softmax of logit / temperature; keep the smallest prefix of the
// most likely tokens whose probability reaches top_p; draw one token with a
// xoshiro256** generator seeded from `seed` by splitmix64. Candidates are
// ordered by (logit desc, index asc), so the result depends only on the
// logits, the parameters and the number of earlier draws.
//
//===----------------------------------------------------------------------===//
#include "runtime/common/Xoshiro256.h"
#include "runtime/include/tern_runtime.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <vector>

namespace {

/// Uniform doubles in [0, 1) from the project's xoshiro256**.
class Rng {
public:
  explicit Rng(uint64_t seed) : bits_(seed) {}
  double uniform() {
    return double(bits_.next() >> 11) * (1.0 / 9007199254740992.0);
  }

private:
  tern::Xoshiro256 bits_;
};

struct Candidate {
  float logit;
  int32_t id;
  double weight; ///< exp((logit - max) / temperature)
};

/// (logit desc, id asc): a strict weak order on non-NaN logits.
inline bool before(const Candidate &a, const Candidate &b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

} // namespace

struct tern_sampler {
  tern_sampler_params params;
  Rng rng;
  std::vector<Candidate> cand; ///< grows once to the vocabulary size
  explicit tern_sampler(const tern_sampler_params &p) : params(p), rng(p.seed) {}
};

namespace {

int32_t greedy(const float *logits, int64_t vocab) {
  int32_t best = -1;
  float bestLogit = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    const float l = logits[i];
    if (std::isnan(l))
      continue;
    if (best < 0 || l > bestLogit) {
      best = static_cast<int32_t>(i);
      bestLogit = l;
    }
  }
  return best;
}

} // namespace

extern "C" tern_sampler_params tern_sampler_default_params(void) {
  tern_sampler_params p;
  p.temperature = 0.0f;
  p.top_k = 40;
  p.top_p = 0.95f;
  p.seed = 0;
  return p;
}

extern "C" tern_sampler *tern_sampler_new(const tern_sampler_params *params) {
  tern_sampler_params p =
      params ? *params : tern_sampler_default_params();
  return new tern_sampler(p);
}

extern "C" void tern_sampler_free(tern_sampler *sampler) { delete sampler; }

extern "C" int32_t tern_sampler_sample(tern_sampler *s, const float *logits,
                                       int64_t vocab) {
  if (!s || !logits || vocab <= 0 || vocab > INT32_MAX)
    return -1;
  const tern_sampler_params &p = s->params;
  if (!(p.temperature > 0.0f))
    return greedy(logits, vocab);

  // Candidates: +inf logits alone if there are any, else every finite one.
  std::vector<Candidate> &c = s->cand;
  c.clear();
  if (c.capacity() < static_cast<size_t>(vocab))
    c.reserve(static_cast<size_t>(vocab));
  bool anyInf = false;
  for (int64_t i = 0; i < vocab; ++i)
    if (logits[i] == INFINITY) {
      anyInf = true;
      break;
    }
  for (int64_t i = 0; i < vocab; ++i) {
    const float l = logits[i];
    if (anyInf ? l == INFINITY : std::isfinite(l))
      c.push_back({anyInf ? 0.0f : l, static_cast<int32_t>(i), 0.0});
  }
  if (c.empty())
    return greedy(logits, vocab); // only -inf (and NaN): the first -inf
  if (c.size() == 1)
    return c[0].id;

  // Top-k: c[0, n) becomes the set of the n best.
  size_t n = c.size();
  if (p.top_k > 0 && static_cast<size_t>(p.top_k) < n) {
    n = static_cast<size_t>(p.top_k);
    std::nth_element(c.begin(), c.begin() + (n - 1), c.end(), before);
  }

  // Softmax weights at the temperature (unnormalized, max subtracted).
  float maxLogit = c[0].logit;
  for (size_t i = 1; i < n; ++i)
    maxLogit = std::max(maxLogit, c[i].logit);
  const double invT = 1.0 / double(p.temperature);
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    c[i].weight = std::exp((double(c[i].logit) - double(maxLogit)) * invT);
    total += c[i].weight;
  }

  // Top-p: the smallest most-likely set c[0, keep) whose weight reaches
  // top_p of the total, found by halving [lo, hi) with nth_element (expected
  // O(n)); everything before lo is in the nucleus, everything from hi on is
  // not.
  size_t keep = n;
  if (p.top_p < 1.0f) { // NaN: off
    const double target = p.top_p > 0.0f ? double(p.top_p) * total : 0.0;
    size_t lo = 0, hi = n;
    double before_lo = 0; // weight of c[0, lo)
    while (hi - lo > 64) {
      const size_t mid = lo + (hi - lo) / 2;
      std::nth_element(c.begin() + lo, c.begin() + mid, c.begin() + hi, before);
      double w = 0;
      for (size_t i = lo; i < mid; ++i)
        w += c[i].weight;
      if (before_lo + w >= target) {
        hi = mid;
      } else {
        before_lo += w;
        lo = mid;
      }
    }
    std::sort(c.begin() + lo, c.begin() + hi, before);
    keep = hi; // rounding left the sum short: keep all of [0, hi)
    double cum = before_lo;
    for (size_t i = lo; i < hi; ++i) {
      cum += c[i].weight;
      if (cum >= target) {
        keep = i + 1;
        break;
      }
    }
    total = 0;
    for (size_t i = 0; i < keep; ++i)
      total += c[i].weight;
  }

  // Draw.
  const double u = s->rng.uniform() * total;
  double cum = 0;
  for (size_t i = 0; i < keep; ++i) {
    cum += c[i].weight;
    if (u < cum)
      return c[i].id;
  }
  return c[keep - 1].id;
}
