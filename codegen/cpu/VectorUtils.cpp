//===- VectorUtils.cpp - small IR-building helpers for the CPU kernels ----===//
#include "codegen/cpu/VectorUtils.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>

using namespace mlir;

namespace tern::cpu::vec {

Value cIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value cF32(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

Value splatF32(OpBuilder &b, Location loc, VectorType vt, float v) {
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vt, b.getFloatAttr(vt.getElementType(), v)));
}

VectorType f32Vec(MLIRContext *ctx, int64_t n) {
  return VectorType::get({n}, Float32Type::get(ctx));
}

Value prefixMask(OpBuilder &b, Location loc, int64_t n, int64_t valid) {
  SmallVector<bool> bits(n, false);
  for (int64_t i = 0; i < valid && i < n; ++i)
    bits[i] = true;
  auto vt = VectorType::get({n}, b.getI1Type());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vt, ArrayRef<bool>(bits)));
}

SmallVector<Value> forLoop(OpBuilder &b, Location loc, Value lb, Value ub,
                           Value step, ValueRange inits, LoopBody body) {
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, inits,
      [&](OpBuilder &nb, Location l, Value iv, ValueRange iters) {
        SmallVector<Value> next = body(nb, l, iv, iters);
        scf::YieldOp::create(nb, l, next);
      });
  return SmallVector<Value>(loop.getResults().begin(), loop.getResults().end());
}

void forEach(OpBuilder &b, Location loc, Value lb, Value ub,
             llvm::function_ref<void(OpBuilder &, Location, Value)> body) {
  forLoop(b, loc, lb, ub, cIndex(b, loc, 1), ValueRange{},
          [&](OpBuilder &nb, Location l, Value iv, ValueRange) {
            body(nb, l, iv);
            return SmallVector<Value>{};
          });
}

void forTiles(OpBuilder &b, Location loc, Value lo, Value hi, int64_t tile,
              llvm::function_ref<void(OpBuilder &, Location, Value, int64_t)> body) {
  Value rest = lo;
  if (tile > 1) {
    Value t = cIndex(b, loc, tile);
    Value count = arith::SubIOp::create(b, loc, hi, lo);
    Value whole = arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, count, t), t);
    rest = arith::AddIOp::create(b, loc, lo, whole);
    forLoop(b, loc, lo, rest, t, ValueRange{},
            [&](OpBuilder &b, Location loc, Value iv, ValueRange) {
              body(b, loc, iv, tile);
              return SmallVector<Value>{};
            });
  }
  forEach(b, loc, rest, hi,
          [&](OpBuilder &b, Location loc, Value iv) { body(b, loc, iv, 1); });
}

SmallVector<Value> forChunks(OpBuilder &b, Location loc, int64_t len,
                             int64_t width, ValueRange inits, ChunkBody body) {
  SmallVector<Value> iters(inits.begin(), inits.end());
  int64_t full = len / width, rest = len % width;
  if (full == 1) {
    iters = body(b, loc, cIndex(b, loc, 0), width, iters);
  } else if (full > 1) {
    iters = forLoop(b, loc, cIndex(b, loc, 0), cIndex(b, loc, full * width),
                    cIndex(b, loc, width), iters,
                    [&](OpBuilder &nb, Location l, Value iv, ValueRange it) {
                      return body(nb, l, iv, width, it);
                    });
  }
  if (rest > 0)
    iters = body(b, loc, cIndex(b, loc, full * width), rest, iters);
  return iters;
}

SmallVector<Value> forChunksUnrolled(OpBuilder &b, Location loc, int64_t len, int64_t width,
                                     int64_t unroll, ValueRange inits, ChunkBody body) {
  if (unroll <= 1)
    return forChunks(b, loc, len, width, inits, body);
  const int64_t n = static_cast<int64_t>(inits.size());
  const int64_t step = width * unroll, whole = len / step * step;
  SmallVector<Value> all;
  for (int64_t u = 0; u < unroll; ++u)
    all.append(inits.begin(), inits.end());
  if (whole > 0)
    all = forLoop(b, loc, cIndex(b, loc, 0), cIndex(b, loc, whole), cIndex(b, loc, step), all,
                  [&](OpBuilder &nb, Location l, Value iv, ValueRange it) {
                    SmallVector<Value> out;
                    for (int64_t u = 0; u < unroll; ++u) {
                      Value off = arith::AddIOp::create(nb, l, iv, cIndex(nb, l, u * width));
                      SmallVector<Value> r = body(nb, l, off, width, it.slice(u * n, n));
                      out.append(r.begin(), r.end());
                    }
                    return out;
                  });
  if (whole < len) {
    SmallVector<Value> first(all.begin(), all.begin() + n);
    first = forChunks(b, loc, len - whole, width, first,
                      [&](OpBuilder &nb, Location l, Value off, int64_t valid, ValueRange it) {
                        Value at = arith::AddIOp::create(nb, l, off, cIndex(nb, l, whole));
                        return body(nb, l, at, valid, it);
                      });
    std::copy(first.begin(), first.end(), all.begin());
  }
  return all;
}

Value loadRaw(OpBuilder &b, Location loc, Value mem, Value off, int64_t width,
              int64_t valid) {
  Type elem = cast<MemRefType>(mem.getType()).getElementType();
  auto vt = VectorType::get({width}, elem);
  if (valid >= width)
    return vector::LoadOp::create(b, loc, vt, mem, ValueRange{off});
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(vt));
  return vector::MaskedLoadOp::create(b, loc, vt, mem, ValueRange{off},
                                      prefixMask(b, loc, width, valid), zero);
}

Value loadF32(OpBuilder &b, Location loc, Value mem, Value off, int64_t width,
              int64_t valid) {
  Value v = loadRaw(b, loc, mem, off, width, valid);
  if (!cast<VectorType>(v.getType()).getElementType().isF32())
    v = arith::ExtFOp::create(b, loc, f32Vec(b.getContext(), width), v);
  return v;
}

void store(OpBuilder &b, Location loc, Value v, Value mem, Value off,
           int64_t valid) {
  int64_t width = cast<VectorType>(v.getType()).getNumElements();
  if (valid >= width) {
    vector::StoreOp::create(b, loc, v, mem, ValueRange{off});
    return;
  }
  vector::MaskedStoreOp::create(b, loc, mem, ValueRange{off},
                                prefixMask(b, loc, width, valid), v);
}

// Halves the vector down to one lane: a log2(n) tree of shuffles and adds (what a reassociating reduction lowers to),
// written out so it does not depend on the lowering's reassociation flag.
static Value treeReduce(OpBuilder &b, Location loc, Value v, bool isMax) {
  auto vt = cast<VectorType>(v.getType());
  int64_t n = vt.getNumElements();
  if (n & (n - 1)) {
    auto kind = isMax ? vector::CombiningKind::MAXIMUMF : vector::CombiningKind::ADD;
    return vector::ReductionOp::create(b, loc, kind, v,
                                       arith::FastMathFlags::reassoc);
  }
  while (n > 1) {
    int64_t h = n / 2;
    SmallVector<int64_t> lo, hi;
    for (int64_t i = 0; i < h; ++i) {
      lo.push_back(i);
      hi.push_back(h + i);
    }
    Value a = vector::ShuffleOp::create(b, loc, v, v, lo);
    Value c = vector::ShuffleOp::create(b, loc, v, v, hi);
    v = isMax ? Value(arith::MaximumFOp::create(b, loc, a, c))
              : Value(arith::AddFOp::create(b, loc, a, c));
    n = h;
  }
  return vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{0});
}

Value reduceAdd(OpBuilder &b, Location loc, Value v) {
  return treeReduce(b, loc, v, /*isMax=*/false);
}

Value reduceMax(OpBuilder &b, Location loc, Value v) {
  return treeReduce(b, loc, v, /*isMax=*/true);
}

Value expF32(OpBuilder &b, Location loc, Value x) {
  auto vt = cast<VectorType>(x.getType());
  int64_t n = vt.getNumElements();
  auto i32v = VectorType::get({n}, b.getI32Type());
  auto c = [&](float v) { return splatF32(b, loc, vt, v); };
  auto mul = [&](Value p, Value q) { return Value(arith::MulFOp::create(b, loc, p, q)); };
  auto add = [&](Value p, Value q) { return Value(arith::AddFOp::create(b, loc, p, q)); };
  auto sub = [&](Value p, Value q) { return Value(arith::SubFOp::create(b, loc, p, q)); };

  // Below this expf is subnormal (or 0): the result is flushed to 0, and the
  // clamp keeps 2^n a normal float for every lane computed.
  const float lowest = -87.33654f;
  Value xc = arith::MaximumFOp::create(b, loc, x, c(lowest));
  xc = arith::MinimumFOp::create(b, loc, xc, c(88.0f));
  // n = round(x / ln 2); r = x - n ln 2 in two steps (Cody-Waite).
  Value fx = math::FloorOp::create(b, loc, add(mul(xc, c(1.44269504088896341f)), c(0.5f)));
  Value r = sub(xc, mul(fx, c(0.693359375f)));
  r = sub(r, mul(fx, c(-2.12194440e-4f)));
  // exp(r) = 1 + r + r^2 P(r), |r| <= ln2/2.
  Value p = c(1.9875691500e-4f);
  p = add(mul(p, r), c(1.3981999507e-3f));
  p = add(mul(p, r), c(8.3334519073e-3f));
  p = add(mul(p, r), c(4.1665795894e-2f));
  p = add(mul(p, r), c(1.6666665459e-1f));
  p = add(mul(p, r), c(5.0000001201e-1f));
  Value y = add(add(mul(p, mul(r, r)), r), c(1.0f));
  // 2^n from the exponent bits.
  Value ni = arith::FPToSIOp::create(b, loc, i32v, fx);
  Value bias = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(i32v, b.getI32IntegerAttr(127)));
  Value sh = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(i32v, b.getI32IntegerAttr(23)));
  Value bits = arith::ShLIOp::create(b, loc, arith::AddIOp::create(b, loc, ni, bias), sh);
  Value pow2 = arith::BitcastOp::create(b, loc, vt, bits);
  Value res = mul(y, pow2);
  Value under = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, c(lowest));
  return arith::SelectOp::create(b, loc, under, c(0.0f), res);
}

} // namespace tern::cpu::vec
