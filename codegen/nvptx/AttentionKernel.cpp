//===- AttentionKernel.cpp - KV-cache append and causal GQA on the GPU ----===//
//
// kv_append (range TOKENS, one token per block):
//   k_cache[start + t][:] = k[t][:];  v_cache[start + t][:] = v[t][:]
//
// attention (range FIXED over heads x max_batch rounded up to tiles of
// Q = kAttentionTile tokens, Q items per block: block b is query head h
// of tokens [t_b, t_b + Q) of the call, group g = h / (heads / kv_heads)):
//
// * flash (calls of several tokens): the block's Q query rows stay in
//   shared memory, the keys and values stream through it in tiles of 32
//   positions, each warp keeps 4 rows' running max, sum and output
//   (lane l: dims l, l + 32, ...), causal per row: a tile of K/V is read
//   once for Q queries instead of once per query.
//     s_j = (q . k_j) / sqrt(hd)      lane j, key kb + j (-inf past the row)
//     m' = max(m, max_j s_j);  e_j = 2^((s_j - m') log2 e);  a = 2^((m - m') log2 e)
//     l = a l + sum_j e_j;  o = a o + sum_j e_j v_j;  m = m'
//   out = o / l.
// * one token at a time (the single-token entry, decode), L = start + t + 1:
//     sc[p] = (q[t][h] . k_cache[p][g]) / sqrt(hd)   p < L, threads over p
//     m = max sc (block reduction);  e[p] = 2^((sc[p] - m) log2 e);  l = sum e
//     out[t][h][d] = (sum_p e[p] v_cache[p][g][d]) / l      threads over d
//   sc/e live in shared memory (max_context floats).
// Both are ref::attention up to reassociation and ex2.approx (relative
// error ~2^-22).
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/VectorUtils.h"
#include "codegen/nvptx/GpuKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace tern::nvptx {

using cpu::vec::cF32;
using cpu::vec::cIndex;

GpuLaunch buildGpuKvAppendKernel(OpBuilder &b, gpu::GPUModuleOp gm, StringRef name,
                                 const AttentionParams &p) {
  const int64_t kvd = p.kv_heads * p.head_dim, threads = 128;
  Type f32 = b.getF32Type();
  MemRefType act = MemRefType::get({p.max_batch * kvd}, f32);
  MemRefType cache = MemRefType::get({p.max_context * kvd}, f32);
  GpuKernelArgs a;
  gpu::GPUFuncOp f = createGpuKernel(b, gm, name, {act, act, cache, cache}, {},
                                     threads, &a);
  Location loc = f.getLoc();
  Value cK = arith::ConstantIndexOp::create(b, loc, kvd);
  Value t = arith::AddIOp::create(b, loc, a.begin, a.block);
  Value src = arith::MulIOp::create(b, loc, t, cK);
  Value dst = arith::MulIOp::create(b, loc, arith::AddIOp::create(b, loc, a.start, t), cK);
  forStrided(b, loc, a.tid, cK, threads, [&](OpBuilder &b, Location loc, Value j) {
    Value s = arith::AddIOp::create(b, loc, src, j);
    Value d = arith::AddIOp::create(b, loc, dst, j);
    for (int i = 0; i < 2; ++i) {
      Value v = memref::LoadOp::create(b, loc, a.buffers[i], ValueRange{s});
      memref::StoreOp::create(b, loc, v, a.buffers[2 + i], ValueRange{d});
    }
  });
  gpu::ReturnOp::create(b, loc);
  return {name.str(), threads, 1};
}

int64_t attentionRange(const AttentionParams &p) {
  return p.heads * ((p.max_batch + kAttentionTile - 1) / kAttentionTile * kAttentionTile);
}

int64_t flashAttentionSharedBytes(const AttentionParams &p) {
  return (kAttentionTile + 2 * 32) * p.head_dim * 4;
}

namespace {

/// The flash path for the block's head h and tokens [lo, hi) (non-empty) of
/// its tile starting at tileStart; Qs/Ks/Vs are the shared tiles.
void emitFlash(OpBuilder &b, Location loc, const AttentionParams &p, const GpuKernelArgs &a,
               Value h, Value tileStart, Value lo, Value hi, Value Qs, Value Ks, Value Vs) {
  const int64_t hd = p.head_dim, kvd = p.kv_heads * hd, qd = p.heads * hd;
  const int64_t group = p.heads / p.kv_heads, threads = 128, rowsPerWarp = 4;
  const int64_t dimsPerLane = hd / 32;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const float inf = std::numeric_limits<float>::infinity();
  Value q = a.buffers[0], kc = a.buffers[1], vc = a.buffers[2], out = a.buffers[3];
  Value lane = arith::RemUIOp::create(b, loc, a.tid, cIndex(b, loc, 32));
  Value warp = arith::DivUIOp::create(b, loc, a.tid, cIndex(b, loc, 32));
  Value kvOff = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, h, cIndex(b, loc, group)), cIndex(b, loc, hd));
  Value last = arith::SubIOp::create(b, loc, hi, cIndex(b, loc, 1));
  // This warp's rr-th query row of the tile.
  auto rowOf = [&](OpBuilder &b, Location loc, int64_t rr) -> Value {
    return arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, warp, cIndex(b, loc, rowsPerWarp)),
        cIndex(b, loc, rr));
  };
  auto qRow = [&](OpBuilder &b, Location loc, Value t) -> Value {
    return arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, t, cIndex(b, loc, qd)),
                                 arith::MulIOp::create(b, loc, h, cIndex(b, loc, hd)));
  };
  // The tile's query rows (rows past hi repeat the last; they store nothing).
  forStrided(b, loc, a.tid, cIndex(b, loc, kAttentionTile * hd), threads,
             [&](OpBuilder &b, Location loc, Value i) {
               Value r = arith::DivUIOp::create(b, loc, i, cIndex(b, loc, hd));
               Value d = arith::RemUIOp::create(b, loc, i, cIndex(b, loc, hd));
               Value t = arith::MinUIOp::create(
                   b, loc, arith::AddIOp::create(b, loc, tileStart, r), last);
               Value v = memref::LoadOp::create(
                   b, loc, q, ValueRange{arith::AddIOp::create(b, loc, qRow(b, loc, t), d)});
               memref::StoreOp::create(b, loc, v, Qs, ValueRange{i});
             });
  // Keys [0, kEnd) cover every row's causal window.
  Value kEnd = arith::AddIOp::create(b, loc, a.start, hi);
  // Per row of this warp: m, l, then the lane's dims of o.
  const int64_t perRow = 2 + dimsPerLane;
  SmallVector<Value> init;
  for (int64_t rr = 0; rr < rowsPerWarp; ++rr) {
    init.push_back(cF32(b, loc, -inf));
    init.push_back(cF32(b, loc, 0.0f));
    for (int64_t i = 0; i < dimsPerLane; ++i)
      init.push_back(cF32(b, loc, 0.0f));
  }
  Value width = arith::ConstantIntOp::create(b, loc, 32, 32);
  auto state = scf::ForOp::create(
      b, loc, cIndex(b, loc, 0), kEnd, cIndex(b, loc, 32), init,
      [&](OpBuilder &b, Location loc, Value kb, ValueRange it) {
        SmallVector<Value> st(it.begin(), it.end());
        gpu::BarrierOp::create(b, loc); // the previous tile is consumed
        Value lastKey = arith::SubIOp::create(b, loc, kEnd, cIndex(b, loc, 1));
        forStrided(b, loc, a.tid, cIndex(b, loc, 32 * hd), threads,
                   [&](OpBuilder &b, Location loc, Value i) {
                     Value j = arith::DivUIOp::create(b, loc, i, cIndex(b, loc, hd));
                     Value d = arith::RemUIOp::create(b, loc, i, cIndex(b, loc, hd));
                     Value pos = arith::MinUIOp::create(
                         b, loc, arith::AddIOp::create(b, loc, kb, j), lastKey);
                     Value off = arith::AddIOp::create(
                         b, loc,
                         arith::AddIOp::create(
                             b, loc, arith::MulIOp::create(b, loc, pos, cIndex(b, loc, kvd)),
                             kvOff),
                         d);
                     memref::StoreOp::create(b, loc,
                                             memref::LoadOp::create(b, loc, kc, ValueRange{off}),
                                             Ks, ValueRange{i});
                     memref::StoreOp::create(b, loc,
                                             memref::LoadOp::create(b, loc, vc, ValueRange{off}),
                                             Vs, ValueRange{i});
                   });
        gpu::BarrierOp::create(b, loc);
        Value key = arith::AddIOp::create(b, loc, kb, lane);
        Value kRow = arith::MulIOp::create(b, loc, lane, cIndex(b, loc, hd));
        for (int64_t rr = 0; rr < rowsPerWarp; ++rr) {
          Value row = rowOf(b, loc, rr);
          Value posQ = arith::AddIOp::create(b, loc, a.start,
                                             arith::AddIOp::create(b, loc, tileStart, row));
          Value qBase = arith::MulIOp::create(b, loc, row, cIndex(b, loc, hd));
          // q . k_lane, dims rotated by the lane so the 32 lanes read 32
          // different shared-memory banks of their key rows.
          Value dot = scf::ForOp::create(
                          b, loc, cIndex(b, loc, 0), cIndex(b, loc, hd), cIndex(b, loc, 1),
                          ValueRange{cF32(b, loc, 0.0f)},
                          [&](OpBuilder &b, Location loc, Value d0, ValueRange acc) {
                            Value d = arith::RemUIOp::create(
                                b, loc, arith::AddIOp::create(b, loc, d0, lane),
                                cIndex(b, loc, hd));
                            Value qv = memref::LoadOp::create(
                                b, loc, Qs, ValueRange{arith::AddIOp::create(b, loc, qBase, d)});
                            Value kv = memref::LoadOp::create(
                                b, loc, Ks, ValueRange{arith::AddIOp::create(b, loc, kRow, d)});
                            scf::YieldOp::create(
                                b, loc,
                                ValueRange{arith::AddFOp::create(
                                    b, loc, acc[0], arith::MulFOp::create(b, loc, qv, kv))});
                          })
                          .getResult(0);
          Value sc = arith::MulFOp::create(b, loc, dot, cF32(b, loc, scale));
          Value masked = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, key, posQ);
          sc = arith::SelectOp::create(b, loc, masked, cF32(b, loc, -inf), sc);
          Value &m = st[rr * perRow], &l = st[rr * perRow + 1];
          Value mNew = maxF32(b, loc, warpReduce(b, loc, sc, /*isMax=*/true), m);
          auto ex = [&](Value x) {
            return exp2Approx(b, loc,
                              arith::MulFOp::create(b, loc, arith::SubFOp::create(b, loc, x, mNew),
                                                    cF32(b, loc, float(M_LOG2E))));
          };
          Value e = ex(sc), alpha = ex(m);
          l = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, l, alpha),
                                    warpReduce(b, loc, e, /*isMax=*/false));
          // Every lane needs every key's weight: one broadcast per key,
          // used at once for the lane's dims (a loop, so that one weight
          // and the lane's outputs are live, not 32 weights and 32 rows
          // of V: the unrolled form took all 255 registers).
          SmallVector<Value> o0;
          for (int64_t i = 0; i < dimsPerLane; ++i)
            o0.push_back(arith::MulFOp::create(b, loc, st[rr * perRow + 2 + i], alpha));
          auto pv = scf::ForOp::create(
              b, loc, cIndex(b, loc, 0), cIndex(b, loc, 32), cIndex(b, loc, 1), o0,
              [&](OpBuilder &b, Location loc, Value j, ValueRange os) {
                Value ej = gpu::ShuffleOp::create(
                               b, loc, e,
                               arith::IndexCastUIOp::create(b, loc, b.getI32Type(), j), width,
                               gpu::ShuffleMode::IDX)
                               .getShuffleResult();
                Value vRow = arith::AddIOp::create(
                    b, loc, arith::MulIOp::create(b, loc, j, cIndex(b, loc, hd)), lane);
                SmallVector<Value> next;
                for (int64_t i = 0; i < dimsPerLane; ++i) {
                  Value vj = memref::LoadOp::create(
                      b, loc, Vs,
                      ValueRange{arith::AddIOp::create(b, loc, vRow, cIndex(b, loc, 32 * i))});
                  next.push_back(arith::AddFOp::create(b, loc, os[i],
                                                       arith::MulFOp::create(b, loc, ej, vj)));
                }
                scf::YieldOp::create(b, loc, next);
              });
          for (int64_t i = 0; i < dimsPerLane; ++i)
            st[rr * perRow + 2 + i] = pv.getResult(i);
          m = mNew;
        }
        scf::YieldOp::create(b, loc, st);
      });
  for (int64_t rr = 0; rr < rowsPerWarp; ++rr) {
    Value row = rowOf(b, loc, rr);
    Value t = arith::AddIOp::create(b, loc, tileStart, row);
    Value ok = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, t, lo),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, t, hi));
    scf::IfOp::create(b, loc, ok, [&](OpBuilder &b, Location loc) {
      Value l = state.getResult(rr * perRow + 1);
      Value base = qRow(b, loc, t);
      for (int64_t i = 0; i < dimsPerLane; ++i) {
        Value o = state.getResult(rr * perRow + 2 + i);
        Value d = arith::AddIOp::create(b, loc, lane, cIndex(b, loc, 32 * i));
        memref::StoreOp::create(b, loc, arith::DivFOp::create(b, loc, o, l), out,
                                ValueRange{arith::AddIOp::create(b, loc, base, d)});
      }
      scf::YieldOp::create(b, loc);
    });
  }
}
} // namespace

GpuLaunch buildGpuAttentionKernel(OpBuilder &b, gpu::GPUModuleOp gm, StringRef name,
                                  const AttentionParams &p, bool singleToken) {
  MLIRContext *ctx = b.getContext();
  const int64_t hd = p.head_dim, kvd = p.kv_heads * hd, qd = p.heads * hd;
  const int64_t group = p.heads / p.kv_heads, threads = 128;
  const int64_t padded = attentionRange(p) / p.heads;
  Type f32 = b.getF32Type();
  MemRefType act = MemRefType::get({p.max_batch * qd}, f32);
  MemRefType cache = MemRefType::get({p.max_context * kvd}, f32);
  SmallVector<MemRefType> shared;
  if (singleToken)
    shared = {sharedBuffer(ctx, p.max_context, f32), sharedBuffer(ctx, threads / 32, f32)};
  else
    shared = {sharedBuffer(ctx, kAttentionTile * hd, f32), sharedBuffer(ctx, 32 * hd, f32),
              sharedBuffer(ctx, 32 * hd, f32)};
  GpuKernelArgs a;
  gpu::GPUFuncOp f = createGpuKernel(b, gm, name, {act, cache, cache, act}, shared, threads, &a);
  Location loc = f.getLoc();
  Value q = a.buffers[0], kc = a.buffers[1], vc = a.buffers[2], out = a.buffers[3];
  // Block -> (head, tile of kAttentionTile tokens) -> this call's [lo, hi).
  Value first = arith::AddIOp::create(
      b, loc, a.begin, arith::MulIOp::create(b, loc, a.block, cIndex(b, loc, kAttentionTile)));
  Value h = arith::DivUIOp::create(b, loc, first, cIndex(b, loc, padded));
  Value tileStart = arith::RemUIOp::create(b, loc, first, cIndex(b, loc, padded));
  Value lo = arith::MaxUIOp::create(b, loc, a.t0, tileStart);
  Value hi = arith::MinUIOp::create(
      b, loc, a.t1, arith::AddIOp::create(b, loc, tileStart, cIndex(b, loc, kAttentionTile)));
  if (!singleToken) {
    Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, lo, hi);
    auto attrs = f.getWorkgroupAttributions();
    scf::IfOp::create(b, loc, any, [&](OpBuilder &b, Location loc) {
      emitFlash(b, loc, p, a, h, tileStart, lo, hi, attrs[0], attrs[1], attrs[2]);
      scf::YieldOp::create(b, loc);
    });
    gpu::ReturnOp::create(b, loc);
    return {name.str(), threads, kAttentionTile};
  }
  Value sc = f.getWorkgroupAttributions()[0], scratch = f.getWorkgroupAttributions()[1];
  Value kvOff = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, h, cIndex(b, loc, group)), cIndex(b, loc, hd));
  Value step = cIndex(b, loc, threads);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  auto strided = [&](OpBuilder &b, Location loc, Value n, Value init,
                     function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
    return scf::ForOp::create(b, loc, a.tid, n, step, ValueRange{init},
                              [&](OpBuilder &b, Location loc, Value i, ValueRange it) {
                                scf::YieldOp::create(b, loc, body(b, loc, i, it[0]));
                              })
        .getResult(0);
  };

  // [lo, hi): this block's tokens, one at a time (the same for every thread).
  scf::ForOp::create(b, loc, lo, hi, cIndex(b, loc, 1), ValueRange{},
                     [&](OpBuilder &b, Location loc, Value t, ValueRange) {
    Value L = arith::AddIOp::create(b, loc, arith::AddIOp::create(b, loc, a.start, t),
                                    cIndex(b, loc, 1));
    Value qOff = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, t, cIndex(b, loc, qd)),
                                       arith::MulIOp::create(b, loc, h, cIndex(b, loc, hd)));
    Value mLocal = strided(b, loc, L, cF32(b, loc, -std::numeric_limits<float>::infinity()),
                           [&](OpBuilder &b, Location loc, Value pos, Value m) -> Value {
      Value kOff = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, pos, cIndex(b, loc, kvd)), kvOff);
      Value dot = scf::ForOp::create(
          b, loc, cIndex(b, loc, 0), cIndex(b, loc, hd), cIndex(b, loc, 1), ValueRange{cF32(b, loc, 0.0f)},
          [&](OpBuilder &b, Location loc, Value d, ValueRange it) {
            Value qv = memref::LoadOp::create(b, loc, q,
                                              ValueRange{arith::AddIOp::create(b, loc, qOff, d)});
            Value kv = memref::LoadOp::create(b, loc, kc,
                                              ValueRange{arith::AddIOp::create(b, loc, kOff, d)});
            scf::YieldOp::create(
                b, loc, ValueRange{arith::AddFOp::create(b, loc, it[0],
                                                         arith::MulFOp::create(b, loc, qv, kv))});
          }).getResult(0);
      Value s = arith::MulFOp::create(b, loc, dot, cF32(b, loc, scale));
      memref::StoreOp::create(b, loc, s, sc, ValueRange{pos});
      return maxF32(b, loc, s, m);
    });
    Value m = blockReduce(b, loc, mLocal, /*isMax=*/true, scratch, threads);
    Value lLocal = strided(b, loc, L, cF32(b, loc, 0.0f),
                           [&](OpBuilder &b, Location loc, Value pos, Value acc) -> Value {
      Value s = memref::LoadOp::create(b, loc, sc, ValueRange{pos});
      Value e = exp2Approx(
          b, loc, arith::MulFOp::create(b, loc, arith::SubFOp::create(b, loc, s, m),
                                        cF32(b, loc, float(M_LOG2E))));
      memref::StoreOp::create(b, loc, e, sc, ValueRange{pos});
      return arith::AddFOp::create(b, loc, acc, e);
    });
    Value l = blockReduce(b, loc, lLocal, /*isMax=*/false, scratch, threads);
    forStrided(b, loc, a.tid, cIndex(b, loc, hd), threads, [&](OpBuilder &b, Location loc, Value d) {
      Value vOff = arith::AddIOp::create(b, loc, kvOff, d);
      Value acc = scf::ForOp::create(
          b, loc, cIndex(b, loc, 0), L, cIndex(b, loc, 1), ValueRange{cF32(b, loc, 0.0f)},
          [&](OpBuilder &b, Location loc, Value pos, ValueRange it) {
            Value e = memref::LoadOp::create(b, loc, sc, ValueRange{pos});
            Value v = memref::LoadOp::create(
                b, loc, vc,
                ValueRange{arith::AddIOp::create(
                    b, loc, arith::MulIOp::create(b, loc, pos, cIndex(b, loc, kvd)), vOff)});
            scf::YieldOp::create(
                b, loc, ValueRange{arith::AddFOp::create(b, loc, it[0],
                                                         arith::MulFOp::create(b, loc, e, v))});
          }).getResult(0);
      memref::StoreOp::create(b, loc, arith::DivFOp::create(b, loc, acc, l), out,
                              ValueRange{arith::AddIOp::create(b, loc, qOff, d)});
    });
    gpu::BarrierOp::create(b, loc); // sc is rewritten by the next token
    scf::YieldOp::create(b, loc);
  });
  gpu::ReturnOp::create(b, loc);
  return {name.str(), threads, kAttentionTile};
}

} // namespace tern::nvptx
