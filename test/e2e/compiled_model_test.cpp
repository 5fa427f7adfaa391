// End to end: synthetic BitNet models (`tiny`, `small`, and `tiny` of the
// llama158 and 1bitllm families) compiled by
// tern-compile for each target this machine runs (x86 natively, AArch64
// under qemu-aarch64), executed, and compared with the scalar reference:
//
//   * Prefill: --logits-out, every row of a 7-token prompt run in chunks of
//     4 (--max-batch=4), at 1, 2 and 3 threads.
//   * Decode: the -n path users run: the prompt's prefill computes only the
//     last row's head, then single-token forwards at the positions after
//     it. Every greedily generated id must equal the reference's greedy
//     generation, and every row it was chosen from (--gen-logits-out) the
//     reference's logits at that position.
//
// Logits agree within float32 reassociation noise (the integer parts are
// bit-exact, so differences come only from norms, softmax, RoPE and the
// head): |diff| <= 2e-3 * max |logit|, every value finite (NaN or Inf in
// either fails, test/support/LogitsCompare.h). A prefill row's argmax may
// differ only where the reference's two candidates are closer than twice
// that bound, a near-tie the noise can flip; generated ids must be equal.
#include "frontend/model/Model.h"
#include "frontend/model/ModelWriter.h"
#include "runtime/reference/model.h"
#include "runtime/reference/synthetic_model.h"
#include "test/support/LogitsCompare.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

using namespace tern;

namespace {

constexpr double kRel = 2e-3;

std::string tempDir() {
  llvm::SmallString<128> dir;
  llvm::sys::fs::createUniqueDirectory("tern-e2e", dir);
  return dir.str().str();
}

std::string slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Runs `args`; stderr into *errOut, stdout into *outOut when given.
int run(const std::vector<std::string> &args, std::string *errOut,
        std::string *outOut = nullptr) {
  std::vector<llvm::StringRef> a(args.begin(), args.end());
  llvm::SmallString<128> errFile, outFile;
  llvm::sys::fs::createTemporaryFile("tern-e2e", "err", errFile);
  llvm::sys::fs::createTemporaryFile("tern-e2e", "out", outFile);
  std::optional<llvm::StringRef> redirects[] = {
      std::nullopt, llvm::StringRef(outFile), llvm::StringRef(errFile)};
  auto program = llvm::sys::findProgramByName(args[0]);
  int rc = llvm::sys::ExecuteAndWait(program ? *program : args[0], a, std::nullopt,
                                     redirects);
  *errOut = slurp(errFile.c_str());
  if (outOut)
    *outOut = slurp(outFile.c_str());
  llvm::sys::fs::remove(errFile);
  llvm::sys::fs::remove(outFile);
  return rc;
}

std::vector<float> readFloats(const std::string &path) {
  std::string bytes = slurp(path);
  std::vector<float> f(bytes.size() / 4);
  memcpy(f.data(), bytes.data(), f.size() * 4);
  return f;
}

std::string joinIds(const std::vector<int32_t> &ids, const char *sep) {
  std::string s;
  for (int32_t t : ids)
    s += (s.empty() ? "" : sep) + std::to_string(t);
  return s;
}

struct Built {
  std::string dir, model;
  ref::ModelConfig config;
  ref::ModelWeights weights;
};

/// `preset` is a shape ("tiny") or a shape of a family ("tiny@llama158"),
/// written in the family's published format: packed HF for bitnet and
/// llama158, float masters for 1bitllm. The reference runs the weights as
/// tern reads them back (masters are quantized at load).
const Built &syntheticModel(const std::string &preset) {
  static std::map<std::string, Built> models;
  auto it = models.find(preset);
  if (it != models.end())
    return it->second;
  const size_t at = preset.find('@');
  const std::string shape = preset.substr(0, at),
                    family = at == std::string::npos ? "bitnet" : preset.substr(at + 1);
  Built m;
  m.dir = tempDir();
  m.model = m.dir + "/" + shape + "-" + family + "-hf";
  bool ok = false;
  m.config = ref::presetConfig(shape, &ok);
  EXPECT_TRUE(ok) << preset;
  EXPECT_TRUE(ref::applyFamily(family, &m.config)) << family;
  model::WriteOptions o;
  o.format = family == "1bitllm" ? "hf-master" : "hf";
  o.family = family;
  std::string err;
  EXPECT_TRUE(model::writeModel(m.model, m.config, ref::makeSyntheticWeights(m.config, 7), o,
                                &err))
      << err;
  model::Model loaded;
  EXPECT_TRUE(model::loadModel(m.model, &loaded, &err)) << err;
  EXPECT_TRUE(model::toReferenceWeights(loaded, &m.weights, &err)) << err;
  m.config = loaded.config;
  return models.emplace(preset, std::move(m)).first->second;
}

/// How an executable of a target is run here.
struct Target {
  std::string name;
  std::vector<std::string> runner; ///< e.g. qemu-aarch64 -cpu max; empty: native
};

/// The executable of `preset` for `target`, compiled once per process.
std::string compiled(const std::string &preset, const Target &target) {
  static std::map<std::string, std::string> exes;
  const std::string key = preset + "/" + target.name;
  if (auto it = exes.find(key); it != exes.end())
    return it->second;
  const Built &m = syntheticModel(preset);
  std::string exe = m.dir + "/" + preset + "-" + target.name, err;
  EXPECT_EQ(run({TERN_COMPILE, m.model, "--target=" + target.name, "-q",
                 "--max-batch=4", "-o", exe}, &err), 0) << err;
  return exes[key] = exe;
}

std::vector<std::string> command(const Target &target, const std::string &exe) {
  std::vector<std::string> c = target.runner;
  c.push_back(exe);
  return c;
}

/// 7 prompt ids, within the model's vocabulary.
std::vector<int32_t> promptFor(const ref::ModelConfig &c) {
  std::vector<int32_t> p = {1, 17, 300, 42, 5, 511, 99};
  for (int32_t &id : p)
    id %= c.vocab;
  return p;
}

/// Prefill: every row of the prompt's logits vs the reference.
void comparePrefill(const std::string &preset, const Target &target) {
  const Built &m = syntheticModel(preset);
  const std::string exe = compiled(preset, target);
  ASSERT_FALSE(::testing::Test::HasFailure());
  const std::vector<int32_t> kPrompt = promptFor(m.config);
  ref::ReferenceModel model(m.config, m.weights);
  ASSERT_TRUE(model.ok()) << model.error();
  ref::KVCache cache = model.makeCache();
  std::vector<float> want(kPrompt.size() * m.config.vocab);
  std::string err;
  ASSERT_TRUE(model.forward(kPrompt.data(), kPrompt.size(), cache, want.data(), &err))
      << err;
  // 7 tokens: two prefill chunks of 4 and 3, then the logits of every row.
  for (const char *threads : {"1", "2", "3"}) {
    SCOPED_TRACE(preset + " " + target.name + " threads " + threads);
    const std::string out = exe + "." + threads + ".f32";
    std::vector<std::string> cmd = command(target, exe);
    for (std::string a : {std::string("--tokens"), joinIds(kPrompt, ","),
                          std::string("--logits-out"), out, std::string("--threads"),
                          std::string(threads)})
      cmd.push_back(a);
    ASSERT_EQ(run(cmd, &err), 0) << err;
    std::vector<float> got = readFloats(out);
    ASSERT_EQ(got.size(), want.size());
    const auto close = test::allClose(got.data(), want.data(), want.size(), kRel);
    EXPECT_TRUE(close);
    const double maxRef = test::diff(got.data(), want.data(), want.size()).maxRef;
    EXPECT_TRUE(test::argmaxAgree(got.data(), want.data(), kPrompt.size(),
                                  m.config.vocab, 2 * kRel * maxRef));
  }
}

/// Decode: `n` greedy tokens after the prompt, ids and the rows they were
/// chosen from vs the reference's own greedy generation.
void compareDecode(const std::string &preset, const Target &target, int n,
                   std::vector<const char *> threadCounts = {"1", "2"}) {
  const Built &m = syntheticModel(preset);
  const std::string exe = compiled(preset, target);
  ASSERT_FALSE(::testing::Test::HasFailure());
  const std::vector<int32_t> kPrompt = promptFor(m.config);
  const int V = m.config.vocab;
  ref::ReferenceModel model(m.config, m.weights);
  ASSERT_TRUE(model.ok()) << model.error();
  ref::KVCache cache = model.makeCache();
  std::string err;
  std::vector<float> rows(size_t(n) * V), last(kPrompt.size() * V);
  ASSERT_TRUE(model.forward(kPrompt.data(), kPrompt.size(), cache, last.data(), &err))
      << err;
  std::copy(last.end() - V, last.end(), rows.begin());
  std::vector<int32_t> wantIds;
  for (int i = 0; i < n; ++i) {
    const int32_t next = ref::argmaxToken(rows.data() + size_t(i) * V, V);
    wantIds.push_back(next);
    if (i + 1 < n)
      ASSERT_TRUE(model.forward(&next, 1, cache, rows.data() + size_t(i + 1) * V, &err))
          << err;
  }
  for (const char *threads : threadCounts) {
    SCOPED_TRACE(preset + " " + target.name + " decode, threads " + threads);
    const std::string gen = exe + ".gen" + threads + ".f32";
    std::vector<std::string> cmd = command(target, exe);
    for (std::string a : {std::string("--tokens"), joinIds(kPrompt, ","),
                          std::string("-n"), std::to_string(n),
                          std::string("--gen-logits-out"), gen,
                          std::string("--threads"), std::string(threads)})
      cmd.push_back(a);
    std::string out;
    ASSERT_EQ(run(cmd, &err, &out), 0) << err;
    std::vector<int32_t> gotIds;
    std::istringstream ids(out);
    for (int32_t id; ids >> id;)
      gotIds.push_back(id);
    EXPECT_EQ(joinIds(gotIds, " "), joinIds(wantIds, " ")) << "generated ids";
    std::vector<float> got = readFloats(gen);
    ASSERT_EQ(got.size(), rows.size()) << "rows in " << gen;
    EXPECT_TRUE(test::allClose(got.data(), rows.data(), rows.size(), kRel));
  }
}

bool hostHas(const char *f) {
  static llvm::StringMap<bool> m = llvm::sys::getHostCPUFeatures();
  return m.lookup(f);
}

const Target kGeneric{"generic", {}}, kAvx2{"x86-64-v3", {}},
    kAvx512{"x86-avx512-vnni", {}}, kHost{"host", {}},
    kDotprod{"aarch64-dotprod", {"qemu-aarch64", "-cpu", "max"}},
    kI8mm{"aarch64-i8mm", {"qemu-aarch64", "-cpu", "max"}};

/// Empty, or why AArch64 executables cannot be built and run here.
std::string noAArch64() {
#ifndef TERN_HAVE_AARCH64_RUNTIME
  return "this build has no AArch64 runtime (no aarch64-linux-gnu-g++)";
#else
  if (!llvm::sys::findProgramByName("qemu-aarch64"))
    return "no qemu-aarch64 on PATH";
  return "";
#endif
}

TEST(CompiledModel, Generic) {
  comparePrefill("tiny", kGeneric);
  compareDecode("tiny", kGeneric, 12);
}
TEST(CompiledModel, Avx2) {
  if (!hostHas("avx2"))
    GTEST_SKIP() << "no AVX2 on this CPU";
  comparePrefill("tiny", kAvx2);
  compareDecode("tiny", kAvx2, 12);
}
TEST(CompiledModel, Avx512Vnni) {
  if (!hostHas("avx512vnni"))
    GTEST_SKIP() << "no AVX-512 VNNI on this CPU";
  comparePrefill("tiny", kAvx512);
  compareDecode("tiny", kAvx512, 12);
}
TEST(CompiledModel, Host) {
  comparePrefill("tiny", kHost);
  compareDecode("tiny", kHost, 12, {"1", "2", "3"});
}
TEST(CompiledModel, SmallHost) {
  comparePrefill("small", kHost);
  compareDecode("small", kHost, 24);
}
TEST(CompiledModel, MicroHost) {
  // The runtime fuzz target's model (test/fuzz/runtime_model_fuzz.cpp):
  // 7 prompt tokens, then 12 decoded, of a 32-position context.
  comparePrefill("micro", kHost);
  compareDecode("micro", kHost, 12);
}
TEST(CompiledModel, AArch64Dotprod) {
  if (std::string why = noAArch64(); !why.empty())
    GTEST_SKIP() << why;
  comparePrefill("tiny", kDotprod);
  compareDecode("tiny", kDotprod, 12);
}
TEST(CompiledModel, AArch64I8mm) {
  if (std::string why = noAArch64(); !why.empty())
    GTEST_SKIP() << why;
  compareDecode("tiny", kI8mm, 12, {"2"});
}
TEST(CompiledModel, SmallAArch64Dotprod) {
  if (std::string why = noAArch64(); !why.empty())
    GTEST_SKIP() << why;
  compareDecode("small", kDotprod, 24, {"2"});
}

// The other families: Llama-3 / Falcon3 1.58-bit (silu, no sub-norms,
// divide-mode scales, untied head) and 1bitLLM (silu with sub-norms, float
// master weights quantized at load).
TEST(CompiledModel, Llama158Host) {
  comparePrefill("tiny@llama158", kHost);
  compareDecode("tiny@llama158", kHost, 12);
}
TEST(CompiledModel, Llama158Generic) {
  comparePrefill("tiny@llama158", kGeneric);
}
TEST(CompiledModel, OneBitLLMHost) {
  comparePrefill("tiny@1bitllm", kHost);
  compareDecode("tiny@1bitllm", kHost, 12, {"2"});
}
TEST(CompiledModel, Llama158AArch64Dotprod) {
  if (std::string why = noAArch64(); !why.empty())
    GTEST_SKIP() << why;
  comparePrefill("tiny@llama158", kDotprod);
  compareDecode("tiny@llama158", kDotprod, 12, {"2"});
}

// The comparisons themselves: a planted NaN or Inf fails in either input,
// and so does a wrong argmax that is not a near-tie.
TEST(LogitsCompare, NanAndInfFail) {
  std::vector<float> want = {1, -2, 3, 4, 5, 6}, got = want;
  EXPECT_TRUE(test::allClose(got.data(), want.data(), 6, 1e-6));
  for (float bad : {NAN, INFINITY, -INFINITY})
    for (int which = 0; which < 2; ++which) {
      std::vector<float> g = got, w = want;
      (which ? w : g)[3] = bad;
      auto r = test::allClose(g.data(), w.data(), 6, 1e-6);
      EXPECT_FALSE(r) << bad << " in " << (which ? "want" : "got");
      EXPECT_NE(std::string(r.message()).find("value 3 of 6"), std::string::npos)
          << r.message();
    }
  got[2] = 3.1f;
  EXPECT_FALSE(test::allClose(got.data(), want.data(), 6, 1e-3));
  EXPECT_FALSE(test::allClose(got.data(), want.data(), 0, 1e-3));
}

TEST(LogitsCompare, ArgmaxOnlyForgivesNearTies) {
  // Two rows of 3: row 1's argmax differs.
  std::vector<float> want = {0, 1, 0, 5, 4.99f, 0}, got = {0, 1, 0, 4.98f, 5, 0};
  EXPECT_TRUE(test::argmaxAgree(got.data(), want.data(), 2, 3, 0.02));
  auto r = test::argmaxAgree(got.data(), want.data(), 2, 3, 0.001);
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("row 1: argmax 1 but the reference's is 0"),
            std::string::npos)
      << r.message();
  got[3] = NAN; // a NaN row never agrees by accident
  want[4] = 4.0f;
  EXPECT_FALSE(test::argmaxAgree(got.data(), want.data(), 2, 3, 0.02));
}

} // namespace
