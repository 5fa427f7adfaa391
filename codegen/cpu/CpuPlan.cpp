//===- CpuPlan.cpp - the CPU's kernel emitter for the plan builder --------===//
#include "codegen/cpu/CpuPlan.h"
#include "codegen/cpu/Kernels.h"

using namespace mlir;

namespace tern::cpu {

namespace {

/// The CPU kernel emitters of Kernels.h, into one module.
class CpuEmitter final : public codegen::KernelEmitter {
public:
  CpuEmitter(ModuleOp m, const CpuTarget &target) : m(m), target(target) {}
  std::string checkTernaryMatmul(const TernaryMatmulParams &p) const override {
    // The x86 kernels load one block per vector register.
    if (p.lut == 0 && p.block > target.vector_bytes && target.isa != DotIsa::Generic &&
        target.isa != DotIsa::NeonDot && target.isa != DotIsa::NeonI8mm)
      return "layout block " + std::to_string(p.block) + " is wider than the target's vectors";
    // i2lane: one vector is R rows' lanes, the dot product's own width.
    if (p.lanes() && (p.interleave * 4 > target.vector_bytes ||
                      (p.interleave != 4 && p.interleave != 8 && p.interleave != 16)))
      return "the i2lane layout's " + std::to_string(p.interleave) + " rows of 4 bytes are not a " +
             std::to_string(target.vector_bytes) + "-byte vector of this target";
    return "";
  }
  void embedding(OpBuilder &b, StringRef n, const EmbeddingParams &p) override {
    buildEmbeddingKernel(b, m, n, p);
  }
  void normQuantize(OpBuilder &b, StringRef n, const NormQuantizeParams &p) override {
    buildNormQuantizeKernel(b, m, n, p);
  }
  void ternaryMatmul(OpBuilder &b, StringRef n, const TernaryMatmulParams &p) override {
    buildTernaryMatmulKernel(b, m, n, p);
  }
  void lutTables(OpBuilder &b, StringRef n, const LutTablesParams &p) override {
    buildLutTablesKernel(b, m, n, p);
  }
  void rope(OpBuilder &b, StringRef n, const RopeParams &p) override {
    buildRopeKernel(b, m, n, p);
  }
  void attention(OpBuilder &b, StringRef n, const AttentionParams &p) override {
    buildAttentionKernel(b, m, n, p);
  }
  void floatMatmul(OpBuilder &b, StringRef n, const FloatMatmulParams &p) override {
    buildFloatMatmulKernel(b, m, n, p);
  }
  void int8Matmul(OpBuilder &b, StringRef n, const Int8MatmulParams &p) override {
    buildInt8MatmulKernel(b, m, n, p);
  }

private:
  ModuleOp m;
  const CpuTarget &target;
};

} // namespace

bool buildCpuPlan(ModuleOp graph, const model::Model &model, const CpuTarget &target,
                  const PlanOptions &options, ModuleOp kernels, CompiledPlan *plan,
                  std::string *err) {
  CpuEmitter cpu(kernels, target);
  PlanOptions o = options;
  if (!o.emitter)
    o.emitter = &cpu;
  return codegen::buildPlan(graph, model, planTargetOf(target), o, kernels, plan, err);
}

codegen::PlanTarget planTargetOf(const CpuTarget &target) {
  codegen::PlanTarget t;
  t.isa = target.isa;
  t.vector_bytes = target.vector_bytes;
  t.gfni = target.gfni;
  t.amx = target.amx;
  return t;
}

} // namespace tern::cpu
