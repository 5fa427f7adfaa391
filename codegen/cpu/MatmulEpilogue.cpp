//===- MatmulEpilogue.cpp - the store of a ternary matmul output ----------===//
#include "codegen/cpu/MatmulEpilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

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
