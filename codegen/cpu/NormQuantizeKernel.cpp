//===- NormQuantizeKernel.cpp - RMSNorm (+ relu2 gate) (+ int8 quantize) ---===//
//
// For each token t in [begin, end) (range: TOKENS), with h = x[t] or
// h = relu2(x[t]) * u[t] (gated):
//   pass 1:  sum = sum_i h_i^2 (vector lanes, reduced once)
//            r = 1 / sqrt(sum / K + eps)
//   not quantize:  y[t] = w * (h * r)
//   quantize:
//   pass 2:  absmax = max_i |w_i * (h_i * r)|      (NaN lanes never win)
//            s[t] = 127 / max(absmax, 1e-5)
//   pass 3:  q[t]_i = clamp(roundeven(w_i * (h_i * r) * s), -128, 127),
//            NaN -> 0   (the normalized value is recomputed, bit-identically)
// Same expressions as ref::rmsNorm / ref::relu2 / ref::quantizeActivations;
// only the order of the sum of squares differs.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/VectorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu {

func::FuncOp buildNormQuantizeKernel(OpBuilder &b, ModuleOp module,
                                     StringRef name,
                                     const NormQuantizeParams &p) {
  MLIRContext *ctx = b.getContext();
  const int64_t K = p.K, M = p.max_batch;
  Type f32 = b.getF32Type();
  SmallVector<MemRefType> types;
  types.push_back(MemRefType::get({M * K}, f32)); // x
  if (p.gated)
    types.push_back(MemRefType::get({M * K}, f32)); // u
  types.push_back(MemRefType::get({K}, toMlirType(ctx, p.elem))); // w
  if (p.quantize) {
    types.push_back(MemRefType::get({M * K}, b.getI8Type())); // q
    types.push_back(MemRefType::get({M}, f32));               // s
  } else {
    types.push_back(MemRefType::get({M * K}, f32)); // y
  }
  KernelArgs a;
  func::FuncOp f = createKernel(b, module, name, types, &a);
  Location loc = f.getLoc();
  unsigned i = 0;
  Value x = a.buffers[i++];
  Value u = p.gated ? a.buffers[i++] : Value();
  Value w = a.buffers[i++];
  Value out = a.buffers[i++];
  Value sOut = p.quantize ? a.buffers[i++] : Value();

  const int64_t width = 16;
  VectorType vt = vec::f32Vec(ctx, width);
  Value zeroV = vec::splatF32(b, loc, vt, 0.0f);
  Value cK = vec::cIndex(b, loc, K);

  vec::forEach(b, loc, a.begin, a.end, [&](OpBuilder &b, Location loc, Value t) {
    Value row = arith::MulIOp::create(b, loc, t, cK);
    // The input lanes at row + off (h, before the norm).
    auto input = [&](OpBuilder &b, Location loc, Value off, int64_t valid) {
      Value at = arith::AddIOp::create(b, loc, row, off);
      Value h = vec::loadF32(b, loc, x, at, width, valid);
      if (p.gated) {
        // relu2(x) = max(x, 0)^2, with NaN -> 0 like the reference's x > 0.
        Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, h, zeroV);
        Value rl = arith::SelectOp::create(b, loc, pos, h, zeroV);
        Value r2 = arith::MulFOp::create(b, loc, rl, rl);
        Value uv = vec::loadF32(b, loc, u, at, width, valid);
        h = arith::MulFOp::create(b, loc, r2, uv);
      }
      return h;
    };
    // Pass 1: the sum of squares.
    SmallVector<Value> sq = vec::forChunks(
        b, loc, K, width, ValueRange{zeroV},
        [&](OpBuilder &b, Location loc, Value off, int64_t valid, ValueRange it) {
          Value h = input(b, loc, off, valid);
          Value h2 = arith::MulFOp::create(b, loc, h, h);
          return SmallVector<Value>{arith::AddFOp::create(b, loc, it[0], h2)};
        });
    Value sum = vec::reduceAdd(b, loc, sq[0]);
    Value ms = arith::DivFOp::create(b, loc, sum, vec::cF32(b, loc, float(K)));
    Value den = math::SqrtOp::create(
        b, loc, arith::AddFOp::create(b, loc, ms, vec::cF32(b, loc, p.epsilon)));
    Value r = arith::DivFOp::create(b, loc, vec::cF32(b, loc, 1.0f), den);
    Value rv = vector::BroadcastOp::create(b, loc, vt, r);
    // The normalized lanes: w * (h * r).
    auto normed = [&](OpBuilder &b, Location loc, Value off, int64_t valid) {
      Value h = input(b, loc, off, valid);
      Value wv = vec::loadF32(b, loc, w, off, width, valid);
      return Value(arith::MulFOp::create(b, loc, wv,
                                         arith::MulFOp::create(b, loc, h, rv)));
    };

    if (!p.quantize) {
      vec::forChunks(b, loc, K, width, ValueRange{},
                     [&](OpBuilder &b, Location loc, Value off, int64_t valid,
                         ValueRange) {
                       Value y = normed(b, loc, off, valid);
                       vec::store(b, loc, y, out, arith::AddIOp::create(b, loc, row, off),
                                  valid);
                       return SmallVector<Value>{};
                     });
      return;
    }

    // Pass 2: absmax (masked-off lanes are 0; a NaN lane never compares
    // greater, as in the reference).
    SmallVector<Value> am = vec::forChunks(
        b, loc, K, width, ValueRange{zeroV},
        [&](OpBuilder &b, Location loc, Value off, int64_t valid, ValueRange it) {
          Value y = normed(b, loc, off, valid);
          Value ay = math::AbsFOp::create(b, loc, y);
          Value gt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, ay, it[0]);
          return SmallVector<Value>{arith::SelectOp::create(b, loc, gt, ay, it[0])};
        });
    Value absmax = vec::reduceMax(b, loc, am[0]);
    Value floor = vec::cF32(b, loc, 1e-5f);
    Value small = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, absmax, floor);
    Value m = arith::SelectOp::create(b, loc, small, floor, absmax);
    Value s = arith::DivFOp::create(b, loc, vec::cF32(b, loc, 127.0f), m);
    memref::StoreOp::create(b, loc, s, sOut, ValueRange{t});
    Value sv = vector::BroadcastOp::create(b, loc, vt, s);

    // Pass 3: quantize.
    auto i8v = VectorType::get({width}, b.getI8Type());
    Value lo = vec::splatF32(b, loc, vt, -128.0f);
    Value hi = vec::splatF32(b, loc, vt, 127.0f);
    vec::forChunks(
        b, loc, K, width, ValueRange{},
        [&](OpBuilder &b, Location loc, Value off, int64_t valid, ValueRange) {
          Value y = normed(b, loc, off, valid);
          Value prod = arith::MulFOp::create(b, loc, y, sv);
          Value rnd = math::RoundEvenOp::create(b, loc, prod);
          rnd = arith::MaximumFOp::create(b, loc, rnd, lo);
          rnd = arith::MinimumFOp::create(b, loc, rnd, hi);
          Value nan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, prod, prod);
          rnd = arith::SelectOp::create(b, loc, nan, zeroV, rnd);
          Value q = arith::FPToSIOp::create(b, loc, i8v, rnd);
          vec::store(b, loc, q, out, arith::AddIOp::create(b, loc, row, off), valid);
          return SmallVector<Value>{};
        });
  });
  func::ReturnOp::create(b, loc);
  return f;
}

} // namespace tern::cpu
