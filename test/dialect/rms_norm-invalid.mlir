// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @rank0(%x: tensor<f32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'tern.rms_norm' op input must have at least one dimension}}
  %y = tern.rms_norm %x, %w : tensor<f32>, tensor<64xbf16>
  return
}

// -----

func.func @weight_size(%x: tensor<?x64xf32>, %w: tensor<32xbf16>) {
  // expected-error @+1 {{'tern.rms_norm' op weight has 32 elements but the normalized (last) dimension is 64}}
  %y = tern.rms_norm %x, %w : tensor<?x64xf32>, tensor<32xbf16>
  return
}

// -----

func.func @zero_epsilon(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'tern.rms_norm' op epsilon must be positive, got 0.000000e+00}}
  %y = tern.rms_norm %x, %w {epsilon = 0.0 : f32} : tensor<?x64xf32>, tensor<64xbf16>
  return
}

// -----

func.func @negative_epsilon(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'tern.rms_norm' op epsilon must be positive, got -1.000000e-05}}
  %y = tern.rms_norm %x, %w {epsilon = -1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xbf16>
  return
}

// -----

func.func @nan_epsilon(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'tern.rms_norm' op epsilon must be positive, got nan}}
  %y = tern.rms_norm %x, %w {epsilon = 0x7FC00000 : f32} : tensor<?x64xf32>, tensor<64xbf16>
  return
}

// -----

func.func @f64_epsilon(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{attribute 'epsilon' failed to satisfy constraint: 32-bit float attribute}}
  %y = tern.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : tensor<?x64xf32>, tensor<64xbf16>
  return
}

// -----

func.func @bf16_input(%x: tensor<?x64xbf16>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'tern.rms_norm' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<?x64xbf16>'}}
  %y = tern.rms_norm %x, %w : tensor<?x64xbf16>, tensor<64xbf16>
  return
}

// -----

func.func @unranked_input(%x: tensor<*xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'tern.rms_norm' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<*xf32>'}}
  %y = "tern.rms_norm"(%x, %w) : (tensor<*xf32>, tensor<64xbf16>) -> tensor<*xf32>
  return
}

// -----

func.func @weight_rank(%x: tensor<?x64xf32>, %w: tensor<1x64xbf16>) {
  // expected-error @+1 {{'tern.rms_norm' op operand #1 must be 1D tensor of floating-point values, but got 'tensor<1x64xbf16>'}}
  %y = tern.rms_norm %x, %w : tensor<?x64xf32>, tensor<1x64xbf16>
  return
}

// -----

func.func @int_weight(%x: tensor<?x64xf32>, %w: tensor<64xi8>) {
  // expected-error @+1 {{'tern.rms_norm' op operand #1 must be 1D tensor of floating-point values, but got 'tensor<64xi8>'}}
  %y = tern.rms_norm %x, %w : tensor<?x64xf32>, tensor<64xi8>
  return
}

// -----

func.func @result_type(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'tern.rms_norm' op failed to verify that all of {input, result} have same type}}
  %y = "tern.rms_norm"(%x, %w) : (tensor<?x64xf32>, tensor<64xbf16>) -> tensor<4x64xf32>
  return
}
