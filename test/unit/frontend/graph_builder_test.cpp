//===- graph_builder_test.cpp - BitNet graphs reference their weights -----===//
#include "dialect/TernOps.h"
#include "frontend/GraphBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <map>

using mlir::ModuleOp;
using mlir::MLIRContext;
using mlir::Operation;
namespace ternir = mlir::tern;

namespace {

struct Counts {
  std::map<std::string, int> ops;
  int64_t globalBytes = 0;
};

Counts countOps(ModuleOp m) {
  Counts c;
  m.walk([&](Operation *op) {
    c.ops[op->getName().getStringRef().str()]++;
    if (auto g = mlir::dyn_cast<ternir::GlobalOp>(op))
      c.globalBytes += g.getByteSize();
  });
  return c;
}

/// Builds and verifies the graph of a named preset, weights placed in order.
mlir::OwningOpRef<ModuleOp> buildPreset(MLIRContext &ctx, const char *preset,
                                        tern::ref::ModelConfig &config) {
  bool ok = false;
  config = tern::ref::presetConfig(preset, &ok);
  EXPECT_TRUE(ok) << preset;
  auto m = tern::frontend::buildBitNetGraph(
      ctx, config, tern::frontend::sequentialLocator("model.safetensors"));
  if (m && mlir::failed(mlir::verify(*m)))
    return nullptr;
  return m;
}

TEST(GraphBuilder, TinyModelVerifiesAndRoundTrips) {
  tern::ref::ModelConfig config;
  MLIRContext ctx;
  auto m = buildPreset(ctx, "tiny", config);
  ASSERT_TRUE(m) << "tiny graph failed to build or verify";
  Counts c = countOps(*m);
  EXPECT_EQ(c.ops["tern.bitlinear"], 7 * config.layers);
  EXPECT_EQ(c.ops["tern.attention"], config.layers);
  EXPECT_EQ(c.ops["tern.quantize"], 4 * config.layers);
  EXPECT_EQ(c.ops["tern.rms_norm"], 4 * config.layers + 1);
  EXPECT_EQ(c.ops["tern.matmul"], 1);
  // Tied head: the embedding table is declared once and used twice.
  EXPECT_EQ(c.ops["tern.global"], 1 + 1 + config.layers * (4 + 7 * 2));

  // The printed graph parses back to the same text.
  std::string text;
  llvm::raw_string_ostream os(text);
  m->print(os);
  auto reparsed = mlir::parseSourceString<ModuleOp>(text, &ctx);
  ASSERT_TRUE(reparsed);
  std::string again;
  llvm::raw_string_ostream os2(again);
  reparsed->print(os2);
  EXPECT_EQ(text, again);
}

TEST(GraphBuilder, WeightsAreLocatedInOrderWithoutGaps) {
  bool ok = false;
  auto config = tern::ref::presetConfig("tiny", &ok);
  MLIRContext ctx;
  auto m = tern::frontend::buildBitNetGraph(
      ctx, config, tern::frontend::sequentialLocator("w.bin"));
  ASSERT_TRUE(m);
  int64_t expected = 0;
  for (auto g : m->getOps<ternir::GlobalOp>()) {
    EXPECT_EQ(g.getFile(), "w.bin");
    EXPECT_EQ(static_cast<int64_t>(g.getOffset()), expected) << g.getSymName().str();
    expected += g.getByteSize();
  }
  auto q = m->lookupSymbol<ternir::GlobalOp>("model.layers.1.self_attn.q_proj.weight");
  ASSERT_TRUE(q);
  auto type = mlir::cast<ternir::TernaryType>(q.getType());
  EXPECT_EQ(type.getRows(), config.heads * config.head_dim);
  EXPECT_EQ(type.getCols(), config.hidden);
  // HF checkpoint layout: uint8 [out/4, in], packed along the output dim.
  EXPECT_EQ(type.getLayout().getPackDim(), 0);
  EXPECT_EQ(type.getLayout().getBlock(), type.getRows() / 4);
  EXPECT_EQ(type.getStorageBytes(), type.getRows() * type.getCols() / 4);
}

// A 2-billion-parameter model must cost kilobytes of IR, not its weights.
TEST(GraphBuilder, Full2B4TGraphIsSmall) {
  tern::ref::ModelConfig config;
  MLIRContext ctx;
  auto m = buildPreset(ctx, "2b4t", config);
  ASSERT_TRUE(m) << "2b4t graph failed to build or verify";
  Counts c = countOps(*m);
  EXPECT_EQ(c.ops["tern.bitlinear"], 210);
  // 2560x2560 q/o, 640x2560 k/v, 6912x2560 gate/up, 2560x6912 down per layer:
  const int64_t ternary = 30LL * (2 * 2560 * 2560 + 2 * 640 * 2560 +
                                   3 * 6912 * 2560);
  const int64_t bf16 = 2LL * (128256LL * 2560 + 2560 +
                              30 * (2560 * 3 + 6912 + 7));
  EXPECT_EQ(c.globalBytes, ternary / 4 + bf16);
  std::string text;
  llvm::raw_string_ostream os(text);
  m->print(os);
  EXPECT_LT(text.size(), 2u << 20) << "IR text should reference weights";
}

TEST(GraphBuilder, RejectsInvalidConfig) {
  tern::ref::ModelConfig bad;
  bad.hidden = 64;
  bad.heads = 3;
  bad.kv_heads = 2;  // 3 % 2 != 0
  MLIRContext ctx;
  std::string diag;
  mlir::ScopedDiagnosticHandler h(&ctx, [&](mlir::Diagnostic &d) {
    diag = d.str();
    return mlir::success();
  });
  auto m = tern::frontend::buildBitNetGraph(
      ctx, bad, tern::frontend::sequentialLocator("x"));
  EXPECT_FALSE(m);
  EXPECT_NE(diag.find("invalid model config"), std::string::npos) << diag;
}

} // namespace
