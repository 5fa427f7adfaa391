//===- RewriteOnly.h - apply patterns to one kind of op only ----*- C++ -*-===//
#ifndef TERN_PASSES_REWRITEONLY_H
#define TERN_PASSES_REWRITEONLY_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tern {

/// Applies `patterns` rooted at the existing `OpTy` ops under `root` and
/// nowhere else: no folding, no constant hoisting or CSE, so a fusion pass
/// changes only what its patterns match. On failure emits
/// "<pass>: rewrites did not converge".
template <typename OpTy>
LogicalResult rewriteOnly(Operation *root, RewritePatternSet &&patterns,
                          StringRef pass) {
  SmallVector<Operation *> roots;
  root->walk([&](OpTy op) { roots.push_back(op); });
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingOps)
      .enableFolding(false)
      .enableConstantCSE(false);
  if (succeeded(applyOpPatternsGreedily(roots, std::move(patterns), config)))
    return success();
  return root->emitError() << pass << ": rewrites did not converge";
}

} // namespace mlir::tern

#endif
