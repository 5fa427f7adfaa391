//===- TernFuseNormQuantize.cpp - rms_norm + quantize -> norm_quantize ----===//
//
// --tern-fuse-norm-quantize: folds the RMSNorm that feeds an activation
// quantization (and, for the FFN, the relu2(gate) * up product that feeds
// the norm) into one tern.norm_quantize kernel op.
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

// quantize(rms_norm(mul(relu2(g), u), w))  ==>  norm_quantize g gated_by u, w
// (also mul(u, relu2(g))), when the relu2, the mul and the rms_norm each have
// this single use. Tried before FuseNormQuantize (higher benefit).
struct FuseGatedNormQuantize : OpRewritePattern<QuantizeOp> {
  FuseGatedNormQuantize(MLIRContext *ctx)
      : OpRewritePattern<QuantizeOp>(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(QuantizeOp quant,
                                PatternRewriter &rewriter) const override {
    auto norm = quant.getInput().getDefiningOp<RmsNormOp>();
    if (!norm || !norm->hasOneUse())
      return rewriter.notifyMatchFailure(quant,
                                         "input is not a single-use rms_norm");
    auto mul = norm.getInput().getDefiningOp<MulOp>();
    if (!mul || !mul->hasOneUse())
      return rewriter.notifyMatchFailure(quant,
                                         "norm input is not a single-use mul");
    Value up = mul.getRhs();
    auto relu = mul.getLhs().getDefiningOp<Relu2Op>();
    if (!relu) {
      up = mul.getLhs();
      relu = mul.getRhs().getDefiningOp<Relu2Op>();
    }
    if (!relu || !relu->hasOneUse())
      return rewriter.notifyMatchFailure(quant, "no single-use relu2 factor");
    auto fused = NormQuantizeOp::create(
        rewriter, quant.getLoc(), quant.getOutput().getType(),
        quant.getScale().getType(), relu.getInput(), up, norm.getWeight(),
        norm.getEpsilonAttr(), /*schedule=*/ScheduleAttr());
    rewriter.replaceOp(quant, fused.getResults());
    rewriter.eraseOp(norm);
    rewriter.eraseOp(mul);
    rewriter.eraseOp(relu);
    return success();
  }
};

// quantize(rms_norm(x, w))  ==>  norm_quantize x, w
// when the rms_norm has this single use.
struct FuseNormQuantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern<QuantizeOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp quant,
                                PatternRewriter &rewriter) const override {
    auto norm = quant.getInput().getDefiningOp<RmsNormOp>();
    if (!norm || !norm->hasOneUse())
      return rewriter.notifyMatchFailure(quant,
                                         "input is not a single-use rms_norm");
    auto fused = NormQuantizeOp::create(
        rewriter, quant.getLoc(), quant.getOutput().getType(),
        quant.getScale().getType(), norm.getInput(), /*up=*/Value(),
        norm.getWeight(), norm.getEpsilonAttr(), /*schedule=*/ScheduleAttr());
    rewriter.replaceOp(quant, fused.getResults());
    rewriter.eraseOp(norm);
    return success();
  }
};

struct TernFuseNormQuantizePass
    : mlir::tern::impl::TernFuseNormQuantizeBase<TernFuseNormQuantizePass> {
  using TernFuseNormQuantizeBase::TernFuseNormQuantizeBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseGatedNormQuantize, FuseNormQuantize>(&getContext());
    if (failed(rewriteOnly<QuantizeOp>(getOperation(), std::move(patterns),
                              getArgument())))
      return signalPassFailure();
  }
};

} // namespace
