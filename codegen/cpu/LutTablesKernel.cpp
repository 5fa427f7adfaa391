//===- LutTablesKernel.cpp - activation tables of the lookup-table layout -===//
//
// For each token t in [begin, end) and each group of g activations
// a = q[t][g*gi .. g*gi+g) (zeros past K), the 16 sums P_i . a of the
// group's weight patterns (ref::lutEntry; 0 for unused indices) as int16:
//   sums = P_0 * a_0 + P_1 * a_1 (+ P_2 * a_2)     (vector<16xi16>, P const)
//   lo = trunc(sums), hi = trunc(sums >> 8)        -> the step's table slots
// in the order of ref::buildLutTables. Groups past the last one (padding up
// to whole steps) get zero tables, since the buffer is reused scratch.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"
#include "codegen/cpu/VectorUtils.h"
#include "runtime/reference/ternary_layout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tern::cpu {

func::FuncOp buildLutTablesKernel(OpBuilder &b, ModuleOp module, StringRef name,
                                  const LutTablesParams &p) {
  Location loc = b.getUnknownLoc();
  ref::TernaryLayout layout;
  layout.lut = int(p.lut);
  layout.block = p.block;
  const ref::LutGeometry geo = ref::lutGeometry(layout, 1, p.K);
  const int g = geo.g;
  const int64_t tableBytes = geo.tableBytes(), V = geo.V, L = geo.lanes;
  Type i8 = b.getI8Type(), i16 = b.getI16Type();
  KernelArgs a;
  func::FuncOp f = createKernel(
      b, module, name,
      {MemRefType::get({p.max_batch * p.K}, i8),
       MemRefType::get({p.max_batch * tableBytes}, i8)},
      &a);
  Value q = a.buffers[0], tables = a.buffers[1];
  auto v16 = VectorType::get({16}, i16);
  auto b16 = VectorType::get({16}, i8);
  auto c = [&](int64_t v) { return vec::cIndex(b, loc, v); };
  // P_e[i]: weight e of the pattern with index i (0 for unused indices).
  SmallVector<Value> patterns;
  for (int e = 0; e < g; ++e) {
    SmallVector<int16_t> w(16, 0);
    for (int i = 0; i < 16; ++i) {
      int8_t unit[3] = {0, 0, 0};
      unit[e] = 1;
      w[i] = int16_t(ref::lutEntry(g, i, unit));
    }
    patterns.push_back(arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(v16, ArrayRef<int16_t>(w))));
  }
  Value eight = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(v16, b.getI16IntegerAttr(8).getValue()));
  Value zeros = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(b16, b.getI8IntegerAttr(0).getValue()));

  // Byte offset of group gi's low-byte table within a token's tables.
  auto slot = [&](Value gi) -> Value {
    Value step = arith::DivUIOp::create(b, loc, gi, c(2 * L));
    Value j = arith::RemUIOp::create(b, loc, gi, c(2 * L));
    Value h = arith::DivUIOp::create(b, loc, j, c(L));
    Value lane = arith::RemUIOp::create(b, loc, j, c(L));
    Value off = arith::MulIOp::create(b, loc, step, c(4 * V));
    off = arith::AddIOp::create(b, loc, off,
                                arith::MulIOp::create(b, loc, h, c(2 * V)));
    return arith::AddIOp::create(b, loc, off,
                                 arith::MulIOp::create(b, loc, lane, c(16)));
  };

  vec::forEach(b, loc, a.begin, a.end, [&](OpBuilder &b, Location loc, Value t) {
    Value qRow = arith::MulIOp::create(b, loc, t, c(p.K));
    Value tRow = arith::MulIOp::create(b, loc, t, c(tableBytes));
    // The tables of group gi whose activations `valid` of g exist.
    auto group = [&](Value gi, int valid) {
      Value sums;
      for (int e = 0; e < valid; ++e) {
        Value k = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, gi, c(g)), c(e));
        Value x = memref::LoadOp::create(b, loc, q,
                                         ValueRange{arith::AddIOp::create(b, loc, qRow, k)});
        x = arith::ExtSIOp::create(b, loc, i16, x);
        Value term = arith::MulIOp::create(
            b, loc, patterns[e], vector::BroadcastOp::create(b, loc, v16, x));
        sums = sums ? arith::AddIOp::create(b, loc, sums, term).getResult() : term;
      }
      Value lo = arith::TruncIOp::create(b, loc, b16, sums);
      Value hi = arith::TruncIOp::create(
          b, loc, b16, arith::ShRSIOp::create(b, loc, sums, eight));
      Value off = arith::AddIOp::create(b, loc, tRow, slot(gi));
      vector::StoreOp::create(b, loc, lo, tables, ValueRange{off});
      vector::StoreOp::create(b, loc, hi, tables,
                              ValueRange{arith::AddIOp::create(b, loc, off, c(V))});
    };
    const int64_t whole = p.K / g;
    vec::forEach(b, loc, c(0), c(whole),
                 [&](OpBuilder &, Location, Value gi) { group(gi, g); });
    if (whole < geo.groups)
      group(c(whole), int(p.K - whole * g));
    // Padding groups: zero tables.
    const int64_t padded = geo.steps * 2 * L;
    if (geo.groups < padded)
      vec::forEach(b, loc, c(geo.groups), c(padded),
                   [&](OpBuilder &b, Location loc, Value gi) {
                     Value off = arith::AddIOp::create(b, loc, tRow, slot(gi));
                     vector::StoreOp::create(b, loc, zeros, tables, ValueRange{off});
                     vector::StoreOp::create(
                         b, loc, zeros, tables,
                         ValueRange{arith::AddIOp::create(b, loc, off, c(V))});
                   });
  });
  func::ReturnOp::create(b, loc);
  return f;
}

} // namespace tern::cpu
