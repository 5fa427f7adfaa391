//===- DotProduct.cpp - the generic dot product and the factory -----------===//
#include "codegen/cpu/DotProduct.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu {

Value DotProduct::reduce(OpBuilder &b, Location loc, Value acc) const {
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, acc);
}

VectorType DotProduct::byteType(MLIRContext *ctx) const {
  return VectorType::get({bytes_}, IntegerType::get(ctx, 8));
}

Value DotProduct::byteSplat(OpBuilder &b, Location loc, int64_t v) const {
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(byteType(b.getContext()), b.getI8IntegerAttr(v).getValue()));
}

Value DotProduct::zeroAcc(OpBuilder &b, Location loc) const {
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(accType(b.getContext()), b.getI32IntegerAttr(0).getValue()));
}

Value DotProduct::unpackSubSlot(OpBuilder &b, Location loc, Value bytes, int64_t s,
                                bool gfni) const {
  if (gfni && gfniWidth()) {
    // Bit i of each output byte is the parity of (matrix byte 7 - i) & x,
    // the matrix one qword per 8 bytes: byte 7 = bit 2s, byte 6 = bit 2s+1.
    SmallVector<int8_t> m(bytes_, 0);
    for (int q = 0; q < bytes_; q += 8) {
      m[q + 7] = int8_t(1 << (2 * s));
      m[q + 6] = int8_t(1 << (2 * s + 1));
    }
    VectorType t = byteType(b.getContext());
    Value matrix = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(t, ArrayRef<int8_t>(m)));
    Value imm = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
    std::string name = "llvm.x86.vgf2p8affineqb." + std::to_string(bytes_ * 8);
    return LLVM::CallIntrinsicOp::create(b, loc, t, b.getStringAttr(name),
                                         ValueRange{bytes, matrix, imm})
        .getResult(0);
  }
  Value c = bytes;
  if (s > 0)
    c = arith::ShRUIOp::create(b, loc, c, byteSplat(b, loc, 2 * s));
  return arith::AndIOp::create(b, loc, c, byteSplat(b, loc, 3));
}

namespace {
// acc (vector<B/4 x i32>) += the B products, summed in groups of 4 adjacent
// bytes: the same grouping vpdpbusd/sdot use, written as plain vector ops.
class GenericDot : public DotProduct {
public:
  explicit GenericDot(int bytes) : DotProduct(bytes) {}
  VectorType accType(MLIRContext *ctx) const override {
    return VectorType::get({bytes_ / 4}, IntegerType::get(ctx, 32));
  }
  Value dot(OpBuilder &b, Location loc, Value acc, Value codes,
            Value acts) const override {
    auto wide = VectorType::get({bytes_}, b.getI32Type());
    Value c = arith::ExtUIOp::create(b, loc, wide, codes);
    Value a = arith::ExtSIOp::create(b, loc, wide, acts);
    Value p = arith::MulIOp::create(b, loc, c, a);
    auto grouped = VectorType::get({bytes_ / 4, 4}, b.getI32Type());
    Value g = vector::ShapeCastOp::create(b, loc, grouped, p);
    return vector::MultiDimReductionOp::create(
        b, loc, g, acc, ArrayRef<bool>{false, true}, vector::CombiningKind::ADD);
  }
};
} // namespace

std::unique_ptr<DotProduct> createGenericDot(int bytes) {
  return std::make_unique<GenericDot>(bytes);
}

std::unique_ptr<DotProduct> createDotProduct(DotIsa isa, int bytes) {
  switch (isa) {
  case DotIsa::Avx2:
    return x86::createAvx2Dot(bytes);
  case DotIsa::Avx512Vnni:
    return x86::createVnniDot(bytes);
  case DotIsa::NeonDot:
  case DotIsa::NeonI8mm:
    return aarch64::createSdotDot(bytes);
  case DotIsa::Generic:
    break;
  }
  return createGenericDot(bytes);
}

} // namespace tern::cpu
