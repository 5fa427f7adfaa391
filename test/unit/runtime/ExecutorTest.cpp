//===- ExecutorTest.cpp - contexts and tern_forward on the toy model ------===//
#include "TestPack.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <unistd.h>

using namespace tern::rt;
using namespace tern::rt::testing;

namespace {

class ExecutorTest : public ::testing::TestWithParam<int> {
protected:
  void load(const ToyShape &s) {
    shape = s;
    makeToyPack(shape, &toy);
    path = tempPath("exec.tpack");
    std::string err;
    ASSERT_TRUE(writePackFile(path, toy.contents, &err)) << err;
    char buf[256];
    model = tern_model_load(path.c_str(), toyKernels(), buf, sizeof buf);
    ASSERT_NE(model, nullptr) << buf;
    ctx = tern_context_new(model, threads(), buf, sizeof buf);
    ASSERT_NE(ctx, nullptr) << buf;
  }
  void SetUp() override { load(ToyShape()); }
  void TearDown() override {
    tern_context_free(ctx);
    tern_model_free(model);
    ::unlink(path.c_str());
  }
  int threads() const { return GetParam(); }

  /// Runs `ids`, expecting success.
  void forward(const std::vector<int32_t> &ids, bool all) {
    char err[256] = "";
    ASSERT_EQ(tern_forward(ctx, ids.data(), static_cast<int64_t>(ids.size()),
                           all ? 1 : 0, err, sizeof err),
              0)
        << err;
  }

  /// Expects the logits of the last forward to be reference rows
  /// [first, first + rows) of the whole sequence `seq`.
  void expectLogits(const std::vector<int32_t> &seq, int64_t first,
                    int64_t rows) {
    std::vector<float> ref = toyReference(shape, seq);
    int64_t got = -1;
    const float *l = tern_logits(ctx, &got);
    ASSERT_NE(l, nullptr);
    ASSERT_EQ(got, rows);
    const int64_t V = shape.vocab;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < V; ++v)
        ASSERT_EQ(l[r * V + v], ref[(first + r) * V + v])
            << "row " << r << " (position " << first + r << ") token " << v;
  }

  static std::vector<int32_t> sequence(size_t n, int32_t seed = 0) {
    std::vector<int32_t> ids(n);
    for (size_t i = 0; i < n; ++i)
      ids[i] = static_cast<int32_t>((i * 7 + seed * 3 + 5) % 16);
    return ids;
  }

  ToyShape shape;
  ToyPack toy;
  std::string path;
  tern_model *model = nullptr;
  tern_context *ctx = nullptr;
};

TEST_P(ExecutorTest, FreshContext) {
  EXPECT_EQ(tern_context_length(ctx), 0);
  EXPECT_EQ(tern_context_threads(ctx), threads());
  EXPECT_EQ(tern_context_model(ctx), model);
  EXPECT_STREQ(tern_context_device(ctx), "cpu");
  int64_t rows = 7;
  EXPECT_EQ(tern_logits(ctx, &rows), nullptr);
  EXPECT_EQ(rows, 0);
}

TEST_P(ExecutorTest, PrefillLastRow) {
  const auto ids = sequence(3);
  forward(ids, false);
  EXPECT_EQ(tern_context_length(ctx), 3);
  expectLogits(ids, 2, 1);
}

TEST_P(ExecutorTest, PrefillAllRows) {
  const auto ids = sequence(4); // exactly max_batch
  forward(ids, true);
  expectLogits(ids, 0, 4);
}

TEST_P(ExecutorTest, ChunkedAllRows) {
  // 10 tokens in chunks of 4, 4, 2: every row kept.
  const auto ids = sequence(10);
  forward(ids, true);
  EXPECT_EQ(tern_context_length(ctx), 10);
  expectLogits(ids, 0, 10);
}

TEST_P(ExecutorTest, ChunkedLastRow) {
  const auto ids = sequence(11);
  clearCalls();
  forward(ids, false);
  expectLogits(ids, 10, 1);
  // Chunks of 4, 4, 3 at positions 0, 4, 8; the head runs for the last
  // token of the last chunk only.
  std::vector<Call> log = calls();
  std::vector<int64_t> starts;
  for (const Call &c : log) {
    if (c.kernel == 0 && c.begin == 0)
      starts.push_back(c.start);
    if (c.kernel == 3) {
      EXPECT_EQ(c.start, 8);
      EXPECT_EQ(c.t0, 2);
      EXPECT_EQ(c.t1, 3);
    }
    if (c.kernel == 1) {
      EXPECT_EQ(c.t0, 0);
      EXPECT_EQ(c.t1, c.start == 8 ? 3 : 4);
    }
  }
  EXPECT_EQ(starts, (std::vector<int64_t>{0, 4, 8}));
}

TEST_P(ExecutorTest, IncrementalEqualsWhole) {
  // Prefill 5, then decode one at a time, then a chunk of 6 more: each
  // result equals the reference on the whole sequence.
  const auto seq = sequence(20, 1);
  std::vector<int32_t> prefix(seq.begin(), seq.begin() + 5);
  forward(prefix, false);
  expectLogits(seq, 4, 1);
  for (int i = 5; i < 14; ++i) {
    forward({seq[i]}, i % 2 == 0);
    EXPECT_EQ(tern_context_length(ctx), i + 1);
    expectLogits(seq, i, 1);
  }
  std::vector<int32_t> rest(seq.begin() + 14, seq.end());
  forward(rest, true);
  expectLogits(seq, 14, 6);
}

TEST_P(ExecutorTest, SplitsAtGrainMultiples) {
  forward(sequence(4), false);
  clearCalls();
  forward(sequence(3), true);
  std::vector<Call> log = calls();
  for (int kernel = 0; kernel < 4; ++kernel) {
    // Expected range, grain and extent of the step for T_chunk = 3.
    const int64_t grain[] = {1, 3, 2, 5};
    const int64_t extent[] = {3, shape.hidden, 3, shape.vocab};
    std::vector<Call> pieces;
    for (const Call &c : log)
      if (c.kernel == kernel)
        pieces.push_back(c);
    std::sort(pieces.begin(), pieces.end(),
              [](const Call &a, const Call &b) { return a.begin < b.begin; });
    const int64_t grains = (extent[kernel] + grain[kernel] - 1) / grain[kernel];
    EXPECT_EQ(static_cast<int64_t>(pieces.size()),
              std::min<int64_t>(threads(), grains))
        << "kernel " << kernel;
    int64_t at = 0;
    for (const Call &c : pieces) {
      EXPECT_EQ(c.begin, at) << "kernel " << kernel;
      EXPECT_EQ(c.begin % grain[kernel], 0) << "kernel " << kernel;
      EXPECT_LT(c.begin, c.end) << "kernel " << kernel;
      EXPECT_EQ(c.start, 4);
      EXPECT_EQ(c.t0, 0);
      EXPECT_EQ(c.t1, 3);
      at = c.end;
    }
    EXPECT_EQ(at, extent[kernel]) << "kernel " << kernel;
  }
}

TEST_P(ExecutorTest, ContextOverflowLeavesContextUnchanged) {
  const auto seq = sequence(32, 2);
  std::vector<int32_t> first(seq.begin(), seq.begin() + 30);
  forward(first, false);
  int64_t rows = 0;
  const float *before = tern_logits(ctx, &rows);
  std::vector<float> saved(before, before + shape.vocab);

  char err[256];
  std::vector<int32_t> three = {1, 2, 3};
  EXPECT_NE(tern_forward(ctx, three.data(), 3, 0, err, sizeof err), 0);
  EXPECT_STREQ(err, "context overflow: 30 tokens + 3 new > max_context 32");
  EXPECT_EQ(tern_context_length(ctx), 30);
  const float *after = tern_logits(ctx, &rows);
  ASSERT_EQ(rows, 1);
  EXPECT_EQ(std::vector<float>(after, after + shape.vocab), saved);

  // A bad id is rejected the same way.
  std::vector<int32_t> badId = {1, 16};
  EXPECT_NE(tern_forward(ctx, badId.data(), 2, 0, err, sizeof err), 0);
  EXPECT_STREQ(err, "token id 16 at position 1 is out of range [0, 16)");
  badId = {-1};
  EXPECT_NE(tern_forward(ctx, badId.data(), 1, 0, err, sizeof err), 0);
  EXPECT_EQ(tern_forward(ctx, badId.data(), 0, 0, err, sizeof err), 1);
  EXPECT_NE(std::string(err).find("no tokens"), std::string::npos);
  EXPECT_EQ(tern_context_length(ctx), 30);

  // The state is intact: the last two positions still match the reference.
  std::vector<int32_t> last(seq.begin() + 30, seq.end());
  forward(last, true);
  EXPECT_EQ(tern_context_length(ctx), 32);
  expectLogits(seq, 30, 2);
  EXPECT_NE(tern_forward(ctx, badId.data() , 1, 0, err, sizeof err), 0);
  std::vector<int32_t> one = {3};
  EXPECT_NE(tern_forward(ctx, one.data(), 1, 0, err, sizeof err), 0);
  EXPECT_STREQ(err, "context overflow: 32 tokens + 1 new > max_context 32");
}

TEST_P(ExecutorTest, ResetForgetsEverything) {
  forward(sequence(9, 3), true);
  tern_context_reset(ctx);
  EXPECT_EQ(tern_context_length(ctx), 0);
  int64_t rows = 5;
  EXPECT_EQ(tern_logits(ctx, &rows), nullptr);
  EXPECT_EQ(rows, 0);
  const auto ids = sequence(6, 4);
  forward(ids, true);
  expectLogits(ids, 0, 6);
}

TEST_P(ExecutorTest, WholeContextInOneCall) {
  const auto ids = sequence(32, 5);
  forward(ids, true);
  expectLogits(ids, 0, 32);
}

TEST_P(ExecutorTest, ContextsAreIndependent) {
  char buf[256];
  tern_context *other = tern_context_new(model, threads(), buf, sizeof buf);
  ASSERT_NE(other, nullptr) << buf;
  const auto a = sequence(7, 1), b = sequence(5, 2);
  forward(a, false);
  ASSERT_EQ(tern_forward(other, b.data(), 5, 0, buf, sizeof buf), 0) << buf;
  expectLogits(a, 6, 1);
  tern_context *mine = ctx;
  ctx = other;
  expectLogits(b, 4, 1);
  ctx = mine;
  tern_context_free(other);
}

INSTANTIATE_TEST_SUITE_P(Threads, ExecutorTest, ::testing::Values(1, 2, 3, 4),
                         [](const ::testing::TestParamInfo<int> &i) {
                           return std::to_string(i.param) + "threads";
                         });

TEST(ExecutorMisc, SmallRangeUsesOneThread) {
  // A fixed range of one grain is one call, however many threads.
  ToyShape shape;
  shape.vocab = 5; // head: 5 rows, grain 5
  ToyPack toy;
  makeToyPack(shape, &toy);
  const std::string path = tempPath("small.tpack");
  std::string err;
  ASSERT_TRUE(writePackFile(path, toy.contents, &err)) << err;
  tern_model *m = tern_model_load(path.c_str(), toyKernels(), nullptr, 0);
  ASSERT_NE(m, nullptr);
  tern_context *c = tern_context_new(m, 4, nullptr, 0);
  ASSERT_NE(c, nullptr);
  clearCalls();
  const int32_t id = 3;
  ASSERT_EQ(tern_forward(c, &id, 1, 0, nullptr, 0), 0);
  int heads = 0, tokenSteps = 0;
  for (const Call &call : calls()) {
    heads += call.kernel == 3;
    tokenSteps += call.kernel == 0;
  }
  EXPECT_EQ(heads, 1);
  EXPECT_EQ(tokenSteps, 1); // one token: one grain
  tern_context_free(c);
  tern_model_free(m);
  ::unlink(path.c_str());
}

TEST(ExecutorMisc, DefaultThreadsAndBadArguments) {
  EXPECT_GE(tern_default_threads(), 1);
  ToyPack toy;
  makeToyPack(ToyShape(), &toy);
  const std::string path = tempPath("misc.tpack");
  std::string err;
  ASSERT_TRUE(writePackFile(path, toy.contents, &err)) << err;
  tern_model *m = tern_model_load(path.c_str(), toyKernels(), nullptr, 0);
  ASSERT_NE(m, nullptr);
  tern_context *c = tern_context_new(m, 0, nullptr, 0);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(tern_context_threads(c), tern_default_threads());
  char buf[128];
  EXPECT_NE(tern_forward(c, nullptr, 1, 0, buf, sizeof buf), 0);
  EXPECT_NE(tern_forward(nullptr, nullptr, 1, 0, buf, sizeof buf), 0);
  tern_context_free(c);
  EXPECT_EQ(tern_context_new(nullptr, 1, buf, sizeof buf), nullptr);
  EXPECT_EQ(tern_context_new(m, 100000, buf, sizeof buf), nullptr);
  EXPECT_NE(std::string(buf).find("too many threads"), std::string::npos);
  tern_model_free(m);
  tern_model_free(nullptr);
  tern_context_free(nullptr);
  ::unlink(path.c_str());
}

} // namespace
