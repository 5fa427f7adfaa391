//===- DotProduct.cpp - the generic dot product and the factory -----------===//
#include "codegen/cpu/DotProduct.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu {

Value DotProduct::reduce(OpBuilder &b, Location loc, Value acc) const {
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, acc);
}

VectorType DotProduct::byteType(MLIRContext *ctx) const {
  return VectorType::get({bytes_}, IntegerType::get(ctx, 8));
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
