//===- GraphBuilder.h - BitNet b1.58 as a tern graph ------------*- C++ -*-===//
//
// Builds the forward pass of a BitNet b1.58 model (HF transformers'
// modeling_bitnet.py) as tern graph ops, with every weight a `tern.global`
// reference (file + offset) under its Hugging Face tensor name. The readers
// (safetensors, GGUF) supply where each tensor lives.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_GRAPHBUILDER_H
#define TERN_FRONTEND_GRAPHBUILDER_H

#include "runtime/reference/model_config.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <functional>
#include <string>

namespace tern::frontend {

/// What kind of tensor the builder asks for.
enum class TensorKind {
  Float,   ///< norm weights, embeddings, an untied lm_head
  Ternary, ///< a BitLinear weight
  Scale,   ///< an HF BitLinear weight_scale (bf16 [1])
};

/// Where one stored tensor lives and how it is stored.
struct TensorLocation {
  std::string file;
  int64_t offset = 0;
  /// Float tensors: element type as stored, "bf16" (the default, HF), "f16"
  /// or "f32".
  std::string float_type = "bf16";
  /// Ternary tensors: empty for the HF packed layout (uint8 [out/4, in]
  /// with a separate `weight_scale` tensor); otherwise a `tern.global`
  /// encoding ("ggml.tq2_0", "ggml.tq1_0", "ggml.i2_s", "absmean.bf16", "ternary.f16", ...)
  /// whose per-matrix scale is `scale`, emitted as a constant.
  std::string encoding;
  float scale = 0.0f;
};

/// Maps an HF tensor name (e.g. "model.layers.0.self_attn.q_proj.weight"),
/// its kind and its size in bytes in the HF layout to its location.
using TensorLocator = std::function<TensorLocation(
    const std::string &name, TensorKind kind, int64_t bytes)>;

/// A locator that places tensors one after another in `file`, in the order
/// the builder asks for them (what a freshly written checkpoint looks like).
TensorLocator sequentialLocator(std::string file);

/// Emits `func.func @forward(%tokens: tensor<?xi32>, %positions: tensor<?xi32>,
/// %start: index, %k_cache_0, %v_cache_0, ...) -> (logits, updated caches...)`
/// and the module's tern.global weights. Ternary weights use the HF
/// checkpoint layout (uint8 [out/4, in], packed along the output dimension)
/// and the 2B4T checkpoint's multiply scale mode. Returns null (after
/// emitting an error) if the config is invalid.
mlir::OwningOpRef<mlir::ModuleOp>
buildBitNetGraph(mlir::MLIRContext &ctx, const tern::ref::ModelConfig &config,
                 const TensorLocator &locate);

} // namespace tern::frontend

#endif
