//===- MatmulEpilogue.cpp - the store of a ternary matmul output ----------===//
#include "codegen/cpu/MatmulEpilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "codegen/cpu/DotProduct.h"
#include "codegen/cpu/VectorUtils.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu {

void forEachPartRange(
    OpBuilder &b, Location loc, const TernaryMatmulParams &p, const KernelArgs &a,
    llvm::function_ref<void(int, int64_t, Value, Value)> body) {
  int64_t base = 0;
  for (size_t part = 0; part < p.parts.size(); ++part) {
    int64_t n = p.parts[part];
    Value lo = arith::MaxSIOp::create(b, loc, a.begin,
                                      arith::ConstantIndexOp::create(b, loc, base));
    Value hi = arith::MinSIOp::create(b, loc, a.end,
                                      arith::ConstantIndexOp::create(b, loc, base + n));
    hi = arith::MaxSIOp::create(b, loc, hi, lo);
    body(int(part), base, lo, hi);
    base += n;
  }
}

void forTokenTiles(OpBuilder &b, Location loc, const TernaryMatmulParams &p,
                   const KernelArgs &a, Value lo, Value hi,
                   llvm::function_ref<void(Value, Value, int64_t, int64_t)> body) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  const int64_t tm = std::max<int64_t>(p.tile_m, 1);
  Value tokens = arith::SubIOp::create(b, loc, a.t1, a.t0);
  Value tFull = arith::AddIOp::create(
      b, loc, a.t0,
      arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, tokens, idx(tm)), idx(tm)));
  if (tm > 1)
    vec::forTiles(b, loc, lo, hi, std::max<int64_t>(p.tile_n, 1),
                  [&](OpBuilder &, Location, Value r, int64_t tn) {
                    vec::forLoop(b, loc, a.t0, tFull, idx(tm), ValueRange{},
                                 [&](OpBuilder &, Location, Value t, ValueRange) {
                                   body(t, r, tm, tn);
                                   return SmallVector<Value>{};
                                 });
                  });
  vec::forTiles(b, loc, lo, hi, p.gemvTileN(), [&](OpBuilder &, Location, Value r, int64_t tn) {
    vec::forEach(b, loc, tm > 1 ? tFull : a.t0, a.t1,
                 [&](OpBuilder &, Location, Value t) { body(t, r, 1, tn); });
  });
}

Value emitActivationSums(OpBuilder &b, Location loc, const TernaryMatmulParams &p,
                         const KernelArgs &a, const DotProduct &dot) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  Value sums = memref::AllocaOp::create(b, loc, MemRefType::get({p.max_batch}, b.getI32Type()));
  const int64_t B = dot.bytes();
  VectorType bytesT = dot.byteType(b.getContext());
  Value ones = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(bytesT, b.getI8IntegerAttr(1).getValue()));
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(dot.accType(b.getContext()),
                                     b.getI32IntegerAttr(0).getValue()));
  auto loop = scf::ForOp::create(b, loc, a.t0, a.t1, idx(1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(loop.getBody());
  Value t = loop.getInductionVar();
  Value rowStart = arith::MulIOp::create(b, loc, t, idx(p.K));
  auto inner = scf::ForOp::create(b, loc, idx(0), idx(p.K), idx(B), ValueRange{zero});
  {
    OpBuilder::InsertionGuard g2(b);
    b.setInsertionPointToStart(inner.getBody());
    Value off = arith::AddIOp::create(b, loc, rowStart, inner.getInductionVar());
    Value v = vector::LoadOp::create(b, loc, bytesT, a.buffers[0], ValueRange{off});
    scf::YieldOp::create(b, loc, dot.dot(b, loc, inner.getRegionIterArgs()[0], ones, v));
  }
  memref::StoreOp::create(b, loc, dot.reduce(b, loc, inner.getResult(0)), sums, ValueRange{t});
  return sums;
}

void storeMatmulOutput(OpBuilder &b, Location loc, const TernaryMatmulParams &p,
                       const KernelArgs &a, int part, int64_t rowBase, Value acc,
                       Value st, Value tok, Value row) {
  Value y = arith::SIToFPOp::create(b, loc, b.getF32Type(), acc);
  Value ws = memref::LoadOp::create(b, loc, a.buffers[3], ValueRange{row});
  if (p.divide) {
    y = arith::DivFOp::create(b, loc, y, arith::MulFOp::create(b, loc, st, ws));
  } else {
    y = arith::DivFOp::create(b, loc, y, st);
    y = arith::MulFOp::create(b, loc, y, ws);
  }
  Value col = arith::SubIOp::create(
      b, loc, row, arith::ConstantIndexOp::create(b, loc, rowBase));
  Value o = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, tok,
                            arith::ConstantIndexOp::create(b, loc, p.parts[part])),
      col);
  if (p.residual) {
    Value res = memref::LoadOp::create(b, loc, a.buffers[4 + p.parts.size()],
                                       ValueRange{o});
    y = arith::AddFOp::create(b, loc, res, y);
  }
  memref::StoreOp::create(b, loc, y, a.buffers[4 + part], ValueRange{o});
}

} // namespace tern::cpu
