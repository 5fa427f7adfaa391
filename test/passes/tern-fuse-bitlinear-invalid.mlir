// RUN: tern-opt %s --split-input-file --tern-fuse-bitlinear --verify-diagnostics
// RUN: tern-opt %s --split-input-file --tern-fuse-bitlinear=concat=false --verify-diagnostics

// A bitlinear whose result has a dynamic N cannot become a ternary_matmul
// (whose results must have their weight's N).
func.func @dynamic_n(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32) -> tensor<?x?xf32> {
  // expected-error @+1 {{tern-fuse-bitlinear: cannot become a tern.ternary_matmul: the result's N must be static (32), got 'tensor<?x?xf32>'}}
  %y = tern.bitlinear %x, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
