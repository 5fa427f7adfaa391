//===- TernFuseBitlinear.cpp - bitlinear -> ternary_matmul ----------------===//
//
// --tern-fuse-bitlinear: every tern.bitlinear becomes a tern.ternary_matmul;
// the bitlinears that read the same quantized input (q, k, v; gate, up)
// become one ternary_matmul with one result each.
//
//===----------------------------------------------------------------------===//
#include "dialect/TernOps.h"
#include "passes/Passes.h"
#include "passes/RewriteOnly.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNFUSEBITLINEAR
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {

/// Bitlinears that may share one ternary_matmul: same block, same input and
/// input scale, same scale mode, weights of the same K.
bool sameGroupKey(BitLinearOp a, BitLinearOp b) {
  return a->getBlock() == b->getBlock() && a.getInput() == b.getInput() &&
         a.getInputScale() == b.getInputScale() &&
         a.getScaleMode() == b.getScaleMode() &&
         a.getWeightShape().second == b.getWeightShape().second;
}

/// An op that may be moved up past other ops without changing the program:
/// no regions (nothing captured from above), no memory effects, and not a
/// kernel (those stay where the program put them).
bool isMovable(Operation *op) {
  return op->getNumRegions() == 0 && isMemoryEffectFree(op) &&
         !isa<BitLinearOp, TernaryMatmulOp>(op);
}

/// Adds to `toMove` the ops of `head`'s block after `head` that `member`'s
/// weight and weight scale depend on, transitively: what must move above
/// `head` for those operands to dominate it. False when one of them is not
/// movable (or is `head` itself).
bool collectOperandSlice(BitLinearOp member, Operation *head,
                         llvm::SetVector<Operation *> &toMove) {
  SmallVector<Value> work = {member.getWeight(), member.getWeightScale()};
  llvm::SetVector<Operation *> slice;
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    // Block arguments, ops of enclosing blocks and ops before `head` in its
    // block already dominate it.
    if (!def || def->getBlock() != head->getBlock())
      continue;
    if (def == head)
      return false;
    if (!head->isBeforeInBlock(def) || slice.contains(def))
      continue;
    if (!isMovable(def))
      return false;
    slice.insert(def);
    work.append(def->operand_begin(), def->operand_end());
  }
  toMove.insert(slice.begin(), slice.end());
  return true;
}

/// Creates, at the rewriter's insertion point, the ternary_matmul computing
/// `members` (one result each, in order) and replaces them by its results.
void replaceByTernaryMatmul(PatternRewriter &rewriter,
                            ArrayRef<BitLinearOp> members) {
  SmallVector<Type> types;
  SmallVector<Value> weights, scales;
  SmallVector<Location> locs;
  ScheduleAttr schedule;
  for (BitLinearOp b : members) {
    types.push_back(b.getResult().getType());
    weights.push_back(b.getWeight());
    scales.push_back(b.getWeightScale());
    locs.push_back(b.getLoc());
    if (!schedule)
      schedule = b.getScheduleAttr();
  }
  BitLinearOp first = members.front();
  auto matmul = TernaryMatmulOp::create(
      rewriter, rewriter.getFusedLoc(locs), types, first.getInput(),
      first.getInputScale(), weights, scales, /*residual=*/Value(),
      first.getScaleModeAttr(), schedule, /*parts=*/DenseI64ArrayAttr());
  for (auto [i, b] : llvm::enumerate(members))
    rewriter.replaceOp(b, matmul.getResult(i));
}

/// The ternary_matmul verifier wants each result's N static and equal to its
/// weight's.
LogicalResult checkConvertible(BitLinearOp op, PatternRewriter &rewriter) {
  int64_t n = cast<RankedTensorType>(op.getResult().getType()).getShape()[1];
  if (n != op.getWeightShape().first)
    return rewriter.notifyMatchFailure(op, "result N is not static");
  return success();
}

// bitlinear(x, s, w, ws)  ==>  ternary_matmul x, s, [w], [ws]
// in place, keeping scale_mode and schedule (used with concat=false).
struct ConvertBitlinear : OpRewritePattern<BitLinearOp> {
  using OpRewritePattern<BitLinearOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(BitLinearOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(checkConvertible(op, rewriter)))
      return failure();
    rewriter.setInsertionPoint(op);
    replaceByTernaryMatmul(rewriter, {op});
    return success();
  }
};

// b_0 = bitlinear(x, s, w_0, ws_0); ...; b_n = bitlinear(x, s, w_n, ws_n)
//   ==>  b_0, ..., b_n = ternary_matmul x, s, [w_0, ..., w_n],
//                                             [ws_0, ..., ws_n]
// for the bitlinears of one block with the same input, input scale, scale
// mode and K, at b_0's place. The pure ops defining w_i / ws_i between b_0
// and b_i move up to just before b_0. Siblings are split into groups in
// program order: a bitlinear joins the first group whose head its operands
// can be moved above, else it heads a new group. The pattern rewrites the
// group of the op it is applied to (a single bitlinear is a group of one).
struct MergeSiblingBitlinears : OpRewritePattern<BitLinearOp> {
  using OpRewritePattern<BitLinearOp>::OpRewritePattern;

  struct Group {
    SmallVector<BitLinearOp> members;
    llvm::SetVector<Operation *> toMove;
  };

  LogicalResult matchAndRewrite(BitLinearOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(checkConvertible(op, rewriter)))
      return failure();
    llvm::SetVector<Operation *> siblingSet;
    for (Operation *user : op.getInput().getUsers())
      if (auto b = dyn_cast<BitLinearOp>(user))
        if (sameGroupKey(op, b) && succeeded(checkConvertible(b, rewriter)))
          siblingSet.insert(b);
    SmallVector<Operation *> siblings(siblingSet.begin(), siblingSet.end());
    llvm::sort(siblings, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });

    SmallVector<Group> groups;
    Group *mine = nullptr;
    for (Operation *s : siblings) {
      auto b = cast<BitLinearOp>(s);
      Group *joined = nullptr;
      for (Group &g : groups)
        if (collectOperandSlice(b, g.members.front(), g.toMove)) {
          joined = &g;
          break;
        }
      if (!joined) {
        groups.emplace_back();
        joined = &groups.back();
      }
      joined->members.push_back(b);
      if (b == op)
        mine = joined;
    }
    assert(mine && "the op is its own sibling");
    Group g = std::move(*mine);

    // Move what the later members' operands need above the head, keeping
    // the moved ops in their order (so each stays after its operands).
    Operation *head = g.members.front();
    SmallVector<Operation *> toMove(g.toMove.begin(), g.toMove.end());
    llvm::sort(toMove, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    for (Operation *m : toMove)
      rewriter.moveOpBefore(m, head);
    rewriter.setInsertionPoint(head);
    replaceByTernaryMatmul(rewriter, g.members);
    return success();
  }
};

struct TernFuseBitlinearPass
    : mlir::tern::impl::TernFuseBitlinearBase<TernFuseBitlinearPass> {
  using TernFuseBitlinearBase::TernFuseBitlinearBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    if (concat)
      patterns.add<MergeSiblingBitlinears>(&getContext());
    else
      patterns.add<ConvertBitlinear>(&getContext());
    if (failed(rewriteOnly<BitLinearOp>(getOperation(), std::move(patterns),
                              getArgument())))
      return signalPassFailure();
    bool failedAny = false;
    getOperation().walk([&](BitLinearOp op) {
      op.emitError() << "tern-fuse-bitlinear: cannot become a "
                        "tern.ternary_matmul: the result's N must be static ("
                     << op.getWeightShape().first << "), got "
                     << op.getResult().getType();
      failedAny = true;
    });
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
