//===- ScheduleSpaceTest.cpp - every knob in a space changes the code -----===//
//
// A schedule space (codegen/common/ScheduleSpace.h) may only hold knobs the
// target's kernels read: for every target and every knob of its ternary
// matmul space, the default schedule and the same with that knob at each
// other allowed value give different machine code (CPU: assembly for the
// target, through the plan builder's schedule mapping; GPU: PTX of the
// decode and prefill variants). A knob nothing reads (as tile_k and
// vector_width were) fails here. Also: the defaults lie in their own
// space, and the check names the knob and the allowed values.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/ScheduleSpace.h"
#include "codegen/cpu/CpuPlan.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/LowerKernels.h"
#include "codegen/common/PlanBuilder.h"
#include "codegen/common/Jit.h"
#include "codegen/nvptx/GpuKernels.h"
#include "codegen/nvptx/LowerToPtx.h"
#include "passes/ScheduleDefaults.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <unistd.h>

using namespace tern;

namespace {

// A 2B4T-like matmul (K = 2560: enough 16-byte loads per lane for the
// GPU's unroll to matter), few rows to compile quickly: 8-row groups (the
// GPU's mma layout), 16 tokens (prefill tiles and single-token tails).
constexpr int64_t kN = 64, kK = 2560, kBatch = 16;

/// A target with only a dot-product ISA (no GFNI, no AMX).
codegen::PlanTarget isaOnly(cpu::DotIsa isa) {
  codegen::PlanTarget t;
  t.isa = isa;
  return t;
}

cpu::TernaryMatmulParams paramsFor(mlir::MLIRContext *ctx, const sched::Schedule &knobs,
                                   const codegen::PlanTarget &target, int64_t block) {
  cpu::TernaryMatmulParams p;
  p.K = kK;
  p.parts = {kN};
  p.max_batch = kBatch;
  p.block = block;
  p.interleave = 8;
  // The CPU's layout knob packs the weights (its block from the vector
  // width, as tern-pack-weights does); the GPU has none and reads 8 rows.
  if (auto it = knobs.find("layout"); it != knobs.end()) {
    ref::TernaryLayout l;
    if (ref::layoutFromName(it->second, kK, block, 0, &l, nullptr))
      p.setLayout(l);
  }
  // The target's facts as the plan builder and tern-tune set them (GFNI,
  // AMX for isa = "amx").
  codegen::applySchedule(mlir::tern::scheduleFromKnobs(ctx, knobs), target, &p);
  return p;
}

mlir::DialectRegistry jitRegistry() {
  mlir::DialectRegistry r;
  mlir::tern::registerJitDialects(r);
  return r;
}

/// The assembly of the kernel of `kind` under `knobs` on CPU target `name`.
std::string cpuCode(const std::string &name, const sched::Schedule &knobs,
                    sched::Kind kind = sched::Kind::kTernaryMatmul) {
  cpu::CpuTarget target;
  std::string err;
  if (!cpu::resolveCpuTarget(name, &target, &err))
    return "error: " + err;
  mlir::MLIRContext ctx(jitRegistry());
  ctx.loadAllAvailableDialects();
  mlir::OpBuilder b(&ctx);
  auto module = mlir::ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module.getBody());
  mlir::tern::ScheduleAttr attr = mlir::tern::scheduleFromKnobs(&ctx, knobs);
  if (kind == sched::Kind::kAttention) { // 2B4T's: 20 query heads over 5 KV heads
    codegen::AttentionParams p;
    p.heads = 20;
    p.kv_heads = 5;
    p.head_dim = 128;
    p.max_context = 64;
    codegen::applySchedule(attr, &p);
    cpu::buildAttentionKernel(b, module, "k", p);
  } else if (kind == sched::Kind::kNormQuantize) { // 2B4T's ffn_sub_norm: gated, bf16
    codegen::NormQuantizeParams p;
    p.K = kK;
    p.max_batch = kBatch;
    p.gated = true;
    p.elem = codegen::FloatType::BF16;
    codegen::applySchedule(attr, &p);
    cpu::buildNormQuantizeKernel(b, module, "k", p);
  } else if (kind == sched::Kind::kFloatMatmul) { // the LM head, as the plan maps it
    codegen::FloatMatmulParams p;
    p.N = kN;
    p.K = kK;
    p.max_batch = 1;
    p.elem = codegen::FloatType::F16;
    codegen::applySchedule(attr, &p);
    cpu::buildFloatMatmulKernel(b, module, "k", p);
  } else if (kind == sched::Kind::kInt8Matmul) {
    codegen::Int8MatmulParams p;
    p.N = kN;
    p.K = kK;
    p.max_batch = 1;
    if (std::string why = codegen::applySchedule(attr, target.isa, target.vector_bytes, &p);
        !why.empty())
      return "error: " + why;
    cpu::buildInt8MatmulKernel(b, module, "k", p);
  } else {
    cpu::buildTernaryMatmulKernel(b, module, "k",
                                  paramsFor(&ctx, knobs, cpu::planTargetOf(target),
                                            target.isa == cpu::DotIsa::Generic
                                                ? 16
                                                : target.vector_bytes));
  }
  mlir::PassManager pm(&ctx);
  if (failed(cpu::buildKernelLoweringPipeline(pm, &err)) || failed(pm.run(module)))
    return "error: lowering failed " + err;
  auto tm = cpu::createTargetMachine(target, &err);
  if (!tm)
    return "error: " + err;
  llvm::LLVMContext llctx;
  auto m = cpu::translateAndOptimize(module, llctx, *tm, &err);
  if (!m)
    return "error: " + err;
  const std::string path = testing::TempDir() + "/space." + std::to_string(::getpid()) + ".s";
  if (!cpu::emitMachineCode(*m, *tm, /*assembly=*/true, path, &err))
    return "error: " + err;
  std::ifstream f(path);
  std::string code{std::istreambuf_iterator<char>(f), {}};
  std::remove(path.c_str());
  module->erase();
  return code;
}

/// The PTX of the decode and prefill variants under `knobs` on `name`.
std::string gpuCode(const std::string &name, const sched::Schedule &knobs) {
  std::string all;
  for (bool single : {true, false}) {
    mlir::MLIRContext ctx(jitRegistry());
    ctx.loadAllAvailableDialects();
    cpu::TernaryMatmulParams p = paramsFor(&ctx, knobs, isaOnly(cpu::DotIsa::Generic), 16);
    nvptx::GpuLaunch launch;
    std::string ptx, err;
    if (!nvptx::buildKernelPtx(
            [&](mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm) {
              return nvptx::buildGpuTernaryMatmulKernel(b, gm, "k", p, single);
            },
            name.c_str(), &launch, &ptx, &err))
      return "error: " + err;
    all += ptx + "// threads " + std::to_string(launch.threads) + "\n";
  }
  return all;
}

class EveryKnob : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryKnob, ChangesTheGeneratedCode) {
  const std::string target = GetParam();
  sched::Space space;
  std::string err;
  ASSERT_TRUE(sched::spaceFor(target, sched::Kind::kTernaryMatmul, {kN, kK}, &space, &err))
      << err;
  ASSERT_FALSE(space.knobs.empty());
  const bool gpu = target.rfind("sm_", 0) == 0;
  auto code = [&](const sched::Schedule &s) { return gpu ? gpuCode(target, s) : cpuCode(target, s); };
  const sched::Schedule defaults = space.defaults();
  EXPECT_EQ(sched::checkSchedule(space, defaults), "") << "the defaults lie in their space";
  for (const sched::Knob &k : space.knobs) {
    ASSERT_GE(k.values.size(), 2u) << k.name << " has nothing to choose from";
    // tile_n tiles the rows of whole tile_m-token tiles: with tile_m = 1
    // (generic's default) there are none, so it is compared at tile_m = 2.
    sched::Schedule base = defaults;
    if (k.name == "tile_n" && base["tile_m"] == "1")
      base["tile_m"] = "2";
    const std::string baseCode = code(base);
    ASSERT_EQ(baseCode.rfind("error:", 0), std::string::npos) << baseCode;
    for (const std::string &v : k.values) {
      // The default's explicit twins: mma "" is the target's choice,
      // mma_sync at 8-row groups; gemv_tile_n 0 is one interleave group
      // (the default layout's rows, i2x2 on the CPU; 8 on the GPU; in
      // i2lane, x86's default, kLaneGemvGroups groups).
      const std::string layout = base.count("layout") ? base.at("layout") : "";
      const std::string rows =
          layout.empty()        ? "8"
          : layout == "i2lane" ? std::to_string(codegen::TernaryMatmulParams::kLaneGemvGroups)
                               : layout.substr(3);
      if (v == k.def || (k.name == "mma" && v == "mma_sync") ||
          (k.name == "gemv_tile_n" && k.def == "0" && v == rows))
        continue;
      sched::Schedule s = base;
      s[k.name] = v;
      const std::string other = code(s);
      ASSERT_EQ(other.rfind("error:", 0), std::string::npos) << k.name << " = " << v << ": " << other;
      EXPECT_NE(other, baseCode) << target << ": " << k.name << " = " << v
                             << " gives the same code as the default " << base[k.name]
                             << ": nothing reads it";
    }
  }
}

/// "x86_avx512_vnni": a target as a test name.
std::string targetTestName(const ::testing::TestParamInfo<std::string> &i) {
  std::string n = i.param;
  for (char &c : n)
    if (c == '-')
      c = '_';
  return n;
}

/// Every other value of every knob of `space` gives other code than the
/// defaults do (`kind` on CPU target `target`): nothing in a space goes unread.
void expectEveryValueChangesCode(const std::string &target, sched::Kind kind,
                                 const sched::Space &space) {
  const sched::Schedule defaults = space.defaults();
  const std::string baseCode = cpuCode(target, defaults, kind);
  ASSERT_EQ(baseCode.rfind("error:", 0), std::string::npos) << baseCode;
  for (const sched::Knob &k : space.knobs) {
    ASSERT_GE(k.values.size(), 2u) << k.name;
    for (const std::string &v : k.values) {
      if (v == k.def)
        continue;
      sched::Schedule s = defaults;
      s[k.name] = v;
      const std::string other = cpuCode(target, s, kind);
      ASSERT_EQ(other.rfind("error:", 0), std::string::npos) << k.name << " = " << v << ": "
                                                              << other;
      EXPECT_NE(other, baseCode) << target << ": " << k.name << " = " << v
                                 << " gives the default's code: nothing reads it";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, EveryKnob,
                         ::testing::Values("generic", "x86-64-v3", "x86-avx512-vnni", "x86-amx",
                                           "aarch64-dotprod", "aarch64-i8mm", "sm_80",
                                           "sm_90", "sm_90a"),
                         targetTestName);

// The heads' and attention's spaces (one token): every knob changes the code on every CPU
// target; the GPU's heads have no knobs.
class HeadEveryKnob : public ::testing::TestWithParam<std::string> {};

TEST_P(HeadEveryKnob, ChangesTheGeneratedCode) {
  const std::string target = GetParam();
  for (sched::Kind kind :
       {sched::Kind::kFloatMatmul, sched::Kind::kInt8Matmul, sched::Kind::kAttention}) {
    SCOPED_TRACE(sched::kindName(kind));
    sched::Space space;
    std::string err;
    const sched::Shape shape =
        kind == sched::Kind::kAttention ? sched::Shape{20, 5} : sched::Shape{kN, kK};
    ASSERT_TRUE(sched::spaceFor(target, kind, shape, &space, &err)) << err;
    ASSERT_FALSE(space.knobs.empty());
    EXPECT_TRUE(space.prefillKnobs.empty()) << "heads are tuned for one token";
    EXPECT_EQ(space.decodeKnobs.size(), space.knobs.size());
    EXPECT_EQ(sched::checkSchedule(space, space.defaults()), "");
    expectEveryValueChangesCode(target, kind, space);
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, HeadEveryKnob,
                         ::testing::Values("generic", "x86-64-v3", "x86-avx512-vnni", "x86-amx",
                                           "aarch64-dotprod", "aarch64-i8mm"),
                         targetTestName);

// The norm + quantize's space: unroll for one token, tile_m for prefill;
// every value of each changes the code on every CPU target; the GPU's
// norm has none.
class NormEveryKnob : public ::testing::TestWithParam<std::string> {};

TEST_P(NormEveryKnob, ChangesTheGeneratedCode) {
  const std::string target = GetParam();
  sched::Space space;
  std::string err;
  ASSERT_TRUE(sched::spaceFor(target, sched::Kind::kNormQuantize, {1, kK}, &space, &err)) << err;
  EXPECT_EQ(space.decodeKnobs, std::vector<std::string>{"unroll"});
  EXPECT_EQ(space.prefillKnobs, std::vector<std::string>{"tile_m"});
  EXPECT_EQ(sched::checkSchedule(space, space.defaults()), "");
  EXPECT_NE(sched::checkSchedule(space, {{"tile_m", "3"}}), "");
  expectEveryValueChangesCode(target, sched::Kind::kNormQuantize, space);
}

INSTANTIATE_TEST_SUITE_P(Targets, NormEveryKnob,
                         ::testing::Values("generic", "x86-64-v3", "x86-avx512-vnni", "x86-amx",
                                           "aarch64-dotprod", "aarch64-i8mm"),
                         targetTestName);

TEST(ScheduleSpace, GpuHeadsHaveNoKnobs) {
  for (const char *t : {"sm_80", "sm_90", "sm_90a"}) {
    sched::Space space;
    std::string err;
    ASSERT_TRUE(sched::spaceFor(t, sched::Kind::kFloatMatmul, {kN, kK}, &space, &err));
    EXPECT_TRUE(space.knobs.empty()) << t;
    EXPECT_EQ(sched::checkSchedule(space, {{"tile_n", "2"}}),
              std::string("tile_n is not a knob of matmul on ") + t + " (its knobs: none)");
    ASSERT_TRUE(sched::spaceFor(t, sched::Kind::kAttention, {20, 5}, &space, &err));
    EXPECT_TRUE(space.knobs.empty()) << t << ": the GPU attention has no knob";
    ASSERT_TRUE(sched::spaceFor(t, sched::Kind::kNormQuantize, {1, kK}, &space, &err));
    EXPECT_TRUE(space.knobs.empty()) << t << ": the GPU norm has no knob";
  }
}

TEST(ScheduleSpace, TheInt8HeadsIsaMustRunOnTheTarget) {
  mlir::MLIRContext ctx(jitRegistry());
  ctx.loadAllAvailableDialects();
  codegen::Int8MatmulParams p;
  p.N = kN;
  p.K = kK;
  auto with = [&](const char *isa) {
    return mlir::tern::scheduleFromKnobs(&ctx, {{"isa", isa}});
  };
  EXPECT_EQ(codegen::applySchedule(with("avx2"), cpu::DotIsa::Avx512Vnni, 64, &p), "");
  EXPECT_EQ(p.isa, cpu::DotIsa::Avx2);
  EXPECT_EQ(p.block, 32) << "AVX2 steps 32 bytes";
  EXPECT_EQ(codegen::applySchedule(with("avx512-vnni"), cpu::DotIsa::Avx512Vnni, 64, &p), "");
  EXPECT_EQ(p.block, 64);
  EXPECT_EQ(codegen::applySchedule(with("avx512-vnni"), cpu::DotIsa::Avx2, 32, &p),
            "schedule isa \"avx512-vnni\" does not run on this target");
  EXPECT_EQ(codegen::applySchedule(with("i8mm"), cpu::DotIsa::NeonDot, 16, &p),
            "schedule isa \"i8mm\" does not run on this target");
}

// Software prefetch is decode's knob: it is emitted in the single-token
// tiles (gemv_tile_n = 2: a tile of 2 rows and one of 1, 3 prefetches per
// step) and never in the prefill tiles (tile_n = 3 and 1, which would add
// 4), where decode's choice had never been measured.
TEST(ScheduleSpace, PrefetchOnlyInSingleTokenTiles) {
  mlir::MLIRContext ctx(jitRegistry());
  ctx.loadAllAvailableDialects();
  for (const char *layout : {"i2x2", "tl2"}) {
    SCOPED_TRACE(layout);
    mlir::OpBuilder b(&ctx);
    auto module = mlir::ModuleOp::create(b.getUnknownLoc());
    b.setInsertionPointToEnd(module.getBody());
    const sched::Schedule knobs = {{"tile_m", "4"}, {"tile_n", "3"}, {"gemv_tile_n", "2"},
                                   {"prefetch", "8"}, {"layout", layout}};
    cpu::TernaryMatmulParams p = paramsFor(&ctx, knobs, isaOnly(cpu::DotIsa::Avx512Vnni), 64);
    cpu::buildTernaryMatmulKernel(b, module, "k", p); // tl2: the lookup body
    int prefetches = 0;
    module.walk([&](mlir::memref::PrefetchOp) { ++prefetches; });
    // The lookup kernel prefetches both ends of a step (2 per row block),
    // and its tiles are row blocks of 16 (gemv_tile_n is not its knob).
    if (std::string(layout) == "tl2")
      EXPECT_GT(prefetches, 0);
    else
      EXPECT_EQ(prefetches, 3);
    sched::Schedule single = knobs;
    single["tile_m"] = "1"; // every tile single-token: the same prefetches
    mlir::OpBuilder b2(&ctx);
    auto module2 = mlir::ModuleOp::create(b2.getUnknownLoc());
    b2.setInsertionPointToEnd(module2.getBody());
    cpu::TernaryMatmulParams p1 = paramsFor(&ctx, single, isaOnly(cpu::DotIsa::Avx512Vnni), 64);
    cpu::buildTernaryMatmulKernel(b2, module2, "k", p1);
    int singlePrefetches = 0;
    module2.walk([&](mlir::memref::PrefetchOp) { ++singlePrefetches; });
    if (std::string(layout) == "tl2")
      EXPECT_EQ(prefetches, singlePrefetches) << "tile_m = 4 adds no prefetch";
    module->erase();
    module2->erase();
  }
}

TEST(ScheduleSpace, KindNames) {
  for (sched::Kind k : sched::allKinds()) {
    sched::Kind back;
    ASSERT_TRUE(sched::kindFromName(sched::kindName(k), &back));
    EXPECT_EQ(back, k);
  }
  sched::Kind k;
  EXPECT_TRUE(sched::kindFromName("bitlinear", &k));
  EXPECT_EQ(k, sched::Kind::kTernaryMatmul);
  EXPECT_FALSE(sched::kindFromName("conv2d", &k));
}

TEST(ScheduleSpace, EveryTargetIsTested) {
  // A new target adds its space and a line above.
  EXPECT_EQ(sched::targets().size(), 9u);
}

// The layout knob holds the layouts that can pack the shape (rows a
// multiple of the interleave, K of 4 * block for 2-bit codes; the lookup
// tables take any), the target's preference (x86: i2lane) or i2x2 by
// default where it fits; the GPU has none (it
// packs 8 rows for its mma tiles).
TEST(ScheduleSpace, TheLayoutKnobHoldsTheLayoutsThatFit) {
  sched::Space space;
  std::string err;
  auto values = [&](const std::string &target, int64_t n, int64_t k) {
    EXPECT_TRUE(sched::spaceFor(target, sched::Kind::kTernaryMatmul, {n, k}, &space, &err));
    const sched::Knob *knob = space.knob("layout");
    std::string out;
    for (const std::string &v : knob ? knob->values : std::vector<std::string>())
      out += (out.empty() ? "" : " ") + v;
    return out + (knob ? " / " + knob->def : "");
  };
  // x86 prefers i2lane; 30 rows are no whole group of 8 lanes, so i2x2.
  EXPECT_EQ(values("x86-avx512-vnni", 2560, 6912), "i2x1 i2x2 i2x4 i2x8 i2lane tl1 tl2 / i2lane");
  EXPECT_EQ(values("x86-64-v3", 30, 2560), "i2x1 i2x2 tl1 tl2 / i2x2");
  // K = 96 takes no i2xR block; i2lane (K a multiple of 16) is the first.
  EXPECT_EQ(values("aarch64-dotprod", 64, 96), "i2lane tl1 tl2 / i2lane");
  EXPECT_EQ(values("generic", 64, 2560), "i2x1 i2x2 i2x4 i2x8 i2lane tl1 tl2 / i2x2");
  EXPECT_EQ(space.layoutKnobs, std::vector<std::string>{"layout"});
  EXPECT_EQ(values("sm_90", 64, 2560), "");
  EXPECT_TRUE(space.layoutKnobs.empty());
  // The heads have none.
  ASSERT_TRUE(sched::spaceFor("x86-avx512-vnni", sched::Kind::kFloatMatmul, {64, 2560}, &space,
                              &err));
  EXPECT_EQ(space.knob("layout"), nullptr);
}

TEST(ScheduleSpace, CheckNamesTheKnobAndTheAllowedValues) {
  sched::Space space;
  std::string err;
  ASSERT_TRUE(sched::spaceFor("x86-avx512-vnni", sched::Kind::kTernaryMatmul, {kN, kK}, &space,
                              &err));
  EXPECT_EQ(sched::checkSchedule(space, {{"tile_n", "7"}}),
            "tile_n = 7 is not in the space of ternary_matmul on x86-avx512-vnni (allowed: 1, "
            "2, 3, 4, 6)");
  EXPECT_EQ(sched::checkSchedule(space, {{"unroll", "4"}}),
            "unroll is not a knob of ternary_matmul on x86-avx512-vnni (its knobs: layout, "
            "tile_m, tile_n, gemv_tile_n, prefetch)");
  EXPECT_EQ(sched::checkSchedule(space, {{"layout", "i2x3"}}),
            "layout = \"i2x3\" is not in the space of ternary_matmul on x86-avx512-vnni "
            "(allowed: \"i2x1\", \"i2x2\", \"i2x4\", \"i2x8\", \"i2lane\", \"tl1\", \"tl2\")");
  EXPECT_EQ(sched::checkSchedule(space, {{"unroll", "0"}, {"tile_n", "4"}}), "");
  ASSERT_TRUE(sched::spaceFor("sm_90", sched::Kind::kTernaryMatmul, {kN, kK}, &space, &err));
  EXPECT_EQ(sched::checkSchedule(space, {{"mma", "wgmma"}}),
            "mma = \"wgmma\" is not in the space of ternary_matmul on sm_90 (allowed: \"dp4a\", "
            "\"mma_sync\")");
  EXPECT_FALSE(sched::spaceFor("sm_75", sched::Kind::kTernaryMatmul, {kN, kK}, &space, &err));
  EXPECT_NE(err.find("unknown target 'sm_75'"), std::string::npos) << err;
}

} // namespace
