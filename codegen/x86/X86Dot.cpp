//===- X86Dot.cpp - int8 dot products on x86 (AVX2, AVX-512 VNNI) ---------===//
//
// codes (u8, 0..2) x acts (s8) summed in groups of 4 into i32 lanes:
//   AVX2: vpmaddubsw (u8*s8 pairs -> i16, no saturation since |2*128*2| <
//         2^15) then vpmaddwd by ones (i16 pairs -> i32).
//   VNNI: one vpdpbusd.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/DotProduct.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu::x86 {
namespace {

Value intrinsic(OpBuilder &b, Location loc, Type result, StringRef name,
                ValueRange args) {
  return LLVM::CallIntrinsicOp::create(b, loc, result, b.getStringAttr(name),
                                       args)
      .getResult(0);
}

// Splits a vector<Bxi8> into `parts` vector<(B/parts)xi8> slices.
SmallVector<Value> split(OpBuilder &b, Location loc, Value v, int parts) {
  auto t = cast<VectorType>(v.getType());
  int64_t n = t.getShape()[0] / parts;
  SmallVector<Value> out;
  for (int i = 0; i < parts; ++i)
    out.push_back(vector::ExtractStridedSliceOp::create(
        b, loc, v, ArrayRef<int64_t>{i * n}, ArrayRef<int64_t>{n},
        ArrayRef<int64_t>{1}));
  return out;
}

class Avx2Dot : public DotProduct {
public:
  explicit Avx2Dot(int bytes) : DotProduct(bytes) {}
  int lanesBytes() const { return bytes_ >= 32 ? 32 : 16; }
  bool gfniWidth() const override { return bytes_ <= 32; }
  VectorType accType(MLIRContext *ctx) const override {
    return VectorType::get({lanesBytes() / 4}, IntegerType::get(ctx, 32));
  }
  Value dot(OpBuilder &b, Location loc, Value acc, Value codes,
            Value acts) const override {
    int w = lanesBytes();
    bool ymm = w == 32;
    auto i16 = VectorType::get({w / 2}, b.getI16Type());
    auto i32 = VectorType::get({w / 4}, b.getI32Type());
    Value ones = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i16, b.getI16IntegerAttr(1).getValue()));
    SmallVector<Value> cs = split(b, loc, codes, bytes_ / w);
    SmallVector<Value> as = split(b, loc, acts, bytes_ / w);
    for (size_t i = 0; i < cs.size(); ++i) {
      Value p16 = intrinsic(b, loc, i16,
                            ymm ? "llvm.x86.avx2.pmadd.ub.sw"
                                : "llvm.x86.ssse3.pmadd.ub.sw.128",
                            {cs[i], as[i]});
      Value p32 = intrinsic(b, loc, i32,
                            ymm ? "llvm.x86.avx2.pmadd.wd" : "llvm.x86.sse2.pmadd.wd",
                            {p16, ones});
      acc = arith::AddIOp::create(b, loc, acc, p32);
    }
    return acc;
  }
};

class VnniDot : public DotProduct {
public:
  explicit VnniDot(int bytes) : DotProduct(bytes) {}
  bool gfniWidth() const override { return true; }
  VectorType accType(MLIRContext *ctx) const override {
    return VectorType::get({bytes_ / 4}, IntegerType::get(ctx, 32));
  }
  Value dot(OpBuilder &b, Location loc, Value acc, Value codes,
            Value acts) const override {
    std::string name = "llvm.x86.avx512.vpdpbusd." + std::to_string(bytes_ * 8);
    return intrinsic(b, loc, acc.getType(), name, {acc, codes, acts});
  }
};

} // namespace

std::unique_ptr<DotProduct> createAvx2Dot(int bytes) {
  return std::make_unique<Avx2Dot>(bytes);
}
std::unique_ptr<DotProduct> createVnniDot(int bytes) {
  return std::make_unique<VnniDot>(bytes);
}

} // namespace tern::cpu::x86
