//===- TernFuseNormQuantize.cpp - rms_norm + quantize -> norm_quantize ----===//
//
// --tern-fuse-norm-quantize: folds the RMSNorm that feeds an activation
// quantization (and, for the FFN, the relu2(gate) * up or silu(gate) * up
// product that feeds the norm, or the quantization directly where a model
// has no sub-norm) into one tern.norm_quantize kernel op; a quantization
// nothing fuses with becomes one alone, so every quantize is a kernel.
//
//===----------------------------------------------------------------------===//
#include "dialect/TernOps.h"
#include "passes/Passes.h"
#include "passes/RewriteOnly.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNFUSENORMQUANTIZE
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {

/// mul(act(g), u) (either operand order) where act is a single-use relu2
/// or silu.
struct GatedProduct {
  Value gate, up;
  Activation act = Activation::relu2;
  Operation *activation = nullptr;
};
static std::optional<GatedProduct> matchGatedProduct(MulOp mul) {
  for (int side = 0; side < 2; ++side) {
    Value a = side ? mul.getRhs() : mul.getLhs();
    Operation *def = a.getDefiningOp();
    if (!def || !def->hasOneUse())
      continue;
    GatedProduct g;
    g.up = side ? mul.getLhs() : mul.getRhs();
    g.activation = def;
    if (auto r = dyn_cast<Relu2Op>(def)) {
      g.gate = r.getInput();
    } else if (auto si = dyn_cast<SiluOp>(def)) {
      g.gate = si.getInput();
      g.act = Activation::silu;
    } else {
      continue;
    }
    return g;
  }
  return std::nullopt;
}

// quantize(rms_norm(mul(act(g), u), w))  ==>  norm_quantize g gated_by u, w
// quantize(mul(act(g), u))               ==>  norm_quantize g gated_by u
//                                               (both {activation = act})
// (act relu2 or silu, either mul order; the second form is the models
// without an ffn_sub_norm), when the activation, the mul and the rms_norm
// each have this single use. Tried first (highest benefit).
struct FuseGatedNormQuantize : OpRewritePattern<QuantizeOp> {
  FuseGatedNormQuantize(MLIRContext *ctx)
      : OpRewritePattern<QuantizeOp>(ctx, /*benefit=*/3) {}

  LogicalResult matchAndRewrite(QuantizeOp quant,
                                PatternRewriter &rewriter) const override {
    Value product = quant.getInput();
    auto norm = product.getDefiningOp<RmsNormOp>();
    if (norm) {
      if (!norm->hasOneUse())
        return rewriter.notifyMatchFailure(quant, "the rms_norm has other uses");
      product = norm.getInput();
    }
    auto mul = product.getDefiningOp<MulOp>();
    if (!mul || !mul->hasOneUse())
      return rewriter.notifyMatchFailure(quant, "no single-use mul to fuse");
    std::optional<GatedProduct> g = matchGatedProduct(mul);
    if (!g)
      return rewriter.notifyMatchFailure(quant, "no single-use relu2 or silu factor");
    auto fused = NormQuantizeOp::create(
        rewriter, quant.getLoc(), quant.getOutput().getType(),
        quant.getScale().getType(), g->gate, g->up, norm ? norm.getWeight() : Value(), g->act,
        norm ? norm.getEpsilon() : rewriter.getF32FloatAttr(1e-5f).getValue(),
        /*schedule=*/ScheduleAttr());
    rewriter.replaceOp(quant, fused.getResults());
    if (norm)
      rewriter.eraseOp(norm);
    rewriter.eraseOp(mul);
    rewriter.eraseOp(g->activation);
    return success();
  }
};

// quantize(rms_norm(x, w))  ==>  norm_quantize x, w
// when the rms_norm has this single use.
struct FuseNormQuantize : OpRewritePattern<QuantizeOp> {
  FuseNormQuantize(MLIRContext *ctx)
      : OpRewritePattern<QuantizeOp>(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(QuantizeOp quant,
                                PatternRewriter &rewriter) const override {
    auto norm = quant.getInput().getDefiningOp<RmsNormOp>();
    if (!norm || !norm->hasOneUse())
      return rewriter.notifyMatchFailure(quant,
                                         "input is not a single-use rms_norm");
    auto fused = NormQuantizeOp::create(
        rewriter, quant.getLoc(), quant.getOutput().getType(),
        quant.getScale().getType(), norm.getInput(), /*up=*/Value(),
        norm.getWeight(), Activation::relu2, norm.getEpsilon(),
        /*schedule=*/ScheduleAttr());
    rewriter.replaceOp(quant, fused.getResults());
    rewriter.eraseOp(norm);
    return success();
  }
};

// quantize(x)  ==>  norm_quantize x   (no norm, no gate: the attention
// output of a model without attn_sub_norm). Tried last, so it takes only
// what no fusion above could.
struct QuantizeAlone : OpRewritePattern<QuantizeOp> {
  QuantizeAlone(MLIRContext *ctx) : OpRewritePattern<QuantizeOp>(ctx, /*benefit=*/1) {}

  LogicalResult matchAndRewrite(QuantizeOp quant,
                                PatternRewriter &rewriter) const override {
    auto fused = NormQuantizeOp::create(
        rewriter, quant.getLoc(), quant.getOutput().getType(),
        quant.getScale().getType(), quant.getInput(), /*up=*/Value(),
        /*weight=*/Value(), Activation::relu2,
        rewriter.getF32FloatAttr(1e-5f).getValue(), /*schedule=*/ScheduleAttr());
    rewriter.replaceOp(quant, fused.getResults());
    return success();
  }
};

struct TernFuseNormQuantizePass
    : mlir::tern::impl::TernFuseNormQuantizeBase<TernFuseNormQuantizePass> {
  using TernFuseNormQuantizeBase::TernFuseNormQuantizeBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseGatedNormQuantize, FuseNormQuantize, QuantizeAlone>(&getContext());
    if (failed(rewriteOnly<QuantizeOp>(getOperation(), std::move(patterns),
                              getArgument())))
      return signalPassFailure();
  }
};

} // namespace
