//===- LogitsCompare.h - NaN-proof comparisons of logits and tensors -*- C++ -*-===//
//
// What the tests use to compare float results with the reference. A fold
// like `maxDiff = std::max(maxDiff, |a - b|)` silently keeps the old value
// when |a - b| is NaN, so these check finiteness first: a NaN or Inf in
// either input fails, naming the index.
//
//   allClose(got, want, n, rel)   every value finite, max |got - want| <=
//                                 rel * max |want| (float reassociation noise
//                                 relative to the largest reference value)
//   argmaxAgree(got, want, T, V, tol)
//                                 every row's argmax equals the reference's,
//                                 except where the reference's best and the
//                                 chosen logit are within `tol` of each other
//                                 (a near-tie that noise of at most `tol`, the
//                                 bound allClose just checked, can flip): the
//                                 only noise forgiven, and named in the
//                                 message
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TEST_SUPPORT_LOGITSCOMPARE_H
#define TERN_TEST_SUPPORT_LOGITSCOMPARE_H

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace tern::test {

/// The first index whose value is NaN or Inf, or n.
inline size_t firstNonFinite(const float *v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i]))
      return i;
  return n;
}

/// max |want|, and max |got - want| (both over finite inputs).
struct Diff {
  double maxRef = 0, maxDiff = 0;
  size_t worst = 0;
};

inline Diff diff(const float *got, const float *want, size_t n) {
  Diff d;
  for (size_t i = 0; i < n; ++i) {
    d.maxRef = std::fmax(d.maxRef, std::fabs(double(want[i])));
    const double e = std::fabs(double(got[i]) - double(want[i]));
    if (e > d.maxDiff) {
      d.maxDiff = e;
      d.worst = i;
    }
  }
  return d;
}

inline ::testing::AssertionResult allClose(const float *got, const float *want,
                                           size_t n, double rel) {
  if (n == 0)
    return ::testing::AssertionFailure() << "nothing to compare (0 values)";
  for (auto [v, what] : {std::pair{got, "result"}, std::pair{want, "reference"}}) {
    const size_t i = firstNonFinite(v, n);
    if (i < n)
      return ::testing::AssertionFailure()
             << what << " value " << i << " of " << n << " is " << v[i];
  }
  const Diff d = diff(got, want, n);
  if (!(d.maxDiff <= rel * d.maxRef))
    return ::testing::AssertionFailure()
           << "max |diff| " << d.maxDiff << " at index " << d.worst << " (got "
           << got[d.worst] << ", want " << want[d.worst] << ") > " << rel
           << " * max |reference| " << d.maxRef;
  return ::testing::AssertionSuccess() << "max |diff| " << d.maxDiff
                                       << ", max |reference| " << d.maxRef;
}

/// The lowest index of the largest value (the greedy sampler's choice;
/// NaN never wins).
inline int64_t argmax(const float *row, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (row[i] > row[best] || std::isnan(row[best]))
      best = i;
  return best;
}

inline ::testing::AssertionResult argmaxAgree(const float *got, const float *want,
                                              int64_t rows, int64_t vocab,
                                              double tol) {
  int64_t ties = 0;
  for (int64_t t = 0; t < rows; ++t) {
    const float *g = got + t * vocab, *w = want + t * vocab;
    for (auto [v, what] : {std::pair{g, "result"}, std::pair{w, "reference"}})
      if (size_t i = firstNonFinite(v, size_t(vocab)); i < size_t(vocab))
        return ::testing::AssertionFailure()
               << "row " << t << ": " << what << " logit " << i << " is " << v[i];
    const int64_t a = argmax(g, vocab), b = argmax(w, vocab);
    if (a == b)
      continue;
    const double gap = double(w[b]) - double(w[a]);
    if (!(gap <= tol))
      return ::testing::AssertionFailure()
             << "row " << t << ": argmax " << a << " but the reference's is " << b
             << ", whose logit is " << gap << " above (more than the noise bound "
             << tol << ")";
    ++ties;
  }
  return ::testing::AssertionSuccess()
         << ties << " rows differ only in a near-tie within " << tol;
}

} // namespace tern::test

#endif
