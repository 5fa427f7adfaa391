//===- AttentionKernel.cpp - KV-cache append and causal GQA on the GPU ----===//
//
// kv_append (range TOKENS, one token per block):
//   k_cache[start + t][:] = k[t][:];  v_cache[start + t][:] = v[t][:]
//
// attention (range FIXED over heads x max_batch: block i is query head
// h = i % heads of token t = i / heads, skipped unless t0 <= t < t1; group
// g = h / (heads / kv_heads)), L = start + t + 1:
//   sc[p] = (q[t][h] . k_cache[p][g]) / sqrt(hd)   p < L, threads over p
//   m = max sc (block reduction);  e[p] = 2^((sc[p] - m) log2 e);  l = sum e
//   out[t][h][d] = (sum_p e[p] v_cache[p][g][d]) / l      threads over d
// sc/e live in shared memory (max_context floats). ref::attention up to
// reassociation and ex2.approx (relative error ~2^-22).
//
//===----------------------------------------------------------------------===//
#include "codegen/nvptx/GpuKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace tern::nvptx {

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

GpuLaunch buildGpuAttentionKernel(OpBuilder &b, gpu::GPUModuleOp gm, StringRef name,
                                  const AttentionParams &p) {
  MLIRContext *ctx = b.getContext();
  const int64_t hd = p.head_dim, kvd = p.kv_heads * hd, qd = p.heads * hd;
  const int64_t group = p.heads / p.kv_heads, threads = 128;
  Type f32 = b.getF32Type();
  MemRefType act = MemRefType::get({p.max_batch * qd}, f32);
  MemRefType cache = MemRefType::get({p.max_context * kvd}, f32);
  GpuKernelArgs a;
  gpu::GPUFuncOp f = createGpuKernel(
      b, gm, name, {act, cache, cache, act},
      {sharedBuffer(ctx, p.max_context, f32), sharedBuffer(ctx, threads / 32, f32)},
      threads, &a);
  Location loc = f.getLoc();
  Value sc = f.getWorkgroupAttributions()[0], scratch = f.getWorkgroupAttributions()[1];
  Value q = a.buffers[0], kc = a.buffers[1], vc = a.buffers[2], out = a.buffers[3];
  auto c = [&](OpBuilder &b, Location loc, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto cf = [&](OpBuilder &b, Location loc, float v) -> Value {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(v));
  };
  Value item = arith::AddIOp::create(b, loc, a.begin, a.block);
  Value h = arith::RemUIOp::create(b, loc, item, c(b, loc, p.heads));
  Value tok = arith::DivUIOp::create(b, loc, item, c(b, loc, p.heads));
  Value lo = arith::MaxUIOp::create(b, loc, a.t0, tok);
  Value hi = arith::MinUIOp::create(
      b, loc, a.t1, arith::AddIOp::create(b, loc, tok, c(b, loc, 1)));
  Value kvOff = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, h, c(b, loc, group)), c(b, loc, hd));
  Value step = c(b, loc, threads);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  auto strided = [&](OpBuilder &b, Location loc, Value n, Value init,
                     function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
    return scf::ForOp::create(b, loc, a.tid, n, step, ValueRange{init},
                              [&](OpBuilder &b, Location loc, Value i, ValueRange it) {
                                scf::YieldOp::create(b, loc, body(b, loc, i, it[0]));
                              })
        .getResult(0);
  };

  // [lo, hi) is this block's token, or empty (the same for every thread).
  scf::ForOp::create(b, loc, lo, hi, c(b, loc, 1), ValueRange{},
                     [&](OpBuilder &b, Location loc, Value t, ValueRange) {
    Value L = arith::AddIOp::create(b, loc, arith::AddIOp::create(b, loc, a.start, t),
                                    c(b, loc, 1));
    Value qOff = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, t, c(b, loc, qd)),
                                       arith::MulIOp::create(b, loc, h, c(b, loc, hd)));
    Value mLocal = strided(b, loc, L, cf(b, loc, -std::numeric_limits<float>::infinity()),
                           [&](OpBuilder &b, Location loc, Value pos, Value m) -> Value {
      Value kOff = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, pos, c(b, loc, kvd)), kvOff);
      Value dot = scf::ForOp::create(
          b, loc, c(b, loc, 0), c(b, loc, hd), c(b, loc, 1), ValueRange{cf(b, loc, 0.0f)},
          [&](OpBuilder &b, Location loc, Value d, ValueRange it) {
            Value qv = memref::LoadOp::create(b, loc, q,
                                              ValueRange{arith::AddIOp::create(b, loc, qOff, d)});
            Value kv = memref::LoadOp::create(b, loc, kc,
                                              ValueRange{arith::AddIOp::create(b, loc, kOff, d)});
            scf::YieldOp::create(
                b, loc, ValueRange{arith::AddFOp::create(b, loc, it[0],
                                                         arith::MulFOp::create(b, loc, qv, kv))});
          }).getResult(0);
      Value s = arith::MulFOp::create(b, loc, dot, cf(b, loc, scale));
      memref::StoreOp::create(b, loc, s, sc, ValueRange{pos});
      return maxF32(b, loc, s, m);
    });
    Value m = blockReduce(b, loc, mLocal, /*isMax=*/true, scratch, threads);
    Value lLocal = strided(b, loc, L, cf(b, loc, 0.0f),
                           [&](OpBuilder &b, Location loc, Value pos, Value acc) -> Value {
      Value s = memref::LoadOp::create(b, loc, sc, ValueRange{pos});
      Value e = exp2Approx(
          b, loc, arith::MulFOp::create(b, loc, arith::SubFOp::create(b, loc, s, m),
                                        cf(b, loc, float(M_LOG2E))));
      memref::StoreOp::create(b, loc, e, sc, ValueRange{pos});
      return arith::AddFOp::create(b, loc, acc, e);
    });
    Value l = blockReduce(b, loc, lLocal, /*isMax=*/false, scratch, threads);
    forStrided(b, loc, a.tid, c(b, loc, hd), threads, [&](OpBuilder &b, Location loc, Value d) {
      Value vOff = arith::AddIOp::create(b, loc, kvOff, d);
      Value acc = scf::ForOp::create(
          b, loc, c(b, loc, 0), L, c(b, loc, 1), ValueRange{cf(b, loc, 0.0f)},
          [&](OpBuilder &b, Location loc, Value pos, ValueRange it) {
            Value e = memref::LoadOp::create(b, loc, sc, ValueRange{pos});
            Value v = memref::LoadOp::create(
                b, loc, vc,
                ValueRange{arith::AddIOp::create(
                    b, loc, arith::MulIOp::create(b, loc, pos, c(b, loc, kvd)), vOff)});
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
  return {name.str(), threads, 1};
}

} // namespace tern::nvptx
