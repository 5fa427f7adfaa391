//===- DotProduct.h - the int8 dot-product idiom of a target ---*- C++ -*-===//
//
// The innermost step of every ternary kernel: multiply B unsigned 2-bit codes
// (c = w + 1, in 0..2, one per byte) by B signed int8 activations and add the
// products into an int32 accumulator vector. Each target family implements it
// with its own instructions (codegen/x86/, codegen/aarch64/); the loop nests
// around it are shared (codegen/cpu/TernaryMatmulKernel.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_CPU_DOTPRODUCT_H
#define TERN_CODEGEN_CPU_DOTPRODUCT_H

#include "codegen/cpu/CpuTarget.h"

#include "mlir/IR/Builders.h"

#include <memory>

namespace tern::cpu {

class DotProduct {
public:
  virtual ~DotProduct() = default;
  /// B: bytes of codes and activations per step (vector<Bxi8>).
  int bytes() const { return bytes_; }
  /// The accumulator type, vector<Lxi32>.
  virtual mlir::VectorType accType(mlir::MLIRContext *ctx) const = 0;
  /// acc + (the products codes[i] * acts[i] summed into acc's lanes);
  /// codes and acts are vector<Bxi8>, codes unsigned (0..2), acts signed.
  virtual mlir::Value dot(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value acc, mlir::Value codes,
                          mlir::Value acts) const = 0;
  /// The sum of acc's lanes, an i32.
  mlir::Value reduce(mlir::OpBuilder &b, mlir::Location loc,
                     mlir::Value acc) const;
  mlir::VectorType byteType(mlir::MLIRContext *ctx) const;
  /// vector<Bxi8> with every byte v; the zero accumulator.
  mlir::Value byteSplat(mlir::OpBuilder &b, mlir::Location loc, int64_t v) const;
  mlir::Value zeroAcc(mlir::OpBuilder &b, mlir::Location loc) const;
  /// Whether one GFNI instruction can take B bytes (x86: 16/32 with AVX, 64
  /// with AVX-512).
  virtual bool gfniWidth() const { return false; }
  /// Sub-slot s (0..3) of B packed bytes: (bytes >> 2s) & 3 in every byte,
  /// by a shift and a mask, or with `gfni` (the target has GFNI) where
  /// gfniWidth() by one vgf2p8affineqb, whose bit matrix moves bits
  /// 2s..2s+1 to bits 0..1.
  mlir::Value unpackSubSlot(mlir::OpBuilder &b, mlir::Location loc, mlir::Value bytes,
                            int64_t s, bool gfni) const;

protected:
  explicit DotProduct(int bytes) : bytes_(bytes) {}
  int bytes_;
};

/// Plain vector IR (ext, mul, reduce by lanes): any target.
std::unique_ptr<DotProduct> createGenericDot(int bytes);
/// The dot product for `isa` on B-byte steps (B = 16, 32 or 64).
std::unique_ptr<DotProduct> createDotProduct(DotIsa isa, int bytes);

namespace x86 {
/// vpmaddubsw + vpmaddwd (AVX2 at B = 32, SSSE3 at 16; 64 = two 32s).
std::unique_ptr<DotProduct> createAvx2Dot(int bytes);
/// vpdpbusd (AVX-512 VNNI; zmm at B = 64, ymm/xmm with VL at 32/16).
std::unique_ptr<DotProduct> createVnniDot(int bytes);
} // namespace x86

namespace aarch64 {
/// sdot (Armv8.2 dotprod) on 16-byte registers; B = 32/64 use 2/4 of them.
std::unique_ptr<DotProduct> createSdotDot(int bytes);
} // namespace aarch64

} // namespace tern::cpu

#endif
