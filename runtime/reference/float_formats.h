//===- float_formats.h - bf16 / f16 <-> f32 conversions ---------*- C++ -*-===//
//
// The 16-bit float storage formats of model files: bfloat16 (HF checkpoints)
// and IEEE binary16 (GGUF F16, the d of ggml blocks). Conversions to f32 are
// exact; conversions from f32 round to nearest, ties to even, like PyTorch
// and ggml. Plain bit manipulation: no dependence on the compiler's _Float16.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_REFERENCE_FLOAT_FORMATS_H
#define TERN_RUNTIME_REFERENCE_FLOAT_FORMATS_H

#include <cstdint>

namespace tern {
namespace ref {

/// bfloat16 bits -> float (exact).
float bf16ToF32(uint16_t h);
/// float -> bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN.
uint16_t f32ToBf16(float f);

/// IEEE binary16 bits -> float (exact, subnormals included).
float f16ToF32(uint16_t h);
/// float -> binary16 bits, round to nearest even; overflow gives +-inf,
/// NaN stays a (quiet) NaN.
uint16_t f32ToF16(float f);

/// f32ToBf16 followed by bf16ToF32.
inline float roundToBf16(float f) { return bf16ToF32(f32ToBf16(f)); }

} // namespace ref
} // namespace tern

#endif // TERN_RUNTIME_REFERENCE_FLOAT_FORMATS_H
