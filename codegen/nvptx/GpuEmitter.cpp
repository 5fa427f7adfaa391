//===- GpuEmitter.cpp - the NVPTX kernels of a plan -----------------------===//
#include "codegen/nvptx/GpuEmitter.h"
#include "codegen/nvptx/GpuKernels.h"

using namespace mlir;

namespace tern::nvptx {

GpuEmitter::GpuEmitter(OpBuilder &b, ModuleOp module, const GpuTarget &target)
    : target(target), gm(kernelModule(b, module, target.chip, target.features)) {}

void GpuEmitter::embedding(OpBuilder &b, StringRef n, const codegen::EmbeddingParams &p) {
  byName[n.str()] = buildGpuEmbeddingKernel(b, gm, n, p);
}
void GpuEmitter::normQuantize(OpBuilder &b, StringRef n,
                              const codegen::NormQuantizeParams &p) {
  byName[n.str()] = buildGpuNormQuantizeKernel(b, gm, n, p);
}
void GpuEmitter::ternaryMatmul(OpBuilder &b, StringRef n,
                               const codegen::TernaryMatmulParams &p) {
  GpuLaunch l = buildGpuTernaryMatmulKernel(b, gm, n, p);
  l.single = buildGpuTernaryMatmulKernel(b, gm, (n + "_gemv").str(), p, true).name;
  byName[n.str()] = l;
}
void GpuEmitter::lutTables(OpBuilder &, StringRef, const codegen::LutTablesParams &) {
  // checkTernaryMatmul rejects lookup-table layouts before any is asked for.
  err = "the GPU kernels have no lookup-table layout";
}
void GpuEmitter::rope(OpBuilder &b, StringRef n, const codegen::RopeParams &p) {
  byName[n.str()] = buildGpuRopeKernel(b, gm, n, p);
}
void GpuEmitter::attention(OpBuilder &b, StringRef n, const codegen::AttentionParams &p) {
  if ((p.max_context + 4) * 4 > kMaxStaticShared && err.empty())
    err = "max_context " + std::to_string(p.max_context) +
          " is too long for the GPU attention kernel (its scores live in " +
          std::to_string(kMaxStaticShared / 1024) + " KiB of shared memory: at most " +
          std::to_string(kMaxStaticShared / 4 - 4) + " positions)";
  if ((p.head_dim % 32 != 0 || flashAttentionSharedBytes(p) > kMaxStaticShared) &&
      err.empty())
    err = "head_dim " + std::to_string(p.head_dim) +
          " is not supported by the GPU attention kernel (a multiple of 32, at most 128)";
  GpuLaunch l = buildGpuAttentionKernel(b, gm, n, p);
  l.single = buildGpuAttentionKernel(b, gm, (n + "_decode").str(), p, true).name;
  byName[n.str()] = l;
}
void GpuEmitter::kvAppend(OpBuilder &b, StringRef n, const codegen::AttentionParams &p) {
  byName[n.str()] = buildGpuKvAppendKernel(b, gm, n, p);
}
void GpuEmitter::floatMatmul(OpBuilder &b, StringRef n, const codegen::FloatMatmulParams &p) {
  byName[n.str()] = buildGpuFloatMatmulKernel(b, gm, n, p);
}
void GpuEmitter::int8Matmul(OpBuilder &b, StringRef n, const codegen::Int8MatmulParams &p) {
  if (p.K % 16 != 0 && err.empty())
    err = "the GPU int8 head needs a hidden size that is a multiple of 16, got " +
          std::to_string(p.K);
  byName[n.str()] = buildGpuInt8MatmulKernel(b, gm, n, p);
}

int64_t GpuEmitter::attentionRange(const codegen::AttentionParams &p) const {
  return nvptx::attentionRange(p);
}

std::string GpuEmitter::checkTernaryMatmul(const codegen::TernaryMatmulParams &p) const {
  if (p.lut != 0)
    return "the GPU kernels read 2-bit codes: compile with --layout=i2";
  if (p.block != 16 || p.K % 64 != 0)
    return "the GPU kernels read #tern.layout<block = 16> (16-byte loads of 64 "
           "weights), got block " + std::to_string(p.block) + " for K = " +
           std::to_string(p.K);
  if (p.interleave < 1 || 32 % p.interleave != 0 || p.totalRows() % p.interleave != 0)
    return "the GPU kernels need an interleave dividing 32 and the row count, got " +
           std::to_string(p.interleave) + " for " + std::to_string(p.totalRows()) +
           " rows";
  if (p.threads != 0 && (p.threads % 32 != 0 || p.threads > 1024))
    return "schedule threads = " + std::to_string(p.threads) +
           " is not a whole number of warps up to 1024";
  if ((p.mma == "mma_sync" || p.mma == "wgmma") && p.interleave != 8)
    return "schedule mma = \"" + p.mma + "\" multiplies 8-row groups: it needs "
           "--interleave=8, got " + std::to_string(p.interleave);
  if (p.mma == "wgmma") {
    if (target.sm != 90 || !target.archSpecific)
      return "schedule mma = \"wgmma\" needs --target=sm_90a (wgmma is an "
             "sm_90a instruction), got --target=" + target.name;
    const int64_t threads = p.threads > 0 ? p.threads : 128;
    if (threads != 128 && threads != 256)
      return "schedule mma = \"wgmma\" runs one or two warpgroups per block: "
             "threads = 128 or 256, got " + std::to_string(threads);
  }
  return "";
}

std::vector<GpuLaunch> GpuEmitter::launches(const std::vector<std::string> &kernels) const {
  std::vector<GpuLaunch> out;
  for (const std::string &k : kernels) {
    auto it = byName.find(k);
    out.push_back(it == byName.end() ? GpuLaunch{k, 0, 0} : it->second);
  }
  return out;
}

} // namespace tern::nvptx
