// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @silu_without_gate(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'tern.norm_quantize' op activation silu needs a gated input (gated_by up): it applies to the FFN's gate}}
  %q, %s = tern.norm_quantize %x, %w {activation = #tern.activation<silu>} : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xi8>, tensor<?xf32>
  return
}

// -----

func.func @weight_size(%x: tensor<?x64xf32>, %w: tensor<32xbf16>) {
  // expected-error @+1 {{'tern.norm_quantize' op weight has 32 elements but rows have 64 features}}
  %q, %s = tern.norm_quantize %x, %w : tensor<?x64xf32>, tensor<32xbf16> -> tensor<?x64xi8>, tensor<?xf32>
  return
}

// -----

func.func @up_type(%x: tensor<?x64xf32>, %u: tensor<?x32xf32>) {
  // expected-error @+1 {{'tern.norm_quantize' op gated_by operand must have the input's type 'tensor<?x64xf32>', got 'tensor<?x32xf32>'}}
  %q, %s = tern.norm_quantize %x gated_by %u : tensor<?x64xf32> gated_by tensor<?x32xf32> -> tensor<?x64xi8>, tensor<?xf32>
  return
}

// -----

func.func @unknown_activation(%x: tensor<?x64xf32>, %u: tensor<?x64xf32>) {
  // expected-error @+2 {{expected ::mlir::tern::Activation to be one of: relu2, silu}}
  // expected-error @+1 {{failed to parse Tern_ActivationAttr parameter 'value'}}
  %q, %s = tern.norm_quantize %x gated_by %u {activation = #tern.activation<gelu>} : tensor<?x64xf32> gated_by tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
  return
}
