//===- Int8MatmulKernel.cpp - int8 x int8 matmul (the quantized LM head) --===//
//
// y[t][n] = float(sum_k q[t][k] * W[n][k]) / s[t] * scale[n]
// with q the per-token absmax int8 activations (q = round(x * s)) and W the
// per-row absmax int8 weights (W = round(w / scale)), summed exactly in int32
// by the target's dot-product instruction:
//   VNNI, generic: vpdpbusd(q ^ 0x80, W) = sum (q + 128) W, minus the
//                  precomputed 128 * sum_k W[n][k] (`corr`);
//   NEON:          sdot(q, W), both signed;
//   AVX2:          vpmaddubsw(|q|, sign(W, q)): |q| <= 128, so the i16 pairs
//                  stay below 2 * 128 * 127 < 2^15 (no saturation).
// Range: FIXED over the N rows, in tiles of tile_n rows; tokens [t0, t1)
// inside each tile (the head usually runs on one token). With prefetch > 0,
// row n + r + prefetch is prefetched alongside, one line per step.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/DotProduct.h"
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/VectorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>
#include <cmath>

using namespace mlir;

namespace tern::cpu {

func::FuncOp buildInt8MatmulKernel(OpBuilder &b, ModuleOp module, StringRef name,
                                   const Int8MatmulParams &p) {
  const int64_t N = p.N, K = p.K, M = p.max_batch, V = p.block;
  Type i8 = b.getI8Type(), i32 = b.getI32Type(), f32 = b.getF32Type();
  KernelArgs a;
  func::FuncOp f = createKernel(b, module, name,
                                {MemRefType::get({M * K}, i8),
                                 MemRefType::get({M}, f32),
                                 MemRefType::get({N * K}, i8),
                                 MemRefType::get({N}, f32),
                                 MemRefType::get({N}, i32),
                                 MemRefType::get({M * N}, f32)},
                                &a);
  Location loc = f.getLoc();
  Value q = a.buffers[0], s = a.buffers[1], W = a.buffers[2],
        scale = a.buffers[3], corr = a.buffers[4], y = a.buffers[5];
  std::unique_ptr<DotProduct> dot = createDotProduct(p.isa, int(V));
  VectorType bytesT = dot->byteType(b.getContext());
  const bool offset = p.isa == DotIsa::Avx512Vnni || p.isa == DotIsa::Generic;
  const bool absSign = p.isa == DotIsa::Avx2;
  auto c = [&](int64_t v) { return vec::cIndex(b, loc, v); };
  auto byteSplat = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(bytesT, b.getI8IntegerAttr(v).getValue()));
  };
  Value zeroAcc = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(dot->accType(b.getContext()),
                             b.getI32IntegerAttr(0).getValue()));
  Value zeroB = byteSplat(0), signBit = byteSplat(-128);
  const int64_t tileN = std::max<int64_t>(1, p.tile_n);

  auto emitTile = [&](OpBuilder &b, Location loc, Value n, int64_t rows) {
    vec::forEach(b, loc, a.t0, a.t1, [&](OpBuilder &b, Location loc, Value t) {
      Value xOff = arith::MulIOp::create(b, loc, t, c(K));
      SmallVector<Value> acc = vec::forLoop(
          b, loc, c(0), c(K), c(V), SmallVector<Value>(rows, zeroAcc),
          [&](OpBuilder &b, Location loc, Value k, ValueRange it) {
            Value xv = vector::LoadOp::create(
                b, loc, bytesT, q, ValueRange{arith::AddIOp::create(b, loc, xOff, k)});
            Value neg, codes = xv;
            if (offset) {
              codes = arith::XOrIOp::create(b, loc, xv, signBit);
            } else if (absSign) {
              neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, xv, zeroB);
              codes = arith::SelectOp::create(
                  b, loc, neg, arith::SubIOp::create(b, loc, zeroB, xv), xv);
            }
            SmallVector<Value> next;
            for (int64_t r = 0; r < rows; ++r) {
              Value row = arith::AddIOp::create(b, loc, n, c(r));
              Value wOff = arith::AddIOp::create(
                  b, loc, arith::MulIOp::create(b, loc, row, c(K)), k);
              if (p.prefetch > 0) {
                Value at = arith::AddIOp::create(b, loc, wOff, c(p.prefetch * K));
                at = arith::MinUIOp::create(b, loc, at, c(N * K - 1));
                memref::PrefetchOp::create(b, loc, W, ValueRange{at},
                                           /*isWrite=*/false, /*localityHint=*/3,
                                           /*isDataCache=*/true);
              }
              Value wv = vector::LoadOp::create(b, loc, bytesT, W, ValueRange{wOff});
              if (absSign) {
                // sign(W, q): -W where q < 0, 0 where q == 0.
                Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                                     xv, zeroB);
                wv = arith::SelectOp::create(
                    b, loc, neg, arith::SubIOp::create(b, loc, zeroB, wv), wv);
                wv = arith::SelectOp::create(b, loc, isZero, zeroB, wv);
              }
              next.push_back(dot->dot(b, loc, it[r], codes, wv));
            }
            return next;
          });
      Value st = memref::LoadOp::create(b, loc, s, ValueRange{t});
      Value yRow = arith::MulIOp::create(b, loc, t, c(N));
      for (int64_t r = 0; r < rows; ++r) {
        Value row = arith::AddIOp::create(b, loc, n, c(r));
        Value sum = dot->reduce(b, loc, acc[r]);
        if (offset)
          sum = arith::SubIOp::create(
              b, loc, sum, memref::LoadOp::create(b, loc, corr, ValueRange{row}));
        Value v = arith::SIToFPOp::create(b, loc, f32, sum);
        v = arith::DivFOp::create(b, loc, v, st);
        v = arith::MulFOp::create(
            b, loc, v, memref::LoadOp::create(b, loc, scale, ValueRange{row}));
        memref::StoreOp::create(b, loc, v, y,
                                ValueRange{arith::AddIOp::create(b, loc, yRow, row)});
      }
    });
  };

  // Whole tiles, then the remaining rows one at a time.
  vec::forTiles(b, loc, a.begin, a.end, tileN,
                [&](OpBuilder &b, Location loc, Value n, int64_t rows) {
                  emitTile(b, loc, n, rows);
                });
  func::ReturnOp::create(b, loc);
  return f;
}

} // namespace tern::cpu
