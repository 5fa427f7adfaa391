//===- GpuCaseTest.cpp - the GPU case format and its comparisons ----------===//
//
// What tern-gpu-check trusts on a GPU machine, checked here: a case file
// reads back exactly as written, a damaged one is an error naming the file
// and the field, every comparison fails where it must (NaN and Inf
// included), and without a GPU a case is skipped with the driver's message,
// never passed.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/GpuBenchmark.h"
#include "runtime/reference/ternary_layout.h"
#include "test/gpu/GpuCase.h"

#include "test/support/TempFiles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <unistd.h>

using namespace tern::gpucheck;

namespace {

std::vector<uint8_t> f32s(std::initializer_list<float> v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), std::data(v), b.size());
  return b;
}

GpuCase sample() {
  GpuCase c;
  c.name = "Suite.case";
  c.minSm = 80;
  c.onlySm = 90;
  c.ptx = {".version 8.0\n.target sm_80\n", ".version 8.0\n"};
  CaseBuffer in;
  in.name = "x";
  in.elem = Elem::kI8;
  in.row = 2;
  in.init = {1, 2, 3, 4};
  CaseBuffer out;
  out.name = "y";
  out.init = f32s({0, 0});
  out.compare = Compare::kAbs;
  out.tol = 1e-3f;
  out.want = f32s({1.5f, -2});
  c.buffers = {in, out};
  CaseLaunch l;
  l.module = 1;
  l.kernel = "k";
  l.blocks = 3;
  l.threads = 128;
  l.args = {0, 1};
  const int64_t ints[5] = {0, 2, 7, 0, 5};
  std::copy(ints, ints + 5, l.ints);
  c.launches = {l};
  return c;
}

using tern::test::slurp;
using tern::test::spit;
using tern::test::tmp;

TEST(GpuCase, RoundTrip) {
  const GpuCase c = sample();
  const std::string p = tmp("rt.gpucase");
  std::string err;
  ASSERT_TRUE(writeCase(c, p, &err)) << err;
  GpuCase r;
  ASSERT_TRUE(readCase(p, &r, &err)) << err;
  EXPECT_EQ(r.name, c.name);
  EXPECT_EQ(r.minSm, 80);
  EXPECT_EQ(r.onlySm, 90);
  EXPECT_EQ(r.ptx, c.ptx);
  ASSERT_EQ(r.buffers.size(), 2u);
  EXPECT_EQ(r.buffers[0].init, c.buffers[0].init);
  EXPECT_EQ(r.buffers[0].elem, Elem::kI8);
  EXPECT_EQ(r.buffers[0].row, 2u);
  EXPECT_EQ(r.buffers[1].compare, Compare::kAbs);
  EXPECT_EQ(r.buffers[1].tol, 1e-3f);
  EXPECT_EQ(r.buffers[1].want, c.buffers[1].want);
  ASSERT_EQ(r.launches.size(), 1u);
  EXPECT_EQ(r.launches[0].module, 1u);
  EXPECT_EQ(r.launches[0].kernel, "k");
  EXPECT_EQ(r.launches[0].blocks, 3u);
  EXPECT_EQ(r.launches[0].threads, 128u);
  EXPECT_EQ(r.launches[0].args, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(r.launches[0].ints[2], 7);
  std::remove(p.c_str());
}

TEST(GpuCase, DamagedFilesAreErrors) {
  const std::string p = tmp("bad.gpucase");
  std::string err;
  ASSERT_TRUE(writeCase(sample(), p, &err)) << err;
  const std::vector<char> good = slurp(p);
  GpuCase r;
  // Every truncation is an error that names the file.
  for (size_t n = 0; n < good.size(); n += 7) {
    spit(p, std::vector<char>(good.begin(), good.begin() + long(n)));
    EXPECT_FALSE(readCase(p, &r, &err)) << "truncated to " << n;
    EXPECT_NE(err.find(p), std::string::npos) << err;
  }
  // Trailing bytes, a foreign magic, a launch argument past the buffers.
  std::vector<char> d = good;
  d.push_back(0);
  spit(p, d);
  EXPECT_FALSE(readCase(p, &r, &err));
  EXPECT_NE(err.find("bytes after the last launch"), std::string::npos) << err;
  d = good;
  d[7] = '2';
  spit(p, d);
  EXPECT_FALSE(readCase(p, &r, &err));
  EXPECT_NE(err.find("TERNGPC1"), std::string::npos) << err;
  GpuCase c = sample();
  c.launches[0].args = {0, 5};
  ASSERT_TRUE(writeCase(c, p, &err)) << err;
  EXPECT_FALSE(readCase(p, &r, &err));
  EXPECT_NE(err.find("argument 5 names no buffer"), std::string::npos) << err;
  // A huge length field never allocates or crashes.
  d = good;
  std::memset(&d[8], 0xff, 8);
  spit(p, d);
  EXPECT_FALSE(readCase(p, &r, &err));
  EXPECT_NE(err.find("runs past the end"), std::string::npos) << err;
  EXPECT_FALSE(readCase(p + ".missing", &r, &err));
  EXPECT_NE(err.find("cannot open"), std::string::npos) << err;
  std::remove(p.c_str());
}

TEST(GpuCase, ComparisonsFailWhereTheyMust) {
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  CaseBuffer b;
  b.name = "out";
  b.row = 2;
  b.compare = Compare::kAbs;
  b.tol = 0.01f;
  b.want = f32s({1, 2, 3, 4});
  EXPECT_EQ(compareBuffer(b, f32s({1.005f, 2, 3, 3.995f})), "");
  std::string miss = compareBuffer(b, f32s({1, 2, 3.02f, 4}));
  EXPECT_NE(miss.find("out[1][0]"), std::string::npos) << miss;
  EXPECT_NE(compareBuffer(b, f32s({1, nan, 3, 4})), "");
  EXPECT_NE(compareBuffer(b, f32s({1, 2, inf, 4})), "");
  b.want = f32s({1, 2, nan, 4}); // a NaN in what the reference gave fails too
  EXPECT_NE(compareBuffer(b, f32s({1, 2, nan, 4})), "");
  b.compare = Compare::kRel;
  b.tol = 1e-3f;
  b.want = f32s({1000, 1, 2, 3});
  EXPECT_EQ(compareBuffer(b, f32s({1000.5f, 1, 2, 3})), "");
  EXPECT_NE(compareBuffer(b, f32s({1002, 1, 2, 3})), "");
  b.compare = Compare::kExact;
  b.want = f32s({0.0f, 1, 2, 3});
  EXPECT_NE(compareBuffer(b, f32s({-0.0f, 1, 2, 3})), "") << "bit for bit: -0 is not 0";
  EXPECT_EQ(compareBuffer(b, f32s({0.0f, 1, 2, 3})), "");
  EXPECT_NE(compareBuffer(b, f32s({0.0f, 1, 2})), "") << "a short read-back";
  CaseBuffer q;
  q.name = "q";
  q.elem = Elem::kI8;
  q.row = 4;
  q.compare = Compare::kRowOff;
  q.tol = 1;
  q.want = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(compareBuffer(q, {1, 2, 3, 5, 5, 6, 7, 9}), ""); // one per row
  miss = compareBuffer(q, {1, 2, 3, 4, 6, 6, 7, 9});          // two in row 1
  EXPECT_NE(miss.find("2 elements of row 1 differ"), std::string::npos) << miss;
}

TEST(GpuCase, WithoutAGpuACaseIsSkippedNotPassed) {
  const tern::rt::cuda::GpuProbe &g = tern::rt::cuda::probeGpu();
  if (g.state == tern::rt::cuda::GpuState::kReady)
    GTEST_SKIP() << "this machine has a GPU: " << g.name;
  CaseResult r = runCase(sample());
  if (g.state == tern::rt::cuda::GpuState::kAbsent) {
    EXPECT_EQ(r.outcome, Outcome::kSkip);
    EXPECT_NE(r.message.find("no CUDA"), std::string::npos) << r.message;
  } else {
    EXPECT_EQ(r.outcome, Outcome::kFail) << "a broken GPU machine fails: " << r.message;
  }
}

TEST(GpuBench, FilesRoundTripAndDamageIsAnError) {
  tern::rt::cuda::TernaryBench b;
  b.label = "gemv/64x128/u4/t128";
  b.kernel = "k_single";
  b.ptx = ".version 8.0\n.target sm_80\n// body\n";
  b.N = 64;
  b.K = 128;
  b.items = 4;
  b.threads = 128;
  b.unroll = 4;
  const std::string p = tmp("b.gpubench");
  std::string err;
  ASSERT_TRUE(writeBench(b, p, &err)) << err;
  tern::rt::cuda::TernaryBench r;
  ASSERT_TRUE(readBench(p, &r, &err)) << err;
  EXPECT_EQ(r.label, b.label);
  EXPECT_EQ(r.kernel, b.kernel);
  EXPECT_EQ(r.ptx, b.ptx);
  EXPECT_EQ(r.N, 64);
  EXPECT_EQ(r.K, 128);
  EXPECT_EQ(r.mma, "");
  EXPECT_EQ(r.onlySm, 0);
  EXPECT_EQ(r.block, 16);
  EXPECT_EQ(r.interleave, 8);
  spit(p, {'T', 'E', 'R', 'N', 'G', 'P', 'B', '2', ' ', 'x', '\n'});
  EXPECT_FALSE(readBench(p, &r, &err));
  EXPECT_NE(err.find(p), std::string::npos) << err;
  std::remove(p.c_str());
}

// The host formula tern-gpu-check tune checks every candidate against
// decodes the weights as ref::packTernary lays them out (the GPU layout:
// block 16, interleave 8, chunk 16), and computes float(acc) / s * scale.
TEST(GpuBench, ReferenceDecodesTheGpuLayout) {
  tern::rt::cuda::TernaryBench b;
  b.N = 24;
  b.K = 192;
  b.T = 3;
  b.block = 16;
  b.interleave = 8;
  std::vector<int8_t> W(size_t(b.N * b.K)), q(size_t(b.T * b.K));
  for (size_t i = 0; i < W.size(); ++i)
    W[i] = int8_t(int((i * 7919 + i / 5) % 3) - 1);
  for (size_t i = 0; i < q.size(); ++i)
    q[i] = int8_t(int((i * 104729) % 255) - 127);
  std::vector<float> s = {0.5f, 1.25f, 3.0f}, rs(size_t(b.N));
  for (size_t n = 0; n < rs.size(); ++n)
    rs[n] = 0.01f * float(n + 1);
  tern::ref::TernaryLayout layout;
  layout.block = 16;
  layout.interleave = 8;
  layout.chunk = 16;
  std::vector<uint8_t> packed(size_t(tern::ref::packedBytes(layout, b.N, b.K)));
  tern::ref::packTernary(W.data(), b.N, b.K, layout, packed.data());
  std::vector<float> y(size_t(b.T * b.N));
  tern::rt::cuda::ternaryBenchReference(b, packed.data(), q.data(), s.data(), rs.data(), y.data());
  for (int64_t t = 0; t < b.T; ++t)
    for (int64_t n = 0; n < b.N; ++n) {
      int32_t acc = 0;
      for (int64_t k = 0; k < b.K; ++k)
        acc += int32_t(q[size_t(t * b.K + k)]) * W[size_t(n * b.K + k)];
      const float want = float(acc) / s[size_t(t)] * rs[size_t(n)];
      EXPECT_EQ(y[size_t(t * b.N + n)], want) << "token " << t << " row " << n;
    }
}

TEST(GpuBench, SpreadIsMedianAndPercentiles) {
  tern::rt::cuda::Spread s = tern::rt::cuda::spreadOf({5, 1, 4, 2, 3});
  EXPECT_EQ(s.median, 3);
  EXPECT_EQ(s.p20, 2);
  EXPECT_EQ(s.p80, 4);
}

} // namespace
