//===- NormQuantizeKernel.cpp - (gate) (+ RMSNorm) (+ int8 quantize) ------===//
//
// For each token t in [begin, end) (range: TOKENS), with h = x[t] or
// h = act(x[t]) * u[t] (gated; act relu2 or silu):
//   pass 1:  sum = sum_i h_i^2 (vector lanes, reduced once)
//            r = 1 / sqrt(sum / K + eps)
//   not quantize:  y[t] = w * (h * r)
//   quantize:
//   pass 2:  absmax = max_i |n_i|,  n = w * (h * r), or n = h without a
//            norm (no pass 1)                      (NaN lanes never win)
//            s[t] = 127 / max(absmax, 1e-5)
//   pass 3:  q[t]_i = clamp(roundeven(n_i * s), -128, 127),
//            NaN -> 0   (n is recomputed, bit-identically)
// Same expressions as ref::rmsNorm / ref::relu2 / ref::silu /
// ref::quantizeActivations; only the order of the sum of squares differs,
// and silu's exp is a polynomial (vec::expF32, ~1-2 ulp) where the
// reference calls libm.
//
// The schedule (NormQuantizeParams::tile_m, unroll) changes no bit: tile_m
// rows go through each pass together (their chains independent, the
// weight chunk loaded once for them), and the absmax and quantize passes
// take `unroll` chunks per step (a max and an elementwise map are exact in
// any order); each row's sum of squares keeps its one chain.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/VectorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>

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
  if (p.norm)
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
  Value w = p.norm ? a.buffers[i++] : Value();
  Value out = a.buffers[i++];
  Value sOut = p.quantize ? a.buffers[i++] : Value();

  const int64_t width = 16;
  VectorType vt = vec::f32Vec(ctx, width);
  Value zeroV = vec::splatF32(b, loc, vt, 0.0f);
  Value cK = vec::cIndex(b, loc, K);

  const int64_t tileM = std::max<int64_t>(p.tile_m, 1), unroll = std::max<int64_t>(p.unroll, 1);
  // Rows t0 .. t0 + R - 1 together: each row's arithmetic is what it is
  // alone, in the same order; only the weight loads are shared.
  vec::forTiles(b, loc, a.begin, a.end, tileM, [&](OpBuilder &b, Location loc, Value t0, int64_t R) {
    SmallVector<Value> rows, tokens;
    for (int64_t j = 0; j < R; ++j) {
      Value t = j == 0 ? t0 : arith::AddIOp::create(b, loc, t0, vec::cIndex(b, loc, j)).getResult();
      tokens.push_back(t);
      rows.push_back(arith::MulIOp::create(b, loc, t, cK));
    }
    // Row j's input lanes at off (h, before the norm).
    auto input = [&](OpBuilder &b, Location loc, int64_t j, Value off, int64_t valid) {
      Value at = arith::AddIOp::create(b, loc, rows[j], off);
      Value h = vec::loadF32(b, loc, x, at, width, valid);
      if (p.gated) {
        Value g;
        if (p.silu) {
          // silu(x) = x / (1 + exp(-x)); NaN stays NaN, as in the reference.
          Value e = vec::expF32(b, loc, arith::NegFOp::create(b, loc, h));
          g = arith::DivFOp::create(
              b, loc, h, arith::AddFOp::create(b, loc, vec::splatF32(b, loc, vt, 1.0f), e));
        } else {
          // relu2(x) = max(x, 0)^2, with NaN -> 0 like the reference's x > 0.
          Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, h, zeroV);
          Value rl = arith::SelectOp::create(b, loc, pos, h, zeroV);
          g = arith::MulFOp::create(b, loc, rl, rl);
        }
        Value uv = vec::loadF32(b, loc, u, at, width, valid);
        h = arith::MulFOp::create(b, loc, g, uv);
      }
      return h;
    };
    // Pass 1: each row's sum of squares, one chain per row (never split
    // within a row: that would reorder its sum). None without a norm.
    SmallVector<Value> zeros(R, zeroV);
    SmallVector<Value> rvs;
    if (p.norm) {
      SmallVector<Value> sq = vec::forChunks(
          b, loc, K, width, zeros,
          [&](OpBuilder &b, Location loc, Value off, int64_t valid, ValueRange it) {
            SmallVector<Value> out;
            for (int64_t j = 0; j < R; ++j) {
              Value h = input(b, loc, j, off, valid);
              Value h2 = arith::MulFOp::create(b, loc, h, h);
              out.push_back(arith::AddFOp::create(b, loc, it[j], h2));
            }
            return out;
          });
      for (int64_t j = 0; j < R; ++j) {
        Value sum = vec::reduceAdd(b, loc, sq[j]);
        Value ms = arith::DivFOp::create(b, loc, sum, vec::cF32(b, loc, float(K)));
        Value den = math::SqrtOp::create(
            b, loc, arith::AddFOp::create(b, loc, ms, vec::cF32(b, loc, p.epsilon)));
        Value r = arith::DivFOp::create(b, loc, vec::cF32(b, loc, 1.0f), den);
        rvs.push_back(vector::BroadcastOp::create(b, loc, vt, r));
      }
    }
    // The weight chunk at off, loaded once for the rows (none without a norm).
    auto weight = [&](OpBuilder &b, Location loc, Value off, int64_t valid) {
      return p.norm ? vec::loadF32(b, loc, w, off, width, valid) : Value();
    };
    // Row j's normalized lanes: w * (h * r), or h without a norm.
    auto normed = [&](OpBuilder &b, Location loc, Value wv, int64_t j, Value off, int64_t valid) {
      Value h = input(b, loc, j, off, valid);
      if (!p.norm)
        return h;
      return Value(arith::MulFOp::create(b, loc, wv, arith::MulFOp::create(b, loc, h, rvs[j])));
    };

    if (!p.quantize) {
      vec::forChunksUnrolled(
          b, loc, K, width, unroll, ValueRange{},
          [&](OpBuilder &b, Location loc, Value off, int64_t valid, ValueRange) {
            Value wv = weight(b, loc, off, valid);
            for (int64_t j = 0; j < R; ++j)
              vec::store(b, loc, normed(b, loc, wv, j, off, valid), out,
                         arith::AddIOp::create(b, loc, rows[j], off), valid);
            return SmallVector<Value>{};
          });
      return;
    }

    // Pass 2: absmax (masked-off lanes are 0; a NaN lane never compares
    // greater, as in the reference), in `unroll` chains per row: a max is
    // the same in any order.
    auto maxOf = [&](OpBuilder &b, Location loc, Value a, Value c) {
      Value gt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a, c);
      return Value(arith::SelectOp::create(b, loc, gt, a, c));
    };
    SmallVector<Value> am = vec::forChunksUnrolled(
        b, loc, K, width, unroll, zeros,
        [&](OpBuilder &b, Location loc, Value off, int64_t valid, ValueRange it) {
          Value wv = weight(b, loc, off, valid);
          SmallVector<Value> out;
          for (int64_t j = 0; j < R; ++j)
            out.push_back(maxOf(b, loc, math::AbsFOp::create(b, loc, normed(b, loc, wv, j, off, valid)),
                                it[j]));
          return out;
        });
    SmallVector<Value> svs;
    for (int64_t j = 0; j < R; ++j) {
      Value acc = am[j];
      for (int64_t c = 1; c < unroll; ++c)
        acc = maxOf(b, loc, am[c * R + j], acc);
      Value absmax = vec::reduceMax(b, loc, acc);
      Value floor = vec::cF32(b, loc, 1e-5f);
      Value small = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, absmax, floor);
      Value m = arith::SelectOp::create(b, loc, small, floor, absmax);
      Value s = arith::DivFOp::create(b, loc, vec::cF32(b, loc, 127.0f), m);
      memref::StoreOp::create(b, loc, s, sOut, ValueRange{tokens[j]});
      svs.push_back(vector::BroadcastOp::create(b, loc, vt, s));
    }

    // Pass 3: quantize.
    auto i8v = VectorType::get({width}, b.getI8Type());
    Value lo = vec::splatF32(b, loc, vt, -128.0f);
    Value hi = vec::splatF32(b, loc, vt, 127.0f);
    vec::forChunksUnrolled(
        b, loc, K, width, unroll, ValueRange{},
        [&](OpBuilder &b, Location loc, Value off, int64_t valid, ValueRange) {
          Value wv = weight(b, loc, off, valid);
          for (int64_t j = 0; j < R; ++j) {
            Value prod = arith::MulFOp::create(b, loc, normed(b, loc, wv, j, off, valid), svs[j]);
            Value rnd = math::RoundEvenOp::create(b, loc, prod);
            rnd = arith::MaximumFOp::create(b, loc, rnd, lo);
            rnd = arith::MinimumFOp::create(b, loc, rnd, hi);
            Value nan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, prod, prod);
            rnd = arith::SelectOp::create(b, loc, nan, zeroV, rnd);
            Value q = arith::FPToSIOp::create(b, loc, i8v, rnd);
            vec::store(b, loc, q, out, arith::AddIOp::create(b, loc, rows[j], off), valid);
          }
          return SmallVector<Value>{};
        });
  });
  func::ReturnOp::create(b, loc);
  return f;
}

} // namespace tern::cpu
