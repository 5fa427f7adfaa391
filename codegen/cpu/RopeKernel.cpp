//===- RopeKernel.cpp - rotary embedding in place (NEOX style) ------------===//
//
// For each token t in [begin, end) (range: TOKENS) at position start + t:
//   a_i = (float)pos * inv_i,  inv_i = 1 / pow(theta, 2i / d)   (i < d/2)
//         (divided by freq_factors[i] where the model scales RoPE)
//   c = cos(a), s = sin(a)            (vectors, computed once per token)
//   for every head: x1 = x[i], x2 = x[i + d/2]
//     x[i] = x1*c - x2*s;  x[i + d/2] = x2*c + x1*s
// inv is computed here, at compile time, with the reference's float
// expression and baked in as constant vectors; cos/sin are math.cos/math.sin
// on f32 vectors (libm's cosf/sinf per lane), so the result matches
// ref::rope bit for bit.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/VectorUtils.h"
#include "runtime/reference/ops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

using namespace mlir;

namespace tern::cpu {

func::FuncOp buildRopeKernel(OpBuilder &b, ModuleOp module, StringRef name,
                             const RopeParams &p) {
  MLIRContext *ctx = b.getContext();
  const int64_t hd = p.head_dim, half = hd / 2, rowLen = p.heads * hd;
  SmallVector<MemRefType> types = {
      MemRefType::get({p.max_batch * rowLen}, b.getF32Type())};
  KernelArgs a;
  func::FuncOp f = createKernel(b, module, name, types, &a);
  Location loc = f.getLoc();
  Value x = a.buffers[0];

  const int64_t width = half >= 16 ? 16 : (half >= 8 ? 8 : 4);
  const int64_t chunks = (half + width - 1) / width;
  VectorType vt = vec::f32Vec(ctx, width);
  // The inverse frequencies, exactly as ref::rope computes them.
  std::vector<float> inv(chunks * width, 0.0f);
  for (int64_t i = 0; i < half; ++i)
    inv[i] = ref::ropeInvFreq(int(hd), int(i), p.theta,
                              p.freq_factors.empty() ? nullptr : p.freq_factors.data());
  SmallVector<Value> invV;
  for (int64_t c = 0; c < chunks; ++c)
    invV.push_back(arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(vt, ArrayRef<float>(inv.data() + c * width, width))));
  Value cRow = vec::cIndex(b, loc, rowLen);
  Value cHd = vec::cIndex(b, loc, hd);
  Value cHalf = vec::cIndex(b, loc, half);

  vec::forEach(b, loc, a.begin, a.end, [&](OpBuilder &b, Location loc, Value t) {
    Value pos = arith::AddIOp::create(b, loc, a.start, t);
    Value pos64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), pos);
    Value posF = arith::SIToFPOp::create(b, loc, b.getF32Type(), pos64);
    Value posV = vector::BroadcastOp::create(b, loc, vt, posF);
    SmallVector<Value> cosV, sinV;
    for (int64_t c = 0; c < chunks; ++c) {
      Value ang = arith::MulFOp::create(b, loc, posV, invV[c]);
      cosV.push_back(math::CosOp::create(b, loc, ang));
      sinV.push_back(math::SinOp::create(b, loc, ang));
    }
    Value row = arith::MulIOp::create(b, loc, t, cRow);
    vec::forEach(b, loc, vec::cIndex(b, loc, 0), vec::cIndex(b, loc, p.heads),
                 [&](OpBuilder &b, Location loc, Value h) {
      Value head = arith::AddIOp::create(b, loc, row,
                                         arith::MulIOp::create(b, loc, h, cHd));
      for (int64_t c = 0; c < chunks; ++c) {
        int64_t valid = std::min(width, half - c * width);
        Value at1 = arith::AddIOp::create(b, loc, head, vec::cIndex(b, loc, c * width));
        Value at2 = arith::AddIOp::create(b, loc, at1, cHalf);
        Value x1 = vec::loadF32(b, loc, x, at1, width, valid);
        Value x2 = vec::loadF32(b, loc, x, at2, width, valid);
        Value x1c = arith::MulFOp::create(b, loc, x1, cosV[c]);
        Value x2s = arith::MulFOp::create(b, loc, x2, sinV[c]);
        Value x2c = arith::MulFOp::create(b, loc, x2, cosV[c]);
        Value x1s = arith::MulFOp::create(b, loc, x1, sinV[c]);
        vec::store(b, loc, arith::SubFOp::create(b, loc, x1c, x2s), x, at1, valid);
        vec::store(b, loc, arith::AddFOp::create(b, loc, x2c, x1s), x, at2, valid);
      }
    });
  });
  func::ReturnOp::create(b, loc);
  return f;
}

} // namespace tern::cpu
