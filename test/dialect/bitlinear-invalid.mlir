// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @k_mismatch_packed(%q: tensor<?x32xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<>>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op input has K = 32 features but the weight is 32x64 (N x K): K must match}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x32xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
  return
}

// -----

func.func @k_mismatch_plain(%q: tensor<4x128xi8>, %s: tensor<4xf32>, %w: tensor<32x64xi8>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op input has K = 128 features but the weight is 32x64 (N x K): K must match}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<4x128xi8>, tensor<4xf32>, tensor<32x64xi8>, f32 -> tensor<4x32xf32>
  return
}

// -----

func.func @scale_count(%q: tensor<4x64xi8>, %s: tensor<3xf32>, %w: !tern.ternary<32x64, #tern.layout<>>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op input_scale has 3 entries but the input has 4 tokens (one scale per token)}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<4x64xi8>, tensor<3xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<4x32xf32>
  return
}

// -----

func.func @result_n(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<>>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op result must be ?x32 (tokens x N), got ?x64}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x64xf32>
  return
}

// -----

func.func @result_tokens(%q: tensor<4x64xi8>, %s: tensor<4xf32>, %w: tensor<32x64xi8>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op result must be 4x32 (tokens x N), got 2x32}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<4x64xi8>, tensor<4xf32>, tensor<32x64xi8>, f32 -> tensor<2x32xf32>
  return
}

// -----

func.func @i4_weight(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi4>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op operand #2 must be 2D tensor of 8-bit signless integer values or a packed ternary weight matrix, but got 'tensor<32x64xi4>'}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi4>, f32 -> tensor<?x32xf32>
  return
}

// -----

func.func @bf16_weight(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xbf16>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op operand #2 must be 2D tensor of 8-bit signless integer values or a packed ternary weight matrix, but got 'tensor<32x64xbf16>'}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xbf16>, f32 -> tensor<?x32xf32>
  return
}

// -----

func.func @weight_rank(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<2x32x64xi8>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op operand #2 must be 2D tensor of 8-bit signless integer values or a packed ternary weight matrix, but got 'tensor<2x32x64xi8>'}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<2x32x64xi8>, f32 -> tensor<?x32xf32>
  return
}

// -----

func.func @f32_input(%q: tensor<?x64xf32>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op operand #0 must be 2D tensor of 8-bit signless integer values, but got 'tensor<?x64xf32>'}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xf32>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  return
}

// -----

func.func @scale_rank(%q: tensor<?x64xi8>, %s: tensor<?x1xf32>, %w: tensor<32x64xi8>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op operand #1 must be 1D tensor of 32-bit float values, but got 'tensor<?x1xf32>'}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?x1xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  return
}

// -----

func.func @f16_weight_scale(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f16) {
  // expected-error @+1 {{'tern.bitlinear' op operand #3 must be 32-bit float, but got 'f16'}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f16 -> tensor<?x32xf32>
  return
}

// -----

func.func @bf16_result(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op result #0 must be 2D tensor of 32-bit float values, but got 'tensor<?x32xbf16>'}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xbf16>
  return
}

// -----

func.func @bad_scale_mode(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32) {
  // expected-error @+2 {{expected ::mlir::tern::ScaleMode to be one of: multiply, divide}}
  // expected-error @+1 {{failed to parse Tern_ScaleModeAttr parameter 'value'}}
  %y = tern.bitlinear %q, %s, %w, %ws {scale_mode = #tern.scale_mode<add>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  return
}

// -----

func.func @int_scale_mode(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32) {
  // expected-error @+1 {{attribute 'scale_mode' failed to satisfy constraint: how the weight scale is applied}}
  %y = tern.bitlinear %q, %s, %w, %ws {scale_mode = 1 : i32} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  return
}

// -----

func.func @layout_as_schedule(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32) {
  // expected-error @+1 {{attribute 'schedule' failed to satisfy constraint: the tunable knobs of one kernel}}
  %y = tern.bitlinear %q, %s, %w, %ws {schedule = #tern.layout<>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  return
}

// -----

func.func @bad_schedule(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32) {
  // expected-error @+1 {{schedule mma must be "dp4a", "mma_sync" or "wgmma" (or absent: the target chooses), got "tc"}}
  %y = tern.bitlinear %q, %s, %w, %ws {schedule = #tern.schedule<mma = "tc">} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  return
}

// -----

func.func @dynamic_weight(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<?x64xi8>, %ws: f32) {
  // expected-error @+1 {{'tern.bitlinear' op weight must have a static shape, got 'tensor<?x64xi8>'}}
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<?x64xi8>, f32 -> tensor<?x?xf32>
  return
}
