// RUN: tern-opt %s --tern-pack-weights=interleave=4 -verify-diagnostics

// The row-interleaved layout needs whole groups of rows.
module {
  tern.global @w : tensor<30x64xi8> from "m" offset 0 encoding "absmean.bf16"
  func.func @odd_rows(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %ws: f32) -> tensor<?x30xf32> {
    %w = tern.get_global @w : tensor<30x64xi8>
    // expected-error @+1 {{tern-pack-weights: cannot pack 30x64 weights: ternary layout: N = 30 must be a multiple of interleave = 4}}
    %y = tern.ternary_matmul %x, %s, [%w], [%ws] : tensor<?x64xi8>, tensor<?xf32>, [tensor<30x64xi8>] -> tensor<?x30xf32>
    return %y : tensor<?x30xf32>
  }
}
