//===- AArch64Dot.cpp - int8 dot products on AArch64 (NEON dotprod) -------===//
//
// codes (0..2, fit in s8) x acts (s8) with `sdot`: each i32 lane gets the sum
// of 4 adjacent byte products. Wider steps use several 16-byte sdots into
// one accumulator.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/DotProduct.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu::aarch64 {
namespace {

class SdotDot : public DotProduct {
public:
  explicit SdotDot(int bytes) : DotProduct(bytes) {}
  VectorType accType(MLIRContext *ctx) const override {
    return VectorType::get({4}, IntegerType::get(ctx, 32));
  }
  Value dot(OpBuilder &b, Location loc, Value acc, Value codes,
            Value acts) const override {
    for (int i = 0; i < bytes_ / 16; ++i) {
      auto slice = [&](Value v) -> Value {
        if (bytes_ == 16)
          return v;
        return vector::ExtractStridedSliceOp::create(
            b, loc, v, ArrayRef<int64_t>{i * 16}, ArrayRef<int64_t>{16},
            ArrayRef<int64_t>{1});
      };
      acc = LLVM::CallIntrinsicOp::create(
                b, loc, acc.getType(),
                b.getStringAttr("llvm.aarch64.neon.sdot.v4i32.v16i8"),
                ValueRange{acc, slice(codes), slice(acts)})
                .getResult(0);
    }
    return acc;
  }
};

} // namespace

std::unique_ptr<DotProduct> createSdotDot(int bytes) {
  return std::make_unique<SdotDot>(bytes);
}

} // namespace tern::cpu::aarch64
