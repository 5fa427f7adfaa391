// RUN: tern-opt %s --split-input-file --tern-pack-weights --verify-diagnostics
// RUN: tern-opt %s --split-input-file '--tern-pack-weights=vector-bytes=32' --verify-diagnostics
// Bad options are reported on the module.
// RUN: not tern-opt %s --split-input-file '--tern-pack-weights=vector-bytes=8' 2>&1 | FileCheck %s --check-prefix=ERR-VB
// RUN: not tern-opt %s --split-input-file '--tern-pack-weights=block=-4' 2>&1 | FileCheck %s --check-prefix=ERR-BLOCK
// RUN: not tern-opt %s --split-input-file '--tern-pack-weights=packed-file=""' 2>&1 | FileCheck %s --check-prefix=ERR-FILE
// Explicit blocks that K = 96 or 64 do not fit.
// RUN: not tern-opt %s --split-input-file '--tern-pack-weights=block=32' 2>&1 | FileCheck %s --check-prefix=ERR-EXPLICIT
// RUN: not tern-opt %s --split-input-file '--tern-pack-weights=lut=4' 2>&1 | FileCheck %s --check-prefix=ERR-LUT
// RUN: not tern-opt %s --split-input-file '--tern-pack-weights=lut=3 interleave=2' 2>&1 | FileCheck %s --check-prefix=ERR-LUT-R
// RUN: not tern-opt %s --split-input-file '--tern-pack-weights=lut=3 block=48' 2>&1 | FileCheck %s --check-prefix=ERR-LUT-BLOCK
// ERR-LUT: error: tern-pack-weights: lut must be 0 (2-bit codes), 2 or 3 (weights per table index), got 4
// ERR-LUT-R: error: tern-pack-weights: lut = 3 cannot be combined with interleave = 2
// ERR-LUT-BLOCK: error: tern-pack-weights: weight @w96: the lookup-table layout tl2 needs block = 16, 32 or 64, got 48
// ERR-VB: error: tern-pack-weights: invalid options: block = 0 (must be >= 0), vector-bytes = 8 (must be >= 16), packed-file = "model.tpack" (must not be empty)
// ERR-BLOCK: error: tern-pack-weights: invalid options: block = -4
// ERR-FILE: error: tern-pack-weights: invalid options: {{.*}} packed-file = "" (must not be empty)
// ERR-EXPLICIT: error: tern-pack-weights: weight @w96 has K = 96, which block = 32 cannot pack: K must be a multiple of 4 * block = 128
// ERR-EXPLICIT: error: tern-pack-weights: weight @w64 has K = 64, which block = 32 cannot pack: K must be a multiple of 4 * block = 128

// K = 96 is not a multiple of 64: no 16-, 32- or 64-byte block fits.
module {
  tern.global @w96 : tensor<32x96xi8> from "m" offset 0 encoding "absmean.bf16"
  func.func @k96(%x: tensor<?x96xi8>, %s: tensor<?xf32>, %ws: f32) -> tensor<?x32xf32> {
    %w = tern.get_global @w96 : tensor<32x96xi8>
    // expected-error @+1 {{tern-pack-weights: weight @w96 has K = 96, which is not a multiple of 64: no block of 16, 32 or 64 bytes packs it (set block= explicitly)}}
    %y = tern.ternary_matmul %x, %s, [%w], [%ws] : tensor<?x96xi8>, tensor<?xf32>, [tensor<32x96xi8>] -> tensor<?x32xf32>
    return %y : tensor<?x32xf32>
  }
}

// -----

// Weights of different K (an input of dynamic K lets the op verify) cannot
// be one matrix.
module {
  tern.global @w64 : tensor<32x64xi8> from "m" offset 0 encoding "absmean.bf16"
  tern.global @w128 : tensor<32x128xi8> from "m" offset 0 encoding "absmean.bf16"
  func.func @mixed_k(%x: tensor<?x?xi8>, %s: tensor<?xf32>, %ws: f32) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
    %a = tern.get_global @w64 : tensor<32x64xi8>
    %b = tern.get_global @w128 : tensor<32x128xi8>
    // expected-error @+1 {{tern-pack-weights: weights @w64 (K = 64) and @w128 (K = 128) cannot be packed into one matrix}}
    %y:2 = tern.ternary_matmul %x, %s, [%a, %b], [%ws, %ws] : tensor<?x?xi8>, tensor<?xf32>, [tensor<32x64xi8>, tensor<32x128xi8>] -> tensor<?x32xf32>, tensor<?x32xf32>
    return %y#0, %y#1 : tensor<?x32xf32>, tensor<?x32xf32>
  }
}

// -----

// One error per op that fails; the others are still checked.
module {
  tern.global @w64 : tensor<32x64xi8> from "m" offset 0 encoding "absmean.bf16"
  tern.global @w96 : tensor<32x96xi8> from "m" offset 0 encoding "absmean.bf16"
  func.func @several(%x: tensor<?x96xi8>, %x64: tensor<?x64xi8>, %s: tensor<?xf32>, %ws: f32) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
    %w = tern.get_global @w96 : tensor<32x96xi8>
    // expected-error @+1 {{weight @w96 has K = 96}}
    %y = tern.ternary_matmul %x, %s, [%w], [%ws] : tensor<?x96xi8>, tensor<?xf32>, [tensor<32x96xi8>] -> tensor<?x32xf32>
    %w2 = tern.get_global @w64 : tensor<32x64xi8>
    %z = tern.ternary_matmul %x64, %s, [%w2], [%ws] : tensor<?x64xi8>, tensor<?xf32>, [tensor<32x64xi8>] -> tensor<?x32xf32>
    return %y, %z : tensor<?x32xf32>, tensor<?x32xf32>
  }
}
