// RUN: tern-opt %s | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | tern-opt | FileCheck %s
// RUN: tern-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Weights as stored: static tensors of any whole-byte element type and packed
// ternary matrices, each at a byte offset in a model file. Symbol names with
// dots print as bare identifiers (no quotes).

// CHECK: tern.global @model.norm.weight : tensor<2560xbf16> from "model.safetensors" offset 1024
// GENERIC: "tern.global"() <{file = "model.safetensors", offset = 1024 : i64, sym_name = "model.norm.weight", type = tensor<2560xbf16>}> : () -> ()
tern.global @"model.norm.weight" : tensor<2560xbf16> from "model.safetensors" offset 1024

// CHECK: tern.global @model.embed_tokens.weight : tensor<128256x2560xbf16> from "model.safetensors" offset 6144
tern.global @"model.embed_tokens.weight" : tensor<128256x2560xbf16> from "model.safetensors" offset 6144

// CHECK: tern.global @model.layers.0.self_attn.q_proj.weight : !tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>> from "model.safetensors" offset 0
// GENERIC: "tern.global"() <{file = "model.safetensors", offset = 0 : i64, sym_name = "model.layers.0.self_attn.q_proj.weight", type = !tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>>}> : () -> ()
tern.global @"model.layers.0.self_attn.q_proj.weight" : !tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>> from "model.safetensors" offset 0

// Explicitly written default layout parameters are elided.
// CHECK: tern.global @default_layout : !tern.ternary<32x64, #tern.layout<>> from "w.bin" offset 8
tern.global @default_layout : !tern.ternary<32x64, #tern.layout<bits = 2, pack_dim = 1, block = 1, interleave = 1, chunk = 0>> from "w.bin" offset 8

// CHECK: tern.global @plain_int8 : !tern.ternary<32x64, #tern.layout<bits = 8>> from "w.bin" offset 16
tern.global @plain_int8 : !tern.ternary<32x64, #tern.layout<bits = 8>> from "w.bin" offset 16

// CHECK: tern.global @interleaved : !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>> from "w.bin" offset 24
tern.global @interleaved : !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 8>> from "w.bin" offset 24

// Other element types, 3-D, an offset past 4 GiB (i64).
// CHECK: tern.global @f32_weight : tensor<64xf32> from "w.bin" offset 4294967296
tern.global @f32_weight : tensor<64xf32> from "w.bin" offset 4294967296
// CHECK: tern.global @f16_weight : tensor<4x64xf16> from "w.bin" offset 32
tern.global @f16_weight : tensor<4x64xf16> from "w.bin" offset 32
// CHECK: tern.global @int8_weight : tensor<32x64xi8> from "w.bin" offset 48
tern.global @int8_weight : tensor<32x64xi8> from "w.bin" offset 48
// CHECK: tern.global @i64_weight : tensor<2x3x4xi64> from "w.bin" offset 56
tern.global @i64_weight : tensor<2x3x4xi64> from "w.bin" offset 56
// CHECK: tern.global @scalar : tensor<f32> from "w.bin" offset 64
tern.global @scalar : tensor<f32> from "w.bin" offset 64
// CHECK: tern.global @scale_u8 : tensor<1xui8> from "w.bin" offset 68
tern.global @scale_u8 : tensor<1xui8> from "w.bin" offset 68

// Extra attributes go in the trailing attribute dictionary.
// CHECK: tern.global @private_weight : tensor<8xbf16> from "other file.bin" offset 72 {sym_visibility = "private", tern.note = "kept"}
tern.global @private_weight : tensor<8xbf16> from "other file.bin" offset 72 {sym_visibility = "private", tern.note = "kept"}

// GGUF block encodings: the type is the decoded int8 matrix.
// CHECK: tern.global @blk.0.attn_q.weight : tensor<256x512xi8> from "model.gguf" offset 4096 encoding "ggml.tq2_0"
// GENERIC: "tern.global"() <{encoding = "ggml.tq2_0", file = "model.gguf", offset = 4096 : i64, sym_name = "blk.0.attn_q.weight", type = tensor<256x512xi8>}> : () -> ()
tern.global @"blk.0.attn_q.weight" : tensor<256x512xi8> from "model.gguf" offset 4096 encoding "ggml.tq2_0"
// CHECK: tern.global @tq1 : tensor<4x256xi8> from "model.gguf" offset 0 encoding "ggml.tq1_0"
tern.global @tq1 : tensor<4x256xi8> from "model.gguf" offset 0 encoding "ggml.tq1_0"
// I2_S blocks run over the flattened matrix: rows of 64 are fine.
// CHECK: tern.global @i2s : tensor<6x64xi8> from "model.gguf" offset 0 encoding "ggml.i2_s"
tern.global @i2s : tensor<6x64xi8> from "model.gguf" offset 0 encoding "ggml.i2_s"
// Float master weights, quantized by absmean at compile time.
// CHECK: tern.global @master : tensor<4x6xi8> from "model.safetensors" offset 0 encoding "absmean.bf16"
tern.global @master : tensor<4x6xi8> from "model.safetensors" offset 0 encoding "absmean.bf16"
