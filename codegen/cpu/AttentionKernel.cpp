//===- AttentionKernel.cpp - causal GQA attention with the KV-cache append ===//
//
// Range: FIXED over kv heads. For each kv head g in [begin, end):
//   1. append: k/v rows t0..t1-1 of head g -> cache rows start+t0 ..
//   2. for t in [t0, t1), n = start + t + 1, and each query head h of g's
//      group (h = g * group + j):
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

  Value scores = memref::AllocaOp::create(b, loc, MemRefType::get({padded}, f32),
                                          b.getI64IntegerAttr(64));
  Value c0 = vec::cIndex(b, loc, 0), c1 = vec::cIndex(b, loc, 1);
  Value cSw = vec::cIndex(b, loc, sw);
  Value cHd = vec::cIndex(b, loc, hd), cKv = vec::cIndex(b, loc, kvDim);
  Value cQ = vec::cIndex(b, loc, qDim), cGroup = vec::cIndex(b, loc, group);
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

    // 2. Every query head of the group, every token.
    vec::forEach(b, loc, a.t0, a.t1, [&](OpBuilder &b, Location loc, Value t) {
      Value n = add(b, loc, add(b, loc, a.start, t), c1);
      vec::forEach(b, loc, c0, cGroup, [&](OpBuilder &b, Location loc, Value jh) {
        Value h = add(b, loc, mul(b, loc, g, cGroup), jh);
        Value qOff = add(b, loc, mul(b, loc, t, cQ), mul(b, loc, h, cHd));
        SmallVector<Value> qv;
        for (int64_t c = 0; c < dChunks; ++c)
          qv.push_back(vec::loadF32(b, loc, q,
                                    add(b, loc, qOff, vec::cIndex(b, loc, c * width)),
                                    width, validOf(c)));

        // Scores and their max.
        Value negInf = vec::cF32(b, loc, -std::numeric_limits<float>::infinity());
        Value maxScore =
            vec::forLoop(
                b, loc, c0, n, c1, ValueRange{negInf},
                [&](OpBuilder &b, Location loc, Value j, ValueRange it) {
                  Value kOff = add(b, loc, mul(b, loc, j, cKv), gOff);
                  SmallVector<Value> prods;
                  for (int64_t c = 0; c < dChunks; ++c) {
                    Value kv = vec::loadF32(
                        b, loc, kc, add(b, loc, kOff, vec::cIndex(b, loc, c * width)),
                        width, validOf(c));
                    prods.push_back(arith::MulFOp::create(b, loc, qv[c], kv));
                  }
                  // Pairwise sum of the chunk products (short dependency chains).
                  while (prods.size() > 1) {
                    SmallVector<Value> next;
                    for (size_t i = 0; i + 1 < prods.size(); i += 2)
                      next.push_back(arith::AddFOp::create(b, loc, prods[i], prods[i + 1]));
                    if (prods.size() % 2)
                      next.push_back(prods.back());
                    prods = next;
                  }
                  Value dot = vec::reduceAdd(b, loc, prods[0]);
                  Value sc = arith::MulFOp::create(b, loc, dot, scaleS);
                  memref::StoreOp::create(b, loc, sc, scores, ValueRange{j});
                  // The reference's running max: sc > max ? sc : max.
                  Value gt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, sc, it[0]);
                  return SmallVector<Value>{arith::SelectOp::create(b, loc, gt, sc, it[0])};
                })[0];

        // e_j = exp(score_j - max) in place, and their sum. Lanes past n are
        // set to a large negative argument, whose exp is 0.
        Value maxV = vector::BroadcastOp::create(b, loc, svt, maxScore);
        Value farV = vec::splatF32(b, loc, svt, -1000.0f);
        Value sumV =
            vec::forLoop(
                b, loc, c0, n, cSw, ValueRange{zeroS},
                [&](OpBuilder &b, Location loc, Value j0, ValueRange it) {
                  Value sv = vector::LoadOp::create(b, loc, svt, scores, ValueRange{j0});
                  Value rem = arith::SubIOp::create(b, loc, n, j0);
                  Value mask = vector::CreateMaskOp::create(
                      b, loc, VectorType::get({sw}, b.getI1Type()), ValueRange{rem});
                  Value xv = arith::SubFOp::create(b, loc, sv, maxV);
                  xv = arith::SelectOp::create(b, loc, mask, xv, farV);
                  Value e = vec::expF32(b, loc, xv);
                  vector::StoreOp::create(b, loc, e, scores, ValueRange{j0});
                  return SmallVector<Value>{arith::AddFOp::create(b, loc, it[0], e)};
                })[0];
        Value denom = vec::reduceAdd(b, loc, sumV);
        Value denomV = vector::BroadcastOp::create(b, loc, svt, denom);
        vec::forLoop(b, loc, c0, n, cSw, ValueRange{},
                     [&](OpBuilder &b, Location loc, Value j0, ValueRange) {
                       Value e = vector::LoadOp::create(b, loc, svt, scores, ValueRange{j0});
                       Value pv = arith::DivFOp::create(b, loc, e, denomV);
                       vector::StoreOp::create(b, loc, pv, scores, ValueRange{j0});
                       return SmallVector<Value>{};
                     });

        // out_h = sum_j p_j * v_j, head_dim held in dChunks vector registers.
        SmallVector<Value> inits(dChunks, zeroV);
        SmallVector<Value> acc = vec::forLoop(
            b, loc, c0, n, c1, inits,
            [&](OpBuilder &b, Location loc, Value j, ValueRange it) {
              Value pj = memref::LoadOp::create(b, loc, scores, ValueRange{j});
              Value pb = vector::BroadcastOp::create(b, loc, vt, pj);
              Value vOff = add(b, loc, mul(b, loc, j, cKv), gOff);
              SmallVector<Value> next;
              for (int64_t c = 0; c < dChunks; ++c) {
                Value vv = vec::loadF32(b, loc, vc,
                                        add(b, loc, vOff, vec::cIndex(b, loc, c * width)),
                                        width, validOf(c));
                Value prod = arith::MulFOp::create(b, loc, pb, vv);
                next.push_back(arith::AddFOp::create(b, loc, it[c], prod));
              }
              return next;
            });
        for (int64_t c = 0; c < dChunks; ++c)
          vec::store(b, loc, acc[c], out,
                     add(b, loc, qOff, vec::cIndex(b, loc, c * width)), validOf(c));
      });
    });
  });
  func::ReturnOp::create(b, loc);
  return f;
}

} // namespace tern::cpu
