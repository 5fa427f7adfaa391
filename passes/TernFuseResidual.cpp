//===- TernFuseResidual.cpp - add(h, ternary_matmul) -> residual ----------===//
//
// --tern-fuse-residual: folds a residual connection into the ternary_matmul
// that produces the added value, as its `residual` epilogue.
//
//===----------------------------------------------------------------------===//
#include "dialect/TernOps.h"
#include "passes/Passes.h"
#include "passes/RewriteOnly.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNFUSERESIDUAL
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {

/// The ternary_matmul defining `m` when it can take a residual: `m` is its
/// single result, it has none yet, and the add is m's only use.
TernaryMatmulOp fusableMatmul(Value m) {
  auto matmul = m.getDefiningOp<TernaryMatmulOp>();
  if (!matmul || matmul->getNumResults() != 1 || matmul.getResidual() ||
      !m.hasOneUse())
    return {};
  return matmul;
}

// add(h, m) or add(m, h), m = ternary_matmul x, s, [w], [ws] (no residual,
// m used only here)  ==>  ternary_matmul x, s, [w], [ws] residual h
// (= h + y) at the add's place, where h and every matmul operand dominate.
// When both operands qualify, the rhs (m in h + m) is fused.
struct FuseResidualAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern<AddOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    Value h = add.getLhs();
    TernaryMatmulOp matmul = fusableMatmul(add.getRhs());
    if (!matmul) {
      h = add.getRhs();
      matmul = fusableMatmul(add.getLhs());
    }
    if (!matmul)
      return rewriter.notifyMatchFailure(
          add, "no operand is the single-use result of a ternary_matmul "
               "without residual");
    auto fused = TernaryMatmulOp::create(
        rewriter, rewriter.getFusedLoc({matmul.getLoc(), add.getLoc()}),
        add.getResult().getType(), matmul.getInput(), matmul.getInputScale(),
        matmul.getWeights(), matmul.getWeightScales(), h,
        matmul.getScaleModeAttr(), matmul.getScheduleAttr(),
        matmul.getPartsAttr());
    // Keep any discardable attributes the matmul carried.
    for (NamedAttribute attr : matmul->getDiscardableAttrs())
      fused->setDiscardableAttr(attr.getName(), attr.getValue());
    rewriter.replaceOp(add, fused.getResults());
    rewriter.eraseOp(matmul);
    return success();
  }
};

struct TernFuseResidualPass
    : mlir::tern::impl::TernFuseResidualBase<TernFuseResidualPass> {
  using TernFuseResidualBase::TernFuseResidualBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseResidualAdd>(&getContext());
    if (failed(rewriteOnly<AddOp>(getOperation(), std::move(patterns),
                              getArgument())))
      return signalPassFailure();
  }
};

} // namespace
