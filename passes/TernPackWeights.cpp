//===- TernPackWeights.cpp - one packed weight per ternary_matmul ---------===//
//
// --tern-pack-weights: gives each tern.ternary_matmul a single packed weight
// matrix (its weights' rows one after another, #tern.layout<bits = 2,
// pack_dim = 1, block = B, interleave = R, chunk = B>, or the lookup-table
// layout with lut = g) declared as a new tern.global whose `sources` name the
// original globals; codegen builds the packed bytes from them. The layout is
// the op's #tern.schedule `layout` knob when it has one (so that a tuner
// chooses it per weight shape), else the pass's options.
//
//===----------------------------------------------------------------------===//
#include "dialect/TernOps.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNPACKWEIGHTS
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {

/// Packed weights start on this boundary in the packed file.
constexpr int64_t kAlignment = 64;

/// Logical [N, K] of a weight type (!tern.ternary or tensor<NxKxi8>).
std::pair<int64_t, int64_t> weightShape(Type t) {
  if (auto tt = dyn_cast<TernaryType>(t))
    return {tt.getRows(), tt.getCols()};
  auto shape = cast<RankedTensorType>(t).getShape();
  return {shape[0], shape[1]};
}

struct TernPackWeightsPass
    : mlir::tern::impl::TernPackWeightsBase<TernPackWeightsPass> {
  using TernPackWeightsBase::TernPackWeightsBase;

  void runOnOperation() override;

private:
  /// The layout of `op`'s packed K-wide matrix: the `layout` knob of its
  /// #tern.schedule when it has one (tern-attach-schedule put it there: a
  /// target default, a tuning record or a schedule file), else the pass's
  /// options; null after reporting on `op` why it cannot be built.
  LayoutAttr chooseLayout(TernaryMatmulOp op, StringRef weight, int64_t k);
  /// Rewrites one op; false after an error was reported on it.
  bool pack(TernaryMatmulOp op);
  /// `base`, or `base_1`, `base_2`, ... whichever is free.
  std::string uniqueName(StringRef base);

  ModuleOp module;
  SymbolTable *symbols = nullptr; ///< the module's, during runOnOperation
  /// Next free offset in the packed file.
  int64_t offset = 0;
  /// The packed global created for a list of source symbols (joined by a
  /// newline), so that ops with the same weights share it.
  llvm::StringMap<GlobalOp> created;
  /// Originals that lost a use; erased at the end if they have none left.
  llvm::SetVector<Operation *> sources;
};

LayoutAttr TernPackWeightsPass::chooseLayout(TernaryMatmulOp op, StringRef weight,
                                            int64_t k) {
  std::string name = lut == 2   ? "tl1"
                     : lut == 3 ? "tl2"
                                : "i2x" + std::to_string(int64_t(interleave));
  if (ScheduleAttr s = op.getScheduleAttr(); s && !s.getLayout().empty())
    name = s.getLayout().str();
  ::tern::ref::TernaryLayout l;
  std::string why;
  if (!::tern::ref::layoutFromName(name, k, vectorBytes, block, &l, &why)) {
    op.emitError() << "tern-pack-weights: weight @" << weight
                   << (name[0] == 't' ? ": " : " has ") << why;
    return LayoutAttr();
  }
  return LayoutAttr::get(&getContext(), l.bits, l.pack_dim, l.block, l.interleave,
                         l.chunk, l.lut);
}

std::string TernPackWeightsPass::uniqueName(StringRef base) {
  std::string name = base.str();
  for (int i = 1; symbols->lookup(name); ++i)
    name = (base + "_" + Twine(i)).str();
  return name;
}

// ternary_matmul x, s, [get_global @w_0, ..., get_global @w_n], [ws...]
//   ==>  ternary_matmul x, s, [get_global @"w_0.packed"], [ws...]
//          {parts = array<i64: N_0, ..., N_n>}
// with  tern.global @"w_0.packed" : !tern.ternary<(sum N_i)xK,
//         #tern.layout<bits = 2, pack_dim = 1, block = B>>
//         from "<packed-file>" offset <running> {sources = [@w_0, ..., @w_n]}
bool TernPackWeightsPass::pack(TernaryMatmulOp op) {
  MLIRContext *ctx = &getContext();
  SmallVector<GetGlobalOp> gets;
  SmallVector<GlobalOp> globals;
  for (Value w : op.getWeights()) {
    auto get = w.getDefiningOp<GetGlobalOp>();
    GlobalOp global =
        get ? symbols->lookup<GlobalOp>(get.getName()) : GlobalOp();
    if (!global)
      return true; // not all weights are globals: left alone
    gets.push_back(get);
    globals.push_back(global);
  }

  SmallVector<int64_t> parts;
  int64_t total = 0, k = weightShape(globals[0].getType()).second;
  std::string key;
  for (GlobalOp g : globals) {
    auto [n, kk] = weightShape(g.getType());
    if (kk != k) {
      op.emitError() << "tern-pack-weights: weights @"
                     << globals[0].getSymName() << " (K = " << k << ") and @"
                     << g.getSymName() << " (K = " << kk
                     << ") cannot be packed into one matrix";
      return false;
    }
    parts.push_back(n);
    total += n;
    key += g.getSymName().str() + "\n";
  }

  LayoutAttr layout = chooseLayout(op, globals[0].getSymName(), k);
  if (!layout)
    return false;
  // Ops with the same weights share one packed global, per layout.
  key += ::tern::ref::layoutName(layout.toRuntime());
  GlobalOp packed = created.lookup(key);
  if (!packed) {
    std::string why;
    if (!layout.fits(total, k, why)) {
      op.emitError() << "tern-pack-weights: cannot pack " << total << "x" << k
                     << " weights: " << why;
      return false;
    }
    auto type = TernaryType::get(ctx, {total, k}, layout);
    SmallVector<Attribute> refs;
    for (GlobalOp g : globals)
      refs.push_back(FlatSymbolRefAttr::get(g.getSymNameAttr()));
    OpBuilder builder(globals[0]);
    packed = GlobalOp::create(
        builder, globals[0].getLoc(),
        uniqueName((globals[0].getSymName() + ".packed").str()), type,
        packedFile, offset, /*encoding=*/StringAttr());
    packed->setAttr("sources", ArrayAttr::get(ctx, refs));
    symbols->insert(packed);
    offset = llvm::alignTo(offset + packed.getByteSize(), kAlignment);
    created[key] = packed;
  }

  OpBuilder builder(op);
  auto get = GetGlobalOp::create(builder, gets[0].getLoc(), packed.getType(),
                                 packed.getSymName());
  auto replacement = TernaryMatmulOp::create(
      builder, op.getLoc(), op.getResultTypes(), op.getInput(),
      op.getInputScale(), ValueRange{get.getResult()}, op.getWeightScales(),
      op.getResidual(), op.getScaleModeAttr(), op.getScheduleAttr(),
      DenseI64ArrayAttr::get(ctx, parts));
  for (NamedAttribute attr : op->getDiscardableAttrs())
    replacement->setDiscardableAttr(attr.getName(), attr.getValue());
  op.replaceAllUsesWith(replacement.getResults());
  op.erase();
  llvm::SetVector<Operation *> oldGets(gets.begin(), gets.end());
  for (Operation *g : oldGets)
    if (g->use_empty())
      g->erase();
  for (GlobalOp g : globals)
    sources.insert(g);
  return true;
}

void TernPackWeightsPass::runOnOperation() {
  module = getOperation();
  if (lut != 0 && lut != 2 && lut != 3) {
    module.emitError() << "tern-pack-weights: lut must be 0 (2-bit codes), 2 "
                          "or 3 (weights per table index), got "
                       << int64_t(lut);
    return signalPassFailure();
  }
  if (interleave < 1) {
    module.emitError() << "tern-pack-weights: interleave must be >= 1, got "
                       << int64_t(interleave);
    return signalPassFailure();
  }
  if (lut != 0 && interleave != 1) {
    module.emitError() << "tern-pack-weights: lut = " << int64_t(lut)
                       << " cannot be combined with interleave = "
                       << int64_t(interleave)
                       << " (the lookup-table layout has its own row blocks)";
    return signalPassFailure();
  }
  if (block < 0 || (block == 0 && vectorBytes < 16) || packedFile.empty()) {
    module.emitError() << "tern-pack-weights: invalid options: block = "
                       << int64_t(block) << " (must be >= 0), vector-bytes = "
                       << int64_t(vectorBytes)
                       << " (must be >= 16), packed-file = \"" << packedFile
                       << "\" (must not be empty)";
    return signalPassFailure();
  }
  SymbolTable table(module);
  symbols = &table;
  created.clear();
  sources.clear();

  // Start after whatever the packed file already holds (a second run, or
  // globals declared there by hand).
  offset = 0;
  for (GlobalOp g : module.getOps<GlobalOp>())
    if (g.getFile() == packedFile)
      offset = std::max<int64_t>(offset, g.getOffset() + g.getByteSize());
  offset = llvm::alignTo(offset, kAlignment);

  SmallVector<TernaryMatmulOp> ops;
  module.walk([&](TernaryMatmulOp op) {
    if (!op.getPartsAttr())
      ops.push_back(op);
  });
  bool ok = true;
  for (TernaryMatmulOp op : ops)
    ok &= pack(op);

  // Erase the originals nothing refers to any more. The `sources` of packed
  // globals name them but are not uses. (Unknown uses: keep them all.)
  if (auto uses = SymbolTable::getSymbolUses(&module.getBodyRegion())) {
    llvm::StringSet<> used;
    for (const SymbolTable::SymbolUse &use : *uses)
      if (!isa<GlobalOp>(use.getUser()))
        used.insert(use.getSymbolRef().getRootReference().getValue());
    for (Operation *op : sources) {
      auto g = cast<GlobalOp>(op);
      if (!used.contains(g.getSymName()))
        symbols->erase(g);
    }
  }
  symbols = nullptr;
  sources.clear();
  created.clear();
  if (!ok)
    signalPassFailure();
}

} // namespace
