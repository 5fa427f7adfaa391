//===- quantize.h - BitNet b1.58 activation and weight quantization -*- C++ -*-===//
//
// Scalar reference for the two quantizers of BitNet b1.58 as implemented in
// Hugging Face transformers (integrations/bitnet.py):
//  * per-token absmax int8 activation quantization (ActQuant /
//    BitLinear.activation_quant),
//  * per-tensor absmean ternary weight quantization (WeightQuant, the
//    "online" quantization of AutoBitLinear).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_REFERENCE_QUANTIZE_H
#define TERN_RUNTIME_REFERENCE_QUANTIZE_H

#include <cstddef>
#include <cstdint>

namespace tern {
namespace ref {

/// Rounds to the nearest integer, ties to even (torch.round semantics),
/// independently of the floating-point environment. NaN and infinities are
/// returned unchanged.
float roundHalfEven(float v);

/// Per-token absmax quantization of one row of n activations (HF
/// BitLinear.activation_quant / ActQuant):
///   s   = 127.0f / max(max_i |x_i|, 1e-5f)
///   q_i = clamp(roundHalfEven(x_i * s), -128, 127)   (product in float32)
/// Returns s. The dequantized value is q_i / s. A NaN x_i gives q_i = 0.
float quantizeActivations(const float *x, int n, int8_t *q);

/// Absmean ternary quantization of a whole weight tensor of n values (HF
/// WeightQuant):
///   m   = max(mean_i |w_i|, 1e-5)          (sum accumulated in double)
///   t_i = clamp(roundHalfEven(w_i / m), -1, 1)
/// Returns m, the weight scale to use with ScaleMode::Multiply
/// (w_i ~= t_i * m). A NaN w_i gives t_i = 0.
float quantizeWeightsAbsmean(const float *w, size_t n, int8_t *t);

} // namespace ref
} // namespace tern

#endif // TERN_RUNTIME_REFERENCE_QUANTIZE_H
