//===- NormQuantizeKernel.cpp - (gate) (+ RMSNorm) (+ int8 quantize) on the GPU ===//
//
// One block per token t (range TOKENS), the row strided over the threads:
//   h[k]  = x[t][k]              or act(x[t][k]) * u[t][k] (gated; act
//           relu2, or silu = x / (1 + exp(-x)) with exp from ex2.approx)
//   r     = 1 / sqrt(sum_k h[k]^2 / K + eps)           (block reduction)
//   y[k]  = w[k] * (h[k] * r)        or h[k] without a norm (no r)
//   quantize: s = 127 / max(absmax_k |y[k]|, 1e-5)     (block reduction)
//             q[t][k] = clamp(round_half_even(y[k] * s), -128, 127), NaN -> 0
//   else      out[t][k] = y[k]
// The same expressions as ref::rmsNorm / ref::relu2 / ref::quantizeActivations;
// the two sums are reassociated (a tree over the block).
//
//===----------------------------------------------------------------------===//
#include "codegen/nvptx/GpuKernels.h"
#include "codegen/cpu/VectorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

using namespace mlir;

namespace tern::nvptx {

using cpu::vec::cF32;

GpuLaunch buildGpuNormQuantizeKernel(OpBuilder &b, gpu::GPUModuleOp gm,
                                     StringRef name, const NormQuantizeParams &p) {
  MLIRContext *ctx = b.getContext();
  const int64_t K = p.K, threads = 256;
  Type f32 = b.getF32Type();
  SmallVector<MemRefType> types = {MemRefType::get({p.max_batch * K}, f32)};
  if (p.gated)
    types.push_back(MemRefType::get({p.max_batch * K}, f32));
  if (p.norm)
    types.push_back(MemRefType::get({K}, cpu::toMlirType(ctx, p.elem)));
  if (p.quantize) {
    types.push_back(MemRefType::get({p.max_batch * K}, b.getI8Type()));
    types.push_back(MemRefType::get({p.max_batch}, f32));
  } else {
    types.push_back(MemRefType::get({p.max_batch * K}, f32));
  }
  GpuKernelArgs a;
  gpu::GPUFuncOp f = createGpuKernel(b, gm, name, types,
                                     {sharedBuffer(ctx, threads / 32, f32)},
                                     threads, &a);
  Location loc = f.getLoc();
  Value scratch = f.getWorkgroupAttributions()[0];
  unsigned i = 0;
  Value x = a.buffers[i++];
  Value u = p.gated ? a.buffers[i++] : Value();
  Value w = p.norm ? a.buffers[i++] : Value();
  Value t = arith::AddIOp::create(b, loc, a.begin, a.block);
  Value cK = arith::ConstantIndexOp::create(b, loc, K);
  Value rowOff = arith::MulIOp::create(b, loc, t, cK);
  Value zero = arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(0.0f));
  Value step = arith::ConstantIndexOp::create(b, loc, threads);

  auto input = [&](OpBuilder &b, Location loc, Value k) -> Value {
    Value idx = arith::AddIOp::create(b, loc, rowOff, k);
    Value v = memref::LoadOp::create(b, loc, x, ValueRange{idx});
    if (!p.gated)
      return v;
    Value g;
    if (p.silu) {
      // silu(x) = x / (1 + exp(-x)), exp(-x) = 2^(-x log2 e).
      Value e = exp2Approx(b, loc, arith::MulFOp::create(b, loc, v, cF32(b, loc, float(-M_LOG2E))));
      g = arith::DivFOp::create(b, loc, v, arith::AddFOp::create(b, loc, cF32(b, loc, 1.0f), e));
    } else {
      // relu2(x) = max(x, 0)^2, with NaN -> 0 like the reference's x > 0.
      Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, v, zero);
      Value r = arith::SelectOp::create(b, loc, pos, v, zero);
      g = arith::MulFOp::create(b, loc, r, r);
    }
    return arith::MulFOp::create(b, loc, g,
                                 memref::LoadOp::create(b, loc, u, ValueRange{idx}));
  };
  auto normalized = [&](OpBuilder &b, Location loc, Value k, Value r) -> Value {
    if (!p.norm)
      return input(b, loc, k);
    Value wv = memref::LoadOp::create(b, loc, w, ValueRange{k});
    if (wv.getType() != b.getF32Type())
      wv = arith::ExtFOp::create(b, loc, b.getF32Type(), wv);
    return arith::MulFOp::create(b, loc, wv,
                                 arith::MulFOp::create(b, loc, input(b, loc, k), r));
  };
  // A block-strided loop over the row carrying one f32.
  auto rowLoop = [&](Value init,
                     function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
    auto loop = scf::ForOp::create(
        b, loc, a.tid, cK, step, ValueRange{init},
        [&](OpBuilder &b, Location loc, Value k, ValueRange it) {
          scf::YieldOp::create(b, loc, body(b, loc, k, it[0]));
        });
    return loop.getResult(0);
  };

  Value r;
  if (p.norm) {
    Value sq = rowLoop(zero, [&](OpBuilder &b, Location loc, Value k, Value acc) -> Value {
      Value h = input(b, loc, k);
      return arith::AddFOp::create(b, loc, acc, arith::MulFOp::create(b, loc, h, h));
    });
    Value sum = blockReduce(b, loc, sq, /*isMax=*/false, scratch, threads);
    Value ms = arith::DivFOp::create(
        b, loc, sum, arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(float(K))));
    Value eps = arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(p.epsilon));
    Value one = arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(1.0f));
    r = arith::DivFOp::create(b, loc, one,
                              sqrtRn(b, loc, arith::AddFOp::create(b, loc, ms, eps)));
  }

  if (!p.quantize) {
    Value out = a.buffers[i];
    forStrided(b, loc, a.tid, cK, threads, [&](OpBuilder &b, Location loc, Value k) {
      memref::StoreOp::create(b, loc, normalized(b, loc, k, r), out,
                              ValueRange{arith::AddIOp::create(b, loc, rowOff, k)});
    });
    gpu::ReturnOp::create(b, loc);
    return {name.str(), threads, 1};
  }
  Value q = a.buffers[i], sOut = a.buffers[i + 1];
  // absmax ignores NaN (a NaN never compares greater), as the reference.
  Value am = rowLoop(zero, [&](OpBuilder &b, Location loc, Value k, Value acc) -> Value {
    Value y = absF32(b, loc, normalized(b, loc, k, r));
    return maxF32(b, loc, y, acc);
  });
  Value absmax = blockReduce(b, loc, am, /*isMax=*/true, scratch, threads);
  Value floor = arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(1e-5f));
  Value s = arith::DivFOp::create(
      b, loc, arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(127.0f)),
      maxF32(b, loc, absmax, floor));
  Value lo = arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(-128.0f));
  Value hi = arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(127.0f));
  forStrided(b, loc, a.tid, cK, threads, [&](OpBuilder &b, Location loc, Value k) {
    Value v = arith::MulFOp::create(b, loc, normalized(b, loc, k, r), s);
    Value rv = roundEvenF32(b, loc, v);
    Value c = minF32(b, loc, maxF32(b, loc, rv, lo), hi);
    Value nan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, v, v);
    c = arith::SelectOp::create(b, loc, nan, zero, c);
    Value qi = arith::FPToSIOp::create(b, loc, b.getI8Type(), c);
    memref::StoreOp::create(b, loc, qi, q,
                            ValueRange{arith::AddIOp::create(b, loc, rowOff, k)});
  });
  Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, a.tid,
                                      arith::ConstantIndexOp::create(b, loc, 0));
  scf::IfOp::create(b, loc, first, [&](OpBuilder &b, Location loc) {
    memref::StoreOp::create(b, loc, s, sOut, ValueRange{t});
    scf::YieldOp::create(b, loc);
  });
  gpu::ReturnOp::create(b, loc);
  return {name.str(), threads, 1};
}

} // namespace tern::nvptx
