//===- ReadBandwidth.cpp - this machine's streaming read bandwidth --------===//
#include "tools/common/ReadBandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

namespace tern::tools {

__attribute__((noinline)) int64_t sumRange(const int64_t *p, int64_t n) {
  int64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
    s4 += p[i + 4];
    s5 += p[i + 5];
    s6 += p[i + 6];
    s7 += p[i + 7];
  }
  for (; i < n; ++i)
    s0 += p[i];
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}

double measureReadBandwidth(int threads) {
  constexpr size_t kBytes = size_t(768) << 20;
  threads = std::max(1, threads);
  int64_t *buf = static_cast<int64_t *>(std::aligned_alloc(4096, kBytes));
  if (!buf)
    return 0;
  const int64_t n = int64_t(kBytes / 8);
  auto range = [&](int i) {
    const int64_t units = n / 512;
    return std::pair<int64_t, int64_t>{units * i / threads * 512,
                                       i + 1 == threads ? n : units * (i + 1) / threads * 512};
  };
  // Each thread first touches its own slice (pages land near it).
  std::vector<int64_t> sums(size_t(threads) * 8);
  auto parallel = [&](auto body) {
    std::vector<std::thread> ts;
    for (int i = 1; i < threads; ++i)
      ts.emplace_back(body, i);
    body(0);
    for (std::thread &t : ts)
      t.join();
  };
  parallel([&](int i) {
    auto [b, e] = range(i);
    for (int64_t j = b; j < e; ++j)
      buf[j] = j & 1023;
  });
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) { // rep 0 warms up
    const auto t0 = std::chrono::steady_clock::now();
    parallel([&](int i) {
      auto [b, e] = range(i);
      sums[size_t(i) * 8] = sumRange(buf + b, e - b);
    });
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (rep > 0)
      best = std::max(best, double(kBytes) / s / 1e9);
  }
  volatile int64_t sink = 0;
  for (int64_t v : sums)
    sink = sink + v;
  std::free(buf);
  return best;
}

} // namespace tern::tools
