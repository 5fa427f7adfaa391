// End to end: a synthetic tiny BitNet model compiled by tern-compile for each
// x86 target this machine runs, executed, and its logits compared with the
// scalar reference (within float32 reassociation noise; the integer parts
// are bit-exact, so differences only come from norms, softmax, RoPE, head).
#include "frontend/model/ModelWriter.h"
#include "runtime/reference/model.h"
#include "runtime/reference/synthetic_model.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

using namespace tern;

namespace {

std::string tempDir() {
  llvm::SmallString<128> dir;
  llvm::sys::fs::createUniqueDirectory("tern-e2e", dir);
  return dir.str().str();
}

int run(const std::vector<std::string> &args, std::string *errOut) {
  std::vector<llvm::StringRef> a(args.begin(), args.end());
  llvm::SmallString<128> errFile;
  llvm::sys::fs::createTemporaryFile("tern-e2e", "err", errFile);
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, std::nullopt,
                                                llvm::StringRef(errFile)};
  int rc = llvm::sys::ExecuteAndWait(args[0], a, std::nullopt, redirects);
  std::ifstream in(errFile.c_str());
  errOut->assign(std::istreambuf_iterator<char>(in), {});
  llvm::sys::fs::remove(errFile);
  return rc;
}

std::vector<float> readFloats(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::vector<float> f(bytes.size() / 4);
  memcpy(f.data(), bytes.data(), f.size() * 4);
  return f;
}

struct Built {
  std::string dir, model;
  ref::ModelConfig config;
  ref::ModelWeights weights;
};

const Built &tinyModel() {
  static Built b = [] {
    Built m;
    m.dir = tempDir();
    m.model = m.dir + "/tiny-hf";
    bool ok = false;
    m.config = ref::presetConfig("tiny", &ok);
    m.weights = ref::makeSyntheticWeights(m.config, 7);
    model::WriteOptions o;
    o.format = "hf";
    std::string err;
    EXPECT_TRUE(model::writeModel(m.model, m.config, m.weights, o, &err)) << err;
    return m;
  }();
  return b;
}

void compareWithReference(const std::string &target) {
  const Built &m = tinyModel();
  std::string exe = m.dir + "/tiny-" + target, err;
  ASSERT_EQ(run({TERN_COMPILE, m.model, "--target=" + target, "-q",
                 "--max-batch=4", "-o", exe}, &err), 0) << err;
  // 7 tokens: two prefill chunks of 4 and 3, then the logits of every row.
  std::vector<int32_t> tokens = {1, 17, 300, 42, 5, 511, 99};
  std::string ids;
  for (int32_t t : tokens)
    ids += (ids.empty() ? "" : ",") + std::to_string(t);
  for (const char *threads : {"1", "2", "3"}) {
    std::string out = exe + "." + threads + ".f32";
    ASSERT_EQ(run({exe, "--tokens", ids, "--logits-out", out, "--threads", threads},
                  &err), 0) << err;
    std::vector<float> got = readFloats(out);
    ref::ReferenceModel model(m.config, m.weights);
    ASSERT_TRUE(model.ok()) << model.error();
    ref::KVCache cache = model.makeCache();
    std::vector<float> want(tokens.size() * m.config.vocab);
    ASSERT_TRUE(model.forward(tokens.data(), tokens.size(), cache, want.data(), &err)) << err;
    ASSERT_EQ(got.size(), want.size());
    float maxRef = 0, maxDiff = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      maxRef = std::max(maxRef, std::fabs(want[i]));
      maxDiff = std::max(maxDiff, std::fabs(got[i] - want[i]));
    }
    EXPECT_LE(maxDiff, 2e-3f * maxRef) << target << " threads " << threads
                                       << ": max |diff| " << maxDiff
                                       << " for max |logit| " << maxRef;
    int agree = 0;
    for (size_t t = 0; t < tokens.size(); ++t)
      agree += ref::argmaxToken(got.data() + t * m.config.vocab, m.config.vocab) ==
               ref::argmaxToken(want.data() + t * m.config.vocab, m.config.vocab);
    EXPECT_GE(agree, int(tokens.size()) - 1) << target << ": argmax differs";
  }
}

bool hostHas(const char *f) {
  static llvm::StringMap<bool> m = llvm::sys::getHostCPUFeatures();
  return m.lookup(f);
}

TEST(CompiledModel, Generic) { compareWithReference("generic"); }
TEST(CompiledModel, Avx2) {
  if (!hostHas("avx2"))
    GTEST_SKIP() << "no AVX2 on this CPU";
  compareWithReference("x86-64-v3");
}
TEST(CompiledModel, Avx512Vnni) {
  if (!hostHas("avx512vnni"))
    GTEST_SKIP() << "no AVX-512 VNNI on this CPU";
  compareWithReference("x86-avx512-vnni");
}
TEST(CompiledModel, Host) { compareWithReference("host"); }

} // namespace
