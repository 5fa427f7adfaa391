//===- TableLookup.cpp - the generic table lookup and the dispatch --------===//
#include "codegen/cpu/TableLookup.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu {

// r = select(idx == e, table[lane*16 + e] in every byte of the lane, r) for
// e = 0..15: 16 compares, shuffles and selects.
Value lookup16Generic(OpBuilder &b, Location loc, Value table, Value idx) {
  auto t = cast<VectorType>(table.getType());
  int64_t v = t.getShape()[0];
  Value r = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(t, b.getI8IntegerAttr(0).getValue()));
  for (int64_t e = 0; e < 16; ++e) {
    SmallVector<int64_t> mask;
    for (int64_t i = 0; i < v; ++i)
      mask.push_back((i / 16) * 16 + e);
    Value entry = vector::ShuffleOp::create(b, loc, table, table, mask);
    Value is = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, idx,
        arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(t, b.getI8IntegerAttr(e).getValue())));
    r = arith::SelectOp::create(b, loc, is, entry, r);
  }
  return r;
}

Value lookup16(DotIsa isa, OpBuilder &b, Location loc, Value table, Value idx) {
  switch (isa) {
  case DotIsa::Avx2:
    return x86::lookup16(b, loc, table, idx, /*zmm=*/false);
  case DotIsa::Avx512Vnni:
    return x86::lookup16(b, loc, table, idx, /*zmm=*/true);
  case DotIsa::NeonDot:
  case DotIsa::NeonI8mm:
    return aarch64::lookup16(b, loc, table, idx);
  case DotIsa::Generic:
    break;
  }
  return lookup16Generic(b, loc, table, idx);
}

} // namespace tern::cpu
