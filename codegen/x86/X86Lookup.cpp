//===- X86Lookup.cpp - 16-entry table lookups on x86 (pshufb) -------------===//
//
// vpshufb looks each byte's low 4 bits up in its own 128-bit lane (a set high
// bit gives 0; tern's indices are 0..15). AVX-512BW does 64 bytes at once,
// AVX2 32, SSSE3 16; wider vectors are cut into pieces.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/TableLookup.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu::x86 {

Value lookup16(OpBuilder &b, Location loc, Value table, Value idx, bool zmm) {
  auto t = cast<VectorType>(table.getType());
  int64_t v = t.getShape()[0];
  int64_t w = zmm ? std::min<int64_t>(v, 64) : std::min<int64_t>(v, 32);
  auto name = [](int64_t bytes) {
    return bytes == 64   ? "llvm.x86.avx512.pshuf.b.512"
           : bytes == 32 ? "llvm.x86.avx2.pshuf.b"
                         : "llvm.x86.ssse3.pshuf.b.128";
  };
  auto piece = VectorType::get({w}, b.getI8Type());
  if (w == v)
    return LLVM::CallIntrinsicOp::create(b, loc, t, b.getStringAttr(name(w)),
                                         ValueRange{table, idx})
        .getResult(0);
  Value r = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(t, b.getI8IntegerAttr(0).getValue()));
  for (int64_t o = 0; o < v; o += w) {
    auto slice = [&](Value x) -> Value {
      return vector::ExtractStridedSliceOp::create(
          b, loc, x, ArrayRef<int64_t>{o}, ArrayRef<int64_t>{w},
          ArrayRef<int64_t>{1});
    };
    Value p = LLVM::CallIntrinsicOp::create(b, loc, piece,
                                            b.getStringAttr(name(w)),
                                            ValueRange{slice(table), slice(idx)})
                  .getResult(0);
    r = vector::InsertStridedSliceOp::create(b, loc, p, r, ArrayRef<int64_t>{o},
                                             ArrayRef<int64_t>{1});
  }
  return r;
}

} // namespace tern::cpu::x86
