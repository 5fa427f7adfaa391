// RUN: tern-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{'tern.global' op weight @w must have a static shape, got 'tensor<?x64xbf16>'}}
tern.global @w : tensor<?x64xbf16> from "model.safetensors" offset 0

// -----

// expected-error @+1 {{'tern.global' op weight @w element type must be a whole number of bytes, got 'i1'}}
tern.global @w : tensor<16xi1> from "model.safetensors" offset 0

// -----

// expected-error @+1 {{'tern.global' op weight @w element type must be a whole number of bytes, got 'i4'}}
tern.global @w : tensor<16xi4> from "model.safetensors" offset 0

// -----

// expected-error @+1 {{'tern.global' op weight @w must be a static tensor or a !tern.ternary matrix, got 'memref<16xf32>'}}
tern.global @w : memref<16xf32> from "model.safetensors" offset 0

// -----

// expected-error @+1 {{'tern.global' op weight @w must be a static tensor or a !tern.ternary matrix, got 'tensor<*xf32>'}}
tern.global @w : tensor<*xf32> from "model.safetensors" offset 0

// -----

// expected-error @+1 {{'tern.global' op weight @w must be a static tensor or a !tern.ternary matrix, got 'f32'}}
tern.global @w : f32 from "model.safetensors" offset 0

// -----

// expected-error @+1 {{'tern.global' op weight @model.norm.weight needs the name of the file that holds it}}
tern.global @"model.norm.weight" : tensor<64xbf16> from "" offset 0

// -----

func.func @nested() {
  // expected-error @+1 {{'tern.global' op expects parent op 'builtin.module'}}
  tern.global @w : tensor<64xbf16> from "model.safetensors" offset 0
  return
}

// -----

// expected-note @+1 {{see existing symbol definition here}}
tern.global @w : tensor<64xbf16> from "model.safetensors" offset 0
// expected-error @+1 {{redefinition of symbol named 'w'}}
tern.global @w : tensor<64xf32> from "model.safetensors" offset 128

// -----

// expected-error @+1 {{expected attribute value}}
tern.global @w : tensor<64xbf16> from model offset 0

// -----

// expected-error @+1 {{'tern.global' op weight @idx element type must be a whole number of bytes, got 'index'}}
tern.global @idx : tensor<4xindex> from "f" offset 0

// -----

// expected-error @+1 {{'tern.global' op weight @neg has a negative file offset -1}}
tern.global @neg : tensor<4xf32> from "f" offset -1

// -----

// expected-error @+1 {{'tern.global' op weight @w has unknown encoding "ggml.q4_k" (known: "ggml.tq1_0", "ggml.tq2_0", "ggml.i2_s", "absmean.bf16", "absmean.f16", "absmean.f32", "ternary.bf16", "ternary.f16", "ternary.f32")}}
tern.global @w : tensor<256x256xi8> from "model.gguf" offset 0 encoding "ggml.q4_k"

// -----

// expected-error @+1 {{'tern.global' op weight @w with encoding "ggml.tq2_0" must have a tensor<NxKxi8> type, got 'tensor<256x256xf16>'}}
tern.global @w : tensor<256x256xf16> from "model.gguf" offset 0 encoding "ggml.tq2_0"

// -----

// expected-error @+1 {{'tern.global' op weight @w: encoding "ggml.tq1_0" needs rows of a multiple of 256 weights, got 128}}
tern.global @w : tensor<512x128xi8> from "model.gguf" offset 0 encoding "ggml.tq1_0"

// -----

// expected-error @+1 {{'tern.global' op weight @w: encoding "ggml.i2_s" stores blocks of 128 weights, but 'tensor<3x40xi8>' has 120}}
tern.global @w : tensor<3x40xi8> from "model.gguf" offset 0 encoding "ggml.i2_s"
