// RUN: tern-opt %s -split-input-file -verify-diagnostics

// A packed weight must be in the layout its schedule names (the packing
// pass packs it so; a schedule changed afterwards would compile the kernel
// for bytes the weights do not have).
func.func @layout_mismatch(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<64x64, #tern.layout<block = 16, interleave = 2, chunk = 16>>, %ws: f32) -> tensor<?x64xf32> {
  // expected-error @+1 {{'tern.ternary_matmul' op schedule says layout = "tl2" but its packed weight is "i2x2" (#tern.layout<block = 16, interleave = 2, chunk = 16>): pack the weights after attaching the schedule}}
  %y = tern.ternary_matmul %x, %s, [%w], [%ws] {parts = array<i64: 64>, schedule = #tern.schedule<layout = "tl2">} : tensor<?x64xi8>, tensor<?xf32>, [!tern.ternary<64x64, #tern.layout<block = 16, interleave = 2, chunk = 16>>] -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// A layout no knob names (the checkpoint's) is "another layout".
func.func @unnamed_layout(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>>, %ws: f32) -> tensor<?x64xf32> {
  // expected-error @+1 {{schedule says layout = "i2x1" but its packed weight is in another layout (#tern.layout<pack_dim = 0, block = 16>)}}
  %y = tern.ternary_matmul %x, %s, [%w], [%ws] {parts = array<i64: 64>, schedule = #tern.schedule<layout = "i2x1">} : tensor<?x64xi8>, tensor<?xf32>, [!tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>>] -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Agreeing: no error.
func.func @layout_agrees(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<64x64, #tern.layout<block = 64, lut = 3>>, %ws: f32) -> tensor<?x64xf32> {
  %y = tern.ternary_matmul %x, %s, [%w], [%ws] {parts = array<i64: 64>, schedule = #tern.schedule<layout = "tl2">} : tensor<?x64xi8>, tensor<?xf32>, [!tern.ternary<64x64, #tern.layout<block = 64, lut = 3>>] -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
