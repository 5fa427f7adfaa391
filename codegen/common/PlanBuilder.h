//===- PlanBuilder.h - a scheduled tern graph as kernels + a host plan -*- C++ -*-===//
//
// The last target-neutral step of code generation. Walks `@forward` of a
// fused, packed and scheduled graph in program order and, for each op, asks
// the target's KernelEmitter for (or reuses) a specialized kernel of one of
// KernelParams.h's kinds and appends a step to
// the host plan (runtime/include/tern_plan.h): which kernel, over which
// range, on which buffers. Values become buffers; activation buffers are
// reused once their value is dead; RoPE and residual epilogues work in
// place. Weights are read from the model and re-laid out here (packed
// ternary matrices in the global's #tern.layout, per-row scales, float
// tensors as stored). A target brings its emitter (codegen/cpu/CpuPlan.h,
// codegen/nvptx/GpuEmitter.h) and the few facts of it the plan depends on
// (PlanTarget).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_PLANBUILDER_H
#define TERN_CODEGEN_COMMON_PLANBUILDER_H

#include "codegen/common/KernelParams.h"
#include "dialect/TernAttrs.h"
#include "frontend/model/Model.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tern::codegen {

/// The ternary matmul's knobs from its #tern.schedule (null: the kernel's
/// own defaults), on top of the layout fields `p` already has (interleave,
/// lut): tile_m, tile_n, prefetch, gemv_tile_n (default: one interleave
/// group), and the GPU's threads, unroll, mma.
void applySchedule(mlir::tern::ScheduleAttr s, TernaryMatmulParams *p);

/// The LM heads' knobs from their #tern.schedule (null: one row at a time,
/// no prefetch): tile_n, prefetch.
void applySchedule(mlir::tern::ScheduleAttr s, FloatMatmulParams *p);
/// Also `isa`: the int8 head's dot-product instructions, which must run
/// on `target` (its own, or AVX2 on an AVX-512 VNNI target), and the
/// block that follows from them. "" on success, else why not.
std::string applySchedule(mlir::tern::ScheduleAttr s, DotIsa target, int64_t vectorBytes,
                          Int8MatmulParams *p);
/// Attention: tile_n query heads per pass over the cache (1 by default).
void applySchedule(mlir::tern::ScheduleAttr s, AttentionParams *p);
/// Norm + quantize: tile_m token rows per pass, unroll chunks per step (1
/// and 1 by default).
void applySchedule(mlir::tern::ScheduleAttr s, NormQuantizeParams *p);

struct PlanBuffer {
  uint32_t kind = 0;  ///< tern_buffer_kind
  uint64_t bytes = 0; ///< see tern_buffer_kind
  int blob = -1;      ///< TERN_BUF_WEIGHT: index into CompiledPlan::blobs
  std::string name;   ///< what it holds (for --emit=plan and errors)
};

struct PlanStep {
  uint32_t kernel = 0;
  uint32_t range_kind = 0;
  int64_t range = 0;
  int64_t grain = 1;
  uint32_t flags = 0;
  std::vector<uint32_t> args;
  std::string op; ///< the graph op it runs, for listings
  std::string schedule; ///< its #tern.schedule and where it came from, if any
};

struct CompiledPlan {
  std::vector<std::string> kernels; ///< kernel function names, table order
  std::vector<PlanBuffer> buffers;
  std::vector<PlanStep> steps;
  std::vector<std::vector<uint8_t>> blobs; ///< weight bytes
  int64_t max_batch = 0;
};

/// Where the plan's kernels come from: one call per distinct kernel, with
/// the parameters the plan builder derived from the graph (KernelParams.h).
/// Each target brings its own (codegen/cpu/CpuPlan.h, codegen/nvptx), which
/// may also ask for a slightly different plan (below).
class KernelEmitter {
public:
  virtual ~KernelEmitter();
  virtual void embedding(mlir::OpBuilder &b, llvm::StringRef name,
                         const EmbeddingParams &p) = 0;
  virtual void normQuantize(mlir::OpBuilder &b, llvm::StringRef name,
                            const NormQuantizeParams &p) = 0;
  virtual void ternaryMatmul(mlir::OpBuilder &b, llvm::StringRef name,
                             const TernaryMatmulParams &p) = 0;
  virtual void lutTables(mlir::OpBuilder &b, llvm::StringRef name,
                         const LutTablesParams &p) = 0;
  virtual void rope(mlir::OpBuilder &b, llvm::StringRef name,
                    const RopeParams &p) = 0;
  virtual void attention(mlir::OpBuilder &b, llvm::StringRef name,
                         const AttentionParams &p) = 0;
  virtual void floatMatmul(mlir::OpBuilder &b, llvm::StringRef name,
                           const FloatMatmulParams &p) = 0;
  virtual void int8Matmul(mlir::OpBuilder &b, llvm::StringRef name,
                          const Int8MatmulParams &p) = 0;
  /// The attention's KV-cache append as a step of its own before it
  /// (buffers k, v, k_cache, v_cache; range TOKENS); the attention kernel
  /// then takes q, k_cache, v_cache, out over attentionRange() items. For
  /// targets whose attention steps cannot see each other's cache writes
  /// (one GPU launch).
  virtual bool separateKvAppend() const { return false; }
  virtual void kvAppend(mlir::OpBuilder &, llvm::StringRef,
                        const AttentionParams &) {}
  virtual int64_t attentionRange(const AttentionParams &p) const {
    return p.heads * p.max_batch;
  }
  /// RoPE reads a table of ref::rope's cos/sin per position (a weight
  /// buffer after x, see nvptx::buildGpuRopeKernel) instead of computing it.
  virtual bool ropeTable() const { return false; }
  /// Empty, or why this target cannot run the matmul (layout, shape).
  virtual std::string checkTernaryMatmul(const TernaryMatmulParams &) const {
    return "";
  }
  /// Empty, or why this target has no int8 head.
  virtual std::string checkInt8Head() const { return ""; }
};

struct PlanOptions {
  int64_t max_batch = 64;
  bool progress = false;
  /// Quantize the LM head to int8 per row (and its input per token):
  /// half the bytes of an f16 head, at a small logit error.
  bool int8_head = false;
  /// The kernels' source (required; cpu::buildCpuPlan supplies the CPU's).
  KernelEmitter *emitter = nullptr;
};

/// What the plan itself depends on of the target: the dot-product family
/// and the unpacking instruction recorded in the kernel parameters, and the
/// vector width that picks the int8 head's block.
struct PlanTarget {
  DotIsa isa = DotIsa::Generic;
  int vector_bytes = 16;
  bool gfni = false; ///< TernaryMatmulParams::gfni for the 2-bit kernels
  bool amx = false;  ///< AMX-INT8: TernaryMatmulParams::amx where the schedule asks
};

/// The ternary matmul's schedule (as above) and what `target` adds: its
/// dot-product ISA, GFNI unpacking (the 2-bit layouts), and AMX tiles where
/// the schedule's isa is "amx" and the kernel can take them (i2lane with
/// 16-row groups, whole 64-byte K tiles, K <= kAmxMaxK). The plan builder
/// and tern-tune's measurer both set the parameters so, so a candidate is
/// timed as the compiled model will run it.
void applySchedule(mlir::tern::ScheduleAttr s, const PlanTarget &target,
                   TernaryMatmulParams *p);

/// Builds the kernels of `graph`'s @forward through options.emitter (into
/// `kernels`, the module the emitter writes) and the plan into `plan`.
/// Returns false with an error naming the op or tensor that cannot be
/// compiled.
bool buildPlan(mlir::ModuleOp graph, const tern::model::Model &model,
               const PlanTarget &target, const PlanOptions &options,
               mlir::ModuleOp kernels, CompiledPlan *plan, std::string *err);

/// A readable listing of the plan (one line per buffer and step).
std::string describePlan(const CompiledPlan &plan);

} // namespace tern::codegen

#endif
