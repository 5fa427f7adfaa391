//===- AttentionKernel.cpp - causal GQA attention with the KV-cache append ===//
//
// Range: FIXED over kv heads. For each kv head g in [begin, end):
//   1. append: k/v rows t0..t1-1 of head g -> cache rows start+t0 ..
//   2. for t in [t0, t1), n = start + t + 1, and each query head h of g's
//      group (h = g * group + j), `tile_h` of them at a time (the schedule's
//      tile_n: each cache row is loaded once for them all, and each head's
//      arithmetic is unchanged, so every tile_h gives the same bits):
//        score_j = dot(q_h, k_j) * (1/sqrt(hd))   j < n, into a stack scratch
//                                                  (running max alongside)
//        e_j = exp(score_j - max)    (vectorized polynomial exp, VectorUtils)
//        p_j = e_j / sum(e)
//        out_h = sum_j p_j * v_j     (head_dim in vector registers, j in order)
// as ref::attention. The scratch (max_context floats, padded to a multiple
// of 16 so the softmax passes load whole vectors) is allocated once per call.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/VectorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cassert>
#include <cmath>
#include <limits>

using namespace mlir;

namespace tern::cpu {

func::FuncOp buildAttentionKernel(OpBuilder &b, ModuleOp module, StringRef name,
                                  const AttentionParams &p) {
  MLIRContext *ctx = b.getContext();
  const int64_t H = p.heads, KV = p.kv_heads, hd = p.head_dim;
  const int64_t group = H / KV, kvDim = KV * hd, qDim = H * hd;
  Type f32 = b.getF32Type();
  SmallVector<MemRefType> types = {
      MemRefType::get({p.max_batch * qDim}, f32),    // q
      MemRefType::get({p.max_batch * kvDim}, f32),   // k
      MemRefType::get({p.max_batch * kvDim}, f32),   // v
      MemRefType::get({p.max_context * kvDim}, f32), // k_cache
      MemRefType::get({p.max_context * kvDim}, f32), // v_cache
      MemRefType::get({p.max_batch * qDim}, f32),    // out
  };
  KernelArgs a;
  func::FuncOp f = createKernel(b, module, name, types, &a);
  Location loc = f.getLoc();
  Value q = a.buffers[0], k = a.buffers[1], v = a.buffers[2];
  Value kc = a.buffers[3], vc = a.buffers[4], out = a.buffers[5];

  const int64_t width = hd >= 16 ? 16 : (hd >= 8 ? 8 : 4);
  const int64_t dChunks = (hd + width - 1) / width;
  auto validOf = [&](int64_t c) { return std::min(width, hd - c * width); };
  VectorType vt = vec::f32Vec(ctx, width);
  const int64_t sw = 16; // softmax vector width
  VectorType svt = vec::f32Vec(ctx, sw);
  const int64_t padded = (p.max_context + sw - 1) / sw * sw;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));

  // Query heads per pass over the cache (the schedule's tile_n): a divisor
  // of the group, checked by the plan.
  const int64_t th = std::max<int64_t>(1, p.tile_h);
  assert(group % th == 0 && "tile_h must divide the GQA group");
  Value scores = memref::AllocaOp::create(b, loc, MemRefType::get({th * padded}, f32),
                                          b.getI64IntegerAttr(64));
  Value c0 = vec::cIndex(b, loc, 0), c1 = vec::cIndex(b, loc, 1);
  Value cSw = vec::cIndex(b, loc, sw);
  Value cHd = vec::cIndex(b, loc, hd), cKv = vec::cIndex(b, loc, kvDim);
  Value cQ = vec::cIndex(b, loc, qDim), cGroup = vec::cIndex(b, loc, group);
  Value cTh = vec::cIndex(b, loc, th), cTiles = vec::cIndex(b, loc, group / th);
  Value zeroV = vec::splatF32(b, loc, vt, 0.0f);
  Value zeroS = vec::splatF32(b, loc, svt, 0.0f);
  Value scaleS = vec::cF32(b, loc, scale);
  auto add = [](OpBuilder &b, Location loc, Value x, Value y) {
    return Value(arith::AddIOp::create(b, loc, x, y));
  };
  auto mul = [](OpBuilder &b, Location loc, Value x, Value y) {
    return Value(arith::MulIOp::create(b, loc, x, y));
  };

  vec::forEach(b, loc, a.begin, a.end, [&](OpBuilder &b, Location loc, Value g) {
    Value gOff = mul(b, loc, g, cHd);
    // 1. The cache append of this head's k/v rows.
    vec::forEach(b, loc, a.t0, a.t1, [&](OpBuilder &b, Location loc, Value t) {
      Value src = add(b, loc, mul(b, loc, t, cKv), gOff);
      Value dst = add(b, loc, mul(b, loc, add(b, loc, a.start, t), cKv), gOff);
      vec::forChunks(b, loc, hd, width, ValueRange{},
                     [&](OpBuilder &b, Location loc, Value off, int64_t valid,
                         ValueRange) {
                       Value s = add(b, loc, src, off), d = add(b, loc, dst, off);
                       vec::store(b, loc, vec::loadF32(b, loc, k, s, width, valid),
                                  kc, d, valid);
                       vec::store(b, loc, vec::loadF32(b, loc, v, s, width, valid),
                                  vc, d, valid);
                       return SmallVector<Value>{};
                     });
    });

    // 2. Every query head of the group, every token: `th` heads at a time,
    // each K and V row loaded once for all of them. Each head's arithmetic
    // is the same, in the same order, whatever `th` is.
    vec::forEach(b, loc, a.t0, a.t1, [&](OpBuilder &b, Location loc, Value t) {
      Value n = add(b, loc, add(b, loc, a.start, t), c1);
      vec::forEach(b, loc, c0, cTiles, [&](OpBuilder &b, Location loc, Value jt) {
        SmallVector<Value> qOff;
        SmallVector<SmallVector<Value>> qv(th);
        for (int64_t i = 0; i < th; ++i) {
          Value jh = add(b, loc, mul(b, loc, jt, cTh), vec::cIndex(b, loc, i));
          Value h = add(b, loc, mul(b, loc, g, cGroup), jh);
          qOff.push_back(add(b, loc, mul(b, loc, t, cQ), mul(b, loc, h, cHd)));
          for (int64_t c = 0; c < dChunks; ++c)
            qv[i].push_back(vec::loadF32(b, loc, q,
                                         add(b, loc, qOff[i], vec::cIndex(b, loc, c * width)),
                                         width, validOf(c)));
        }
        // Head i's scores live at scores[i * padded ..].
        auto slot = [&](OpBuilder &b, Location loc, int64_t i, Value j) {
          return i == 0 ? j : add(b, loc, j, vec::cIndex(b, loc, i * padded));
        };

        // Scores and their max.
        Value negInf = vec::cF32(b, loc, -std::numeric_limits<float>::infinity());
        SmallVector<Value> maxInit(th, negInf);
        SmallVector<Value> maxScore = vec::forLoop(
            b, loc, c0, n, c1, maxInit,
            [&](OpBuilder &b, Location loc, Value j, ValueRange it) {
              Value kOff = add(b, loc, mul(b, loc, j, cKv), gOff);
              SmallVector<Value> kv;
              for (int64_t c = 0; c < dChunks; ++c)
                kv.push_back(vec::loadF32(
                    b, loc, kc, add(b, loc, kOff, vec::cIndex(b, loc, c * width)), width,
                    validOf(c)));
              SmallVector<Value> next;
              for (int64_t i = 0; i < th; ++i) {
                SmallVector<Value> prods;
                for (int64_t c = 0; c < dChunks; ++c)
                  prods.push_back(arith::MulFOp::create(b, loc, qv[i][c], kv[c]));
                // Pairwise sum of the chunk products (short dependency chains).
                while (prods.size() > 1) {
                  SmallVector<Value> pairs;
                  for (size_t e = 0; e + 1 < prods.size(); e += 2)
                    pairs.push_back(arith::AddFOp::create(b, loc, prods[e], prods[e + 1]));
                  if (prods.size() % 2)
                    pairs.push_back(prods.back());
                  prods = pairs;
                }
                Value dot = vec::reduceAdd(b, loc, prods[0]);
                Value sc = arith::MulFOp::create(b, loc, dot, scaleS);
                memref::StoreOp::create(b, loc, sc, scores, ValueRange{slot(b, loc, i, j)});
                // The reference's running max: sc > max ? sc : max.
                Value gt =
                    arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, sc, it[i]);
                next.push_back(arith::SelectOp::create(b, loc, gt, sc, it[i]));
              }
              return next;
            });

        // Per head: e_j = exp(score_j - max) in place, and their sum (lanes
        // past n get a large negative argument, whose exp is 0); then p_j.
        Value farV = vec::splatF32(b, loc, svt, -1000.0f);
        for (int64_t i = 0; i < th; ++i) {
          Value maxV = vector::BroadcastOp::create(b, loc, svt, maxScore[i]);
          Value sumV =
              vec::forLoop(
                  b, loc, c0, n, cSw, ValueRange{zeroS},
                  [&](OpBuilder &b, Location loc, Value j0, ValueRange it) {
                    Value at = slot(b, loc, i, j0);
                    Value sv = vector::LoadOp::create(b, loc, svt, scores, ValueRange{at});
                    Value rem = arith::SubIOp::create(b, loc, n, j0);
                    Value mask = vector::CreateMaskOp::create(
                        b, loc, VectorType::get({sw}, b.getI1Type()), ValueRange{rem});
                    Value xv = arith::SubFOp::create(b, loc, sv, maxV);
                    xv = arith::SelectOp::create(b, loc, mask, xv, farV);
                    Value e = vec::expF32(b, loc, xv);
                    vector::StoreOp::create(b, loc, e, scores, ValueRange{at});
                    return SmallVector<Value>{arith::AddFOp::create(b, loc, it[0], e)};
                  })[0];
          Value denom = vec::reduceAdd(b, loc, sumV);
          Value denomV = vector::BroadcastOp::create(b, loc, svt, denom);
          vec::forLoop(b, loc, c0, n, cSw, ValueRange{},
                       [&](OpBuilder &b, Location loc, Value j0, ValueRange) {
                         Value at = slot(b, loc, i, j0);
                         Value e = vector::LoadOp::create(b, loc, svt, scores, ValueRange{at});
                         Value pv = arith::DivFOp::create(b, loc, e, denomV);
                         vector::StoreOp::create(b, loc, pv, scores, ValueRange{at});
                         return SmallVector<Value>{};
                       });
        }

        // out_h = sum_j p_j * v_j, each head's head_dim in dChunks vector
        // registers (th * dChunks accumulators).
        SmallVector<Value> inits(th * dChunks, zeroV);
        SmallVector<Value> acc = vec::forLoop(
            b, loc, c0, n, c1, inits,
            [&](OpBuilder &b, Location loc, Value j, ValueRange it) {
              SmallVector<Value> pb;
              for (int64_t i = 0; i < th; ++i) {
                Value pj = memref::LoadOp::create(b, loc, scores, ValueRange{slot(b, loc, i, j)});
                pb.push_back(vector::BroadcastOp::create(b, loc, vt, pj));
              }
              Value vOff = add(b, loc, mul(b, loc, j, cKv), gOff);
              SmallVector<Value> next(th * dChunks);
              for (int64_t c = 0; c < dChunks; ++c) {
                Value vv = vec::loadF32(b, loc, vc,
                                        add(b, loc, vOff, vec::cIndex(b, loc, c * width)),
                                        width, validOf(c));
                for (int64_t i = 0; i < th; ++i) {
                  Value prod = arith::MulFOp::create(b, loc, pb[i], vv);
                  next[i * dChunks + c] = arith::AddFOp::create(b, loc, it[i * dChunks + c], prod);
                }
              }
              return next;
            });
        for (int64_t i = 0; i < th; ++i)
          for (int64_t c = 0; c < dChunks; ++c)
            vec::store(b, loc, acc[i * dChunks + c], out,
                       add(b, loc, qOff[i], vec::cIndex(b, loc, c * width)), validOf(c));
      });
    });
  });
  func::ReturnOp::create(b, loc);
  return f;
}

} // namespace tern::cpu
