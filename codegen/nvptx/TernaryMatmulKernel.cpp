//===- TernaryMatmulKernel.cpp - W1.58A8 matmul with dp4a on the GPU ------===//
//
// Weights in #tern.layout<block = 16, interleave = R, chunk = 16> (R | 32):
// group g of R rows is one stream of 16-byte chunks, chunk c = s * R + r
// holding step s (64 weights) of row g*R + r. One warp streams one group:
// lane l loads chunks l, l + 32, ... (512 contiguous bytes per warp load),
// so it always serves row l % R. Block b, warp w: group begin/R + b*W + w.
//
//   for each tile of tile_m tokens (the last token repeated in a short tile):
//     acc[j] = sum over my chunks, p in 0..3, i in 0..3 of
//              dp4a.u32.s32((word_i >> 2p) & 0x03030303,      c = w + 1
//                           q[t_j] word 16 s + 4 p + i)
//     asum[j] = sum over words of q[t_j] of dp4a(0x01010101, word)
//     acc[j]  = warp sum over lanes with the same l % R;  asum: all lanes
//     lane l < R: y = float(acc[j] - asum[j]) rescaled (+ residual), as the
//                 CPU epilogue (storeMatmulOutput)
//
// Calls of 8 or more tokens (prefill) take int8 tensor cores when R = 8:
// mma.sync per warp (the default), or with the schedule's mma = "wgmma"
// (sm_90a) Hopper's warpgroup MMA from shared memory (see wgmmaPath).
//
// Every integer sum is exact: the result is bit-exact against ref::bitlinear.
//
//===----------------------------------------------------------------------===//
#include "codegen/cpu/MatmulEpilogue.h"
#include "codegen/cpu/VectorUtils.h"
#include "codegen/nvptx/GpuKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <functional>

using namespace mlir;

namespace tern::nvptx {

using cpu::vec::cF32;
using cpu::vec::cIndex;

namespace {
Value cI32(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIntOp::create(b, loc, v, 32);
}
Value bytes4(OpBuilder &b, Location loc, Value word) {
  return LLVM::BitcastOp::create(b, loc, VectorType::get({4}, b.getI8Type()), word);
}
Value dp4a(OpBuilder &b, Location loc, Value codes, Value act, Value acc) {
  return NVVM::DotAccumulate4WayOp::create(
      b, loc, b.getI32Type(), bytes4(b, loc, codes), NVVM::DotAccumulateType::UNSIGNED,
      bytes4(b, loc, act), NVVM::DotAccumulateType::SIGNED, acc);
}
/// Calls of at least this many tokens (prefill) take the tensor-core path.
constexpr int64_t kMmaMinTokens = 8;
/// Shared-memory buffers of the wgmma path (a stage is written while the
/// two before it may still be read by wgmmas in flight).
constexpr int64_t kWgmmaBuffers = 3;

/// The wgmma path's steps (64 weights) per stage: at most `unroll`, at most
/// 2, dividing the step count, within the static shared memory.
int64_t wgmmaStageSteps(const TernaryMatmulParams &p, int64_t warpgroups) {
  const int64_t steps = p.K / 64;
  for (int64_t s = std::min<int64_t>(std::max<int64_t>(p.unroll, 1), 2); s > 1; --s)
    if (steps % s == 0 &&
        kWgmmaBuffers * 96 * warpgroups * 64 * s <= kMaxStaticShared)
      return s;
  return 1;
}

/// A wgmma shared-memory matrix descriptor, no swizzle: 14 bits of the
/// 16-byte-aligned shared address, the byte offsets between core matrices
/// (8 rows x 16 bytes) adjacent in K (leading) and in M/N (stride), >> 4.
Value wgmmaDescriptor(OpBuilder &b, Location loc, Value addr, int64_t lbo, int64_t sbo) {
  auto c = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc, v, 64); };
  Value start = arith::ShRUIOp::create(b, loc, arith::AndIOp::create(b, loc, addr, c(0x3FFFF)),
                                       c(4));
  return arith::OrIOp::create(b, loc, start, c(((lbo >> 4) << 16) | ((sbo >> 4) << 32)));
}
} // namespace

GpuLaunch buildGpuTernaryMatmulKernel(OpBuilder &b, gpu::GPUModuleOp gm,
                                      StringRef name, const TernaryMatmulParams &p,
                                      bool singleToken) {
  const int64_t K = p.K, R = p.interleave, N = p.totalRows();
  const int64_t threads = p.threads > 0 ? p.threads : 128;
  const int64_t warps = threads / 32, tileM = std::max<int64_t>(p.tile_m, 1);
  assert(p.block == 16 && K % 64 == 0 && 32 % R == 0 && N % R == 0 &&
         threads % 32 == 0 && "checked by the GPU plan");
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  SmallVector<MemRefType> types = {
      MemRefType::get({p.max_batch * K / 4}, i32), // q, as words
      MemRefType::get({p.max_batch}, f32),
      MemRefType::get({N * K / 16}, i32),          // W, as words
      MemRefType::get({N}, f32),
  };
  for (int64_t n : p.parts)
    types.push_back(MemRefType::get({p.max_batch * n}, f32));
  if (p.residual)
    types.push_back(MemRefType::get({p.max_batch * p.parts[0]}, f32));
  // The wgmma path stages activations and decoded weights in shared memory.
  const bool useWgmma = !singleToken && p.mma == "wgmma";
  const int64_t warpgroups = std::max<int64_t>(threads / 128, 1);
  const int64_t stageS = wgmmaStageSteps(p, warpgroups);
  const int64_t wgTokens = 64 * warpgroups, wgRows = 8 * warps;
  const int64_t stageBytes = (wgTokens + wgRows) * 64 * stageS;
  SmallVector<MemRefType> shared;
  if (useWgmma) {
    assert(R == 8 && threads % 128 == 0 && "checked by the GPU emitter");
    shared = {sharedBuffer(b.getContext(), kWgmmaBuffers * stageBytes / 4, i32)};
  }
  GpuKernelArgs a;
  gpu::GPUFuncOp f = createGpuKernel(b, gm, name, types, shared, threads, &a);
  Location loc = f.getLoc();
  Value q = a.buffers[0], W = a.buffers[2];
  if (useWgmma) // 16-byte stores, and wgmma descriptors need 16-byte alignment
    f.setWorkgroupAttributionAttr(0, b.getStringAttr(LLVM::LLVMDialect::getAlignAttrName()),
                                  b.getI64IntegerAttr(128));

  const int64_t steps = K / 64, chunks = steps * R, iters = (chunks + 31) / 32;
  const int64_t U = std::clamp<int64_t>(p.unroll, 1, iters), outer = (iters + U - 1) / U;
  const int64_t wordsK = K / 4;
  Value c32 = cIndex(b, loc, 32);
  Value lane = arith::RemUIOp::create(b, loc, a.tid, c32);
  Value warp = arith::DivUIOp::create(b, loc, a.tid, c32);
  Value group = arith::AddIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, a.begin, cIndex(b, loc, R)),
      arith::AddIOp::create(b, loc,
                            arith::MulIOp::create(b, loc, a.block, cIndex(b, loc, warps)),
                            warp));
  Value r = arith::RemUIOp::create(b, loc, lane, cIndex(b, loc, R));
  Value row = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, group, cIndex(b, loc, R)), r);
  // A warp past the last group (the grid's last block) streams the last
  // group again, in bounds, and stores nothing.
  Value gLoad = arith::MinUIOp::create(b, loc, group, cIndex(b, loc, N / R - 1));
  Value gBase = arith::MulIOp::create(b, loc, gLoad, cIndex(b, loc, R * K / 16));
  Value last = arith::SubIOp::create(b, loc, a.t1, cIndex(b, loc, 1));
  Value zero = cI32(b, loc, 0), mask = cI32(b, loc, 0x03030303),
        ones = cI32(b, loc, 0x01010101);

  auto forT = [&](Value lb, Value ub, Value st, ValueRange inits,
                  function_ref<SmallVector<Value>(OpBuilder &, Location, Value,
                                                  ValueRange)>
                      body) {
    return scf::ForOp::create(b, loc, lb, ub, st, inits,
                              [&](OpBuilder &b, Location loc, Value iv, ValueRange it) {
                                scf::YieldOp::create(b, loc, body(b, loc, iv, it));
                              })
        .getResults();
  };

  // y of row `row` for token t from its sum and the token's activation sum:
  // the CPU epilogue (storeMatmulOutput) into the row's part.
  auto storeRow = [&](OpBuilder &b, Location loc, Value acc, Value t, Value row) {
    Value st = memref::LoadOp::create(b, loc, a.buffers[1], ValueRange{t});
    std::function<void(OpBuilder &, Location, size_t, int64_t)> store =
        [&](OpBuilder &b, Location loc, size_t part, int64_t base) {
          if (part + 1 == p.parts.size()) {
            cpu::storeMatmulOutput(b, loc, p, a, part, base, acc, st, t, row);
            return;
          }
          Value in = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                           cIndex(b, loc, base + p.parts[part]));
          scf::IfOp::create(
              b, loc, in,
              [&](OpBuilder &b, Location loc) {
                cpu::storeMatmulOutput(b, loc, p, a, part, base, acc, st, t, row);
                scf::YieldOp::create(b, loc);
              },
              [&](OpBuilder &b, Location loc) {
                store(b, loc, part + 1, base + p.parts[part]);
                scf::YieldOp::create(b, loc);
              });
        };
    store(b, loc, 0, 0);
  };

  auto dp4aPath = [&](OpBuilder &b, Location loc, int64_t TM) {
  forT(a.t0, a.t1, cIndex(b, loc, TM), {}, [&](OpBuilder &b, Location loc, Value tt,
                                             ValueRange) -> SmallVector<Value> {
    // Row word offsets of this tile's tokens (a short tile repeats the last).
    SmallVector<Value> tokRow;
    for (int64_t j = 0; j < TM; ++j) {
      Value t = arith::MinUIOp::create(
          b, loc, arith::AddIOp::create(b, loc, tt, cIndex(b, loc, j)), last);
      tokRow.push_back(arith::MulIOp::create(b, loc, t, cIndex(b, loc, wordsK)));
    }
    SmallVector<Value> init(2 * TM, zero);
    // U chunks per lane per iteration, unrolled so that their loads are in
    // flight together; a chunk past the group's end (when 32 U does not
    // divide the chunk count) reads chunk 0 and counts as zero weights.
    SmallVector<Value> sums = forT(
        cIndex(b, loc, 0), cIndex(b, loc, outer), cIndex(b, loc, 1), init,
        [&](OpBuilder &b, Location loc, Value i, ValueRange acc) -> SmallVector<Value> {
          SmallVector<Value> out(acc.begin(), acc.end());
          for (int64_t u = 0; u < U; ++u) {
            Value c = arith::AddIOp::create(
                b, loc,
                arith::MulIOp::create(
                    b, loc, arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, i, cIndex(b, loc, U)),
                                                  cIndex(b, loc, u)),
                    c32),
                lane);
            Value valid;
            if (chunks % (32 * U) != 0) {
              valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, c,
                                            cIndex(b, loc, chunks));
              c = arith::SelectOp::create(b, loc, valid, c, cIndex(b, loc, 0));
            }
            Value s = arith::DivUIOp::create(b, loc, c, cIndex(b, loc, R));
            Value wOff = arith::AddIOp::create(
                b, loc, gBase, arith::MulIOp::create(b, loc, c, cIndex(b, loc, 4)));
            Value wv = vector::LoadOp::create(b, loc, VectorType::get({4}, i32), W,
                                              ValueRange{wOff}, false, llvm::Align(16));
            if (valid)
              wv = arith::SelectOp::create(
                  b, loc, valid, wv,
                  arith::ConstantOp::create(
                      b, loc, DenseElementsAttr::get(VectorType::get({4}, i32),
                                                     b.getI32IntegerAttr(0))));
            Value words[4];
            for (int iw = 0; iw < 4; ++iw)
              words[iw] = vector::ExtractOp::create(b, loc, wv, int64_t(iw));
            Value sOff = arith::MulIOp::create(b, loc, s, cIndex(b, loc, 16));
            for (int64_t j = 0; j < TM; ++j) {
              Value base = arith::AddIOp::create(b, loc, tokRow[j], sOff);
              for (int pp = 0; pp < 4; ++pp) {
                Value av = vector::LoadOp::create(
                    b, loc, VectorType::get({4}, i32), q,
                    ValueRange{arith::AddIOp::create(b, loc, base, cIndex(b, loc, 4 * pp))},
                    false, llvm::Align(16));
                for (int iw = 0; iw < 4; ++iw) {
                  Value act = vector::ExtractOp::create(b, loc, av, int64_t(iw));
                  Value codes = words[iw];
                  if (pp)
                    codes = arith::ShRUIOp::create(b, loc, codes, cI32(b, loc, 2 * pp));
                  codes = arith::AndIOp::create(b, loc, codes, mask);
                  out[j] = dp4a(b, loc, codes, act, out[j]);
                }
              }
            }
          }
          return out;
        });
    // Activation sums: lane-strided words of each token's row.
    for (int64_t j = 0; j < TM; ++j) {
      SmallVector<Value> s = forT(
          lane, cIndex(b, loc, wordsK), c32, {zero},
          [&](OpBuilder &b, Location loc, Value k, ValueRange it) -> SmallVector<Value> {
            Value w = memref::LoadOp::create(
                b, loc, q, ValueRange{arith::AddIOp::create(b, loc, tokRow[j], k)});
            return {dp4a(b, loc, ones, w, it[0])};
          });
      sums[TM + j] = s[0];
    }
    for (int64_t j = 0; j < TM; ++j) {
      sums[j] = warpReduce(b, loc, sums[j], false, R);
      sums[TM + j] = warpReduce(b, loc, sums[TM + j], false, 1);
    }
    // Lanes 0..R-1 store their row.
    Value mine = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, lane, cIndex(b, loc, R)),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, cIndex(b, loc, N)));
    for (int64_t j = 0; j < TM; ++j) {
      Value t = arith::AddIOp::create(b, loc, tt, cIndex(b, loc, j));
      Value ok = arith::AndIOp::create(
          b, loc, mine,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, t, a.t1));
      Value acc = arith::SubIOp::create(b, loc, sums[j], sums[TM + j]);
      scf::IfOp::create(b, loc, ok, [&](OpBuilder &b, Location loc) {
        storeRow(b, loc, acc, t, row);
        scf::YieldOp::create(b, loc);
      });
    }
    return {};
  });
  };

  // Tensor cores (R = 8 rows per group = mma's n8): mma.sync m16n8k32,
  // A = 16 tokens x 32 activations (s8, row), B = 32 weights x the group's
  // 8 rows (u8 codes c = w + 1, col), C = int32; the activation sums of the
  // A fragments are subtracted at the end, as in the dp4a path.
  //   lane = 4 gq + tq. Per step s (64 weights) the lane loads word tq of
  //   row gq's chunk (the warp: the group's 128 contiguous bytes); bit
  //   plane 2h + j of it is B register j of the mma over k = s*64 + 32h ..
  //   (B fragment: k = 4 tq + e + 16 j, n = gq). A registers: tokens gq
  //   and gq + 8 at words 16 s + 8 h + tq and + 4 (A fragment: row gq /
  //   gq + 8, k = 4 tq + e (+16)). C register i: token gq + 8 (i >= 2),
  //   row 2 tq + (i & 1).
  auto mmaPath = [&](OpBuilder &b, Location loc) {
    const int64_t MT = std::min<int64_t>(tileM, 4); // 16-token tiles per pass
    Value gq = arith::DivUIOp::create(b, loc, lane, cIndex(b, loc, 4));
    Value tq = arith::RemUIOp::create(b, loc, lane, cIndex(b, loc, 4));
    Value wLane = arith::AddIOp::create(
        b, loc, gBase,
        arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, gq, cIndex(b, loc, 4)), tq));
    Type accTy = LLVM::LLVMStructType::getLiteral(b.getContext(), {i32, i32, i32, i32});
    forT(a.t0, a.t1, cIndex(b, loc, 16 * MT), {}, [&](OpBuilder &b, Location loc, Value tt,
                                                   ValueRange) -> SmallVector<Value> {
      // Word offsets of each tile's two A rows (tokens past t1 repeat the last).
      SmallVector<Value> rowA;
      for (int64_t m = 0; m < MT; ++m)
        for (int64_t half = 0; half < 2; ++half) {
          Value t = arith::AddIOp::create(
              b, loc, tt, arith::AddIOp::create(b, loc, gq, cIndex(b, loc, 16 * m + 8 * half)));
          t = arith::MinUIOp::create(b, loc, t, last);
          rowA.push_back(arith::AddIOp::create(
              b, loc, arith::MulIOp::create(b, loc, t, cIndex(b, loc, wordsK)), tq));
        }
      // Per tile: 4 accumulators, then 2 activation sums (tokens gq, gq + 8).
      SmallVector<Value> init(6 * MT, zero);
      SmallVector<Value> res = forT(
          cIndex(b, loc, 0), cIndex(b, loc, steps), cIndex(b, loc, 1), init,
          [&](OpBuilder &b, Location loc, Value s, ValueRange it) -> SmallVector<Value> {
            SmallVector<Value> out(it.begin(), it.end());
            Value w = memref::LoadOp::create(
                b, loc, W,
                ValueRange{arith::AddIOp::create(
                    b, loc, wLane, arith::MulIOp::create(b, loc, s, cIndex(b, loc, 32)))});
            Value planes[4];
            for (int pp = 0; pp < 4; ++pp) {
              Value v = pp ? Value(arith::ShRUIOp::create(b, loc, w, cI32(b, loc, 2 * pp))) : w;
              planes[pp] = arith::AndIOp::create(b, loc, v, mask);
            }
            Value sOff = arith::MulIOp::create(b, loc, s, cIndex(b, loc, 16));
            for (int64_t h = 0; h < 2; ++h) {
              Value kOff = arith::AddIOp::create(b, loc, sOff, cIndex(b, loc, 8 * h));
              for (int64_t m = 0; m < MT; ++m) {
                auto ld = [&](int64_t half, int64_t plus) -> Value {
                  Value i = arith::AddIOp::create(
                      b, loc, rowA[2 * m + half],
                      arith::AddIOp::create(b, loc, kOff, cIndex(b, loc, plus)));
                  return memref::LoadOp::create(b, loc, q, ValueRange{i});
                };
                Value a0 = ld(0, 0), a1 = ld(1, 0), a2 = ld(0, 4), a3 = ld(1, 4);
                SmallVector<Value> c(out.begin() + 4 * m, out.begin() + 4 * m + 4);
                auto mma = NVVM::MmaOp::create(
                    b, loc, accTy, ValueRange{a0, a1, a2, a3},
                    ValueRange{planes[2 * h], planes[2 * h + 1]}, c, {16, 8, 32},
                    std::nullopt, NVVM::MMAIntOverflow::wrapped,
                    std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::s8, NVVM::MMATypes::u8},
                    std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                                   NVVM::MMALayout::col});
                for (int64_t i = 0; i < 4; ++i)
                  out[4 * m + i] = LLVM::ExtractValueOp::create(b, loc, mma, i);
                Value &s0 = out[4 * MT + 2 * m], &s1 = out[4 * MT + 2 * m + 1];
                s0 = dp4a(b, loc, ones, a2, dp4a(b, loc, ones, a0, s0));
                s1 = dp4a(b, loc, ones, a3, dp4a(b, loc, ones, a1, s1));
              }
            }
            return out;
          });
      Value grpOk = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, group,
                                          cIndex(b, loc, N / R));
      for (int64_t m = 0; m < MT; ++m) {
        Value sums[2];
        for (int64_t half = 0; half < 2; ++half) {
          // The quad's four lanes hold a quarter of each step: xor 1, 2.
          Value v = res[4 * MT + 2 * m + half];
          Value width = cI32(b, loc, 32);
          for (int64_t d = 1; d < 4; d *= 2) {
            auto sh = gpu::ShuffleOp::create(b, loc, v, cI32(b, loc, d), width,
                                             gpu::ShuffleMode::XOR);
            v = arith::AddIOp::create(b, loc, v, sh.getShuffleResult());
          }
          sums[half] = v;
        }
        for (int64_t i = 0; i < 4; ++i) {
          Value t = arith::AddIOp::create(
              b, loc, tt,
              arith::AddIOp::create(b, loc, gq, cIndex(b, loc, 16 * m + 8 * (i / 2))));
          Value rowI = arith::AddIOp::create(
              b, loc, arith::MulIOp::create(b, loc, group, cIndex(b, loc, R)),
              arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, tq, cIndex(b, loc, 2)),
                                    cIndex(b, loc, i & 1)));
          Value ok = arith::AndIOp::create(
              b, loc, grpOk,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, t, a.t1));
          Value acc = arith::SubIOp::create(b, loc, res[4 * m + i], sums[i / 2]);
          scf::IfOp::create(b, loc, ok, [&](OpBuilder &b, Location loc) {
            storeRow(b, loc, acc, t, rowI);
            scf::YieldOp::create(b, loc);
          });
        }
      }
      return {};
    });
  };

  // Hopper warpgroup MMA (mma = "wgmma", sm_90a): wgmma.mma_async
  // m64nNk32.s32.s8.s8 with A = 64 tokens x 32 activations and B = 32
  // weights x the block's N = 8 * warps rows, both K-major in shared memory
  // without swizzle: core matrices of 8 rows x 16 bytes, adjacent in K 128
  // bytes apart (LBO), in M/N 512 S bytes apart (SBO), where a stage holds
  // S steps (64 S bytes of each row). The weights are decoded to s8 (w =
  // (c + 0x7f) ^ 0x80 per byte, no carries): mixed s8 x u8 wgmma needs
  // PTX 8.4, and with signed weights no activation sums are needed.
  //   Per stage the block copies 64 tokens per warpgroup of activations
  //   (2 S 16-byte chunks per thread) and decodes its rows' 2-bit words
  //   (S words per thread, one 128-byte run per group and step); then a
  //   proxy fence and a barrier, and each warpgroup issues 2 S wgmmas on its
  //   own 64 tokens. Three stage buffers: each warp waits for all but its
  //   last group of wgmmas, so a buffer is rewritten only after every
  //   warp's wgmmas on it are complete (two barriers later).
  //   D register i of warp w (4 per warpgroup): token 16 (w % 4) + gq +
  //   8 ((i % 4) / 2), row 8 (i / 4) + 2 tq + (i & 1), i.e. group i / 4 of
  //   the block.
  auto wgmmaPath = [&](OpBuilder &b, Location loc) {
    Value smem = f.getWorkgroupAttributions()[0];
    const int64_t S = stageS, sbo = 512 * S, aWords = wgTokens * 16 * S;
    const int64_t stageWords = stageBytes / 4, chunksA = 2 * S;
    const int64_t tokStride = threads / (4 * S), grpStride = threads / (32 * S);
    Type i64 = b.getI64Type();
    Value gq = arith::DivUIOp::create(b, loc, lane, cIndex(b, loc, 4));
    Value tq = arith::RemUIOp::create(b, loc, lane, cIndex(b, loc, 4));
    Value wg = arith::DivUIOp::create(b, loc, warp, cIndex(b, loc, 4));
    Value wInG = arith::RemUIOp::create(b, loc, warp, cIndex(b, loc, 4));
    Value blockGroup = arith::AddIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, a.begin, cIndex(b, loc, R)),
        arith::MulIOp::create(b, loc, a.block, cIndex(b, loc, warps)));
    Value base = arith::IndexCastUIOp::create(
        b, loc, i64, memref::ExtractAlignedPointerAsIndexOp::create(b, loc, smem));
    // This thread's activation chunk: kc of tokens m0 + i tokStride.
    Value kc = arith::RemUIOp::create(b, loc, a.tid, cIndex(b, loc, 4 * S));
    Value m0 = arith::DivUIOp::create(b, loc, a.tid, cIndex(b, loc, 4 * S));
    SmallVector<Value> aSmem; // word index of chunk i in a stage buffer
    for (int64_t i = 0; i < chunksA; ++i) {
      Value m = arith::AddIOp::create(b, loc, m0, cIndex(b, loc, i * tokStride));
      Value byte = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, m, cIndex(b, loc, 8)),
                                cIndex(b, loc, sbo)),
          arith::AddIOp::create(
              b, loc, arith::MulIOp::create(b, loc, kc, cIndex(b, loc, 128)),
              arith::MulIOp::create(b, loc, arith::RemUIOp::create(b, loc, m, cIndex(b, loc, 8)),
                                    cIndex(b, loc, 16))));
      aSmem.push_back(arith::DivUIOp::create(b, loc, byte, cIndex(b, loc, 4)));
    }
    // This thread's weight words: offset off of groups g0 + j grpStride.
    Value off = arith::RemUIOp::create(b, loc, a.tid, cIndex(b, loc, 32 * S));
    Value g0 = arith::DivUIOp::create(b, loc, a.tid, cIndex(b, loc, 32 * S));
    SmallVector<Value> wWord, bSmem;
    for (int64_t j = 0; j < S; ++j) {
      Value g = arith::AddIOp::create(b, loc, g0, cIndex(b, loc, j * grpStride));
      Value gl = arith::MinUIOp::create(b, loc, arith::AddIOp::create(b, loc, blockGroup, g),
                                        cIndex(b, loc, N / R - 1));
      wWord.push_back(arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, gl, cIndex(b, loc, R * K / 16)), off));
      // byte (g * 512 S + (4 sIn + p) * 128 + r * 16 + 4 i) / 4, p = 0.
      Value sIn = arith::DivUIOp::create(b, loc, off, cIndex(b, loc, 32));
      bSmem.push_back(arith::AddIOp::create(
          b, loc,
          arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, g, cIndex(b, loc, 128 * S)),
                                arith::MulIOp::create(b, loc, sIn, cIndex(b, loc, 128))),
          arith::AddIOp::create(b, loc, cIndex(b, loc, aWords),
                                arith::RemUIOp::create(b, loc, off, cIndex(b, loc, 32)))));
    }
    const int64_t nAcc = wgRows / 2;
    Type accTy = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                  SmallVector<Type>(nAcc, i32));
    auto shape = NVVM::MMAShapeAttr::get(b.getContext(), 64, wgRows, 32);
    forT(a.t0, a.t1, cIndex(b, loc, wgTokens), {}, [&](OpBuilder &b, Location loc, Value tt,
                                                    ValueRange) -> SmallVector<Value> {
      SmallVector<Value> tokWord; // q word offset of chunk i's token
      for (int64_t i = 0; i < chunksA; ++i) {
        Value t = arith::AddIOp::create(b, loc, tt,
                                        arith::AddIOp::create(b, loc, m0, cIndex(b, loc, i * tokStride)));
        t = arith::MinUIOp::create(b, loc, t, last);
        tokWord.push_back(arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, t, cIndex(b, loc, wordsK)),
            arith::MulIOp::create(b, loc, kc, cIndex(b, loc, 4))));
      }
      Value acc0 = LLVM::PoisonOp::create(b, loc, accTy);
      for (int64_t i = 0; i < nAcc; ++i)
        acc0 = LLVM::InsertValueOp::create(b, loc, acc0, zero, i);
      SmallVector<Value> init = {acc0};
      SmallVector<Value> res = forT(
          cIndex(b, loc, 0), cIndex(b, loc, steps / S), cIndex(b, loc, 1), init,
          [&](OpBuilder &b, Location loc, Value st, ValueRange it) -> SmallVector<Value> {
            SmallVector<Value> out(it.begin(), it.end());
            Value buf = arith::MulIOp::create(
                b, loc, arith::RemUIOp::create(b, loc, st, cIndex(b, loc, kWgmmaBuffers)),
                cIndex(b, loc, stageWords));
            VectorType v4 = VectorType::get({4}, i32);
            for (int64_t i = 0; i < chunksA; ++i) {
              Value src = arith::AddIOp::create(
                  b, loc, tokWord[i], arith::MulIOp::create(b, loc, st, cIndex(b, loc, 16 * S)));
              Value v = vector::LoadOp::create(b, loc, v4, q, ValueRange{src}, false,
                                               llvm::Align(16));
              vector::StoreOp::create(b, loc, v, smem,
                                      ValueRange{arith::AddIOp::create(b, loc, buf, aSmem[i])},
                                      false, llvm::Align(16));
            }
            for (int64_t j = 0; j < S; ++j) {
              Value w = memref::LoadOp::create(
                  b, loc, W,
                  ValueRange{arith::AddIOp::create(
                      b, loc, wWord[j], arith::MulIOp::create(b, loc, st, cIndex(b, loc, 32 * S)))});
              for (int pp = 0; pp < 4; ++pp) {
                Value v = pp ? Value(arith::ShRUIOp::create(b, loc, w, cI32(b, loc, 2 * pp))) : w;
                v = arith::AndIOp::create(b, loc, v, mask);
                v = arith::XOrIOp::create(b, loc,
                                          arith::AddIOp::create(b, loc, v, cI32(b, loc, 0x7F7F7F7F)),
                                          cI32(b, loc, int32_t(0x80808080u)));
                memref::StoreOp::create(
                    b, loc, v, smem,
                    ValueRange{arith::AddIOp::create(
                        b, loc, buf, arith::AddIOp::create(b, loc, bSmem[j], cIndex(b, loc, 32 * pp)))});
              }
            }
            // Generic-proxy stores, then async-proxy (wgmma) reads.
            NVVM::FenceProxyOp::create(b, loc, NVVM::ProxyKind::async_shared,
                                       NVVM::SharedSpaceAttr::get(b.getContext(),
                                                                  NVVM::SharedSpace::shared_cta));
            gpu::BarrierOp::create(b, loc);
            NVVM::WgmmaFenceAlignedOp::create(b, loc);
            Value bufAddr = arith::AddIOp::create(
                b, loc, base,
                arith::IndexCastUIOp::create(
                    b, loc, i64, arith::MulIOp::create(b, loc, buf, cIndex(b, loc, 4))));
            Value aAddr = arith::AddIOp::create(
                b, loc, bufAddr,
                arith::IndexCastUIOp::create(
                    b, loc, i64, arith::MulIOp::create(b, loc, wg, cIndex(b, loc, 8 * sbo))));
            Value bAddr = arith::AddIOp::create(
                b, loc, bufAddr, arith::ConstantIntOp::create(b, loc, aWords * 4, 64));
            Value acc = out[0];
            for (int64_t k32 = 0; k32 < 2 * S; ++k32) {
              Value kOff = arith::ConstantIntOp::create(b, loc, k32 * 2 * 128, 64);
              Value dA = wgmmaDescriptor(b, loc, arith::AddIOp::create(b, loc, aAddr, kOff), 128, sbo);
              Value dB = wgmmaDescriptor(b, loc, arith::AddIOp::create(b, loc, bAddr, kOff), 128, sbo);
              acc = NVVM::WgmmaMmaAsyncOp::create(
                  b, loc, accTy, acc, dA, dB, shape, NVVM::WGMMATypes::s8, NVVM::WGMMATypes::s8,
                  NVVM::WGMMATypes::s32, NVVM::WGMMAScaleOut::one, NVVM::WGMMAScaleIn::one,
                  NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row, NVVM::MMALayout::col,
                  NVVM::MMAIntOverflowAttr());
            }
            NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
            NVVM::WgmmaWaitGroupSyncOp::create(b, loc, uint64_t(1));
            out[0] = acc;
            return out;
          });
      NVVM::WgmmaWaitGroupSyncOp::create(b, loc, uint64_t(0));
      Value mBase = arith::AddIOp::create(
          b, loc,
          arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, wg, cIndex(b, loc, 64)),
                                arith::MulIOp::create(b, loc, wInG, cIndex(b, loc, 16))),
          gq);
      for (int64_t i = 0; i < nAcc; ++i) {
        const int64_t half = (i % 4) / 2, grp = i / 4;
        Value t = arith::AddIOp::create(
            b, loc, tt, arith::AddIOp::create(b, loc, mBase, cIndex(b, loc, 8 * half)));
        Value g = arith::AddIOp::create(b, loc, blockGroup, cIndex(b, loc, grp));
        Value rowI = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, g, cIndex(b, loc, R)),
            arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, tq, cIndex(b, loc, 2)),
                                  cIndex(b, loc, i & 1)));
        Value ok = arith::AndIOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, g, cIndex(b, loc, N / R)),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, t, a.t1));
        Value acc = LLVM::ExtractValueOp::create(b, loc, res[0], i);
        scf::IfOp::create(b, loc, ok, [&](OpBuilder &b, Location loc) {
          storeRow(b, loc, acc, t, rowI);
          scf::YieldOp::create(b, loc);
        });
      }
      // The next pass rewrites the stage buffers.
      gpu::BarrierOp::create(b, loc);
      return {};
    });
  };

  // One token (decode): tiles of one; a few: tile_m; many: tensor cores.
  Value n = arith::SubIOp::create(b, loc, a.t1, a.t0);
  auto branch = [&](int64_t atLeast, function_ref<void(OpBuilder &, Location)> yes,
                    function_ref<void(OpBuilder &, Location)> no) {
    Value c = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, n,
                                    cIndex(b, loc, atLeast));
    scf::IfOp::create(
        b, loc, c,
        [&](OpBuilder &b, Location loc) {
          yes(b, loc);
          scf::YieldOp::create(b, loc);
        },
        [&](OpBuilder &b, Location loc) {
          no(b, loc);
          scf::YieldOp::create(b, loc);
        });
  };
  auto several = [&](OpBuilder &b, Location loc) {
    if (tileM == 1)
      return dp4aPath(b, loc, 1);
    branch(2, [&](OpBuilder &b, Location loc) { dp4aPath(b, loc, tileM); },
           [&](OpBuilder &b, Location loc) { dp4aPath(b, loc, 1); });
  };
  if (singleToken)
    dp4aPath(b, loc, 1);
  else if (useWgmma)
    branch(kMmaMinTokens, wgmmaPath, several);
  else if (R == 8 && p.mma != "dp4a")
    branch(kMmaMinTokens, mmaPath, several);
  else
    several(b, loc);
  gpu::ReturnOp::create(b, loc);
  return {name.str(), threads, warps * R};
}

} // namespace tern::nvptx
