//===- AArch64Lookup.cpp - 16-entry table lookups on AArch64 (tbl) --------===//
//
// `tbl` with one 16-byte table register: r[i] = table[idx[i]] (0 for idx >=
// 16). Each 16-byte lane of a wider vector is looked up in its own table.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/TableLookup.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu::aarch64 {

Value lookup16(OpBuilder &b, Location loc, Value table, Value idx) {
  auto t = cast<VectorType>(table.getType());
  int64_t v = t.getShape()[0];
  auto q = VectorType::get({16}, b.getI8Type());
  auto tbl = [&](Value tt, Value ii) -> Value {
    return LLVM::CallIntrinsicOp::create(
               b, loc, q, b.getStringAttr("llvm.aarch64.neon.tbl1.v16i8"),
               ValueRange{tt, ii})
        .getResult(0);
  };
  if (v == 16)
    return tbl(table, idx);
  Value r = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(t, b.getI8IntegerAttr(0).getValue()));
  for (int64_t o = 0; o < v; o += 16) {
    auto slice = [&](Value x) -> Value {
      return vector::ExtractStridedSliceOp::create(
          b, loc, x, ArrayRef<int64_t>{o}, ArrayRef<int64_t>{16},
          ArrayRef<int64_t>{1});
    };
    r = vector::InsertStridedSliceOp::create(b, loc, tbl(slice(table), slice(idx)),
                                             r, ArrayRef<int64_t>{o},
                                             ArrayRef<int64_t>{1});
  }
  return r;
}

} // namespace tern::cpu::aarch64
