// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @bf16(%x: tensor<?x192xbf16>) {
  // expected-error @+1 {{'tern.silu' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<?x192xbf16>'}}
  %y = tern.silu %x : tensor<?x192xbf16>
  return
}

// -----

func.func @i32(%x: tensor<4xi32>) {
  // expected-error @+1 {{'tern.silu' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4xi32>'}}
  %y = tern.silu %x : tensor<4xi32>
  return
}

// -----

func.func @scalar(%x: f32) {
  // expected-error @+1 {{'tern.silu' op operand #0 must be ranked tensor of 32-bit float values, but got 'f32'}}
  %y = "tern.silu"(%x) : (f32) -> f32
  return
}

// -----

func.func @vector(%x: vector<4xf32>) {
  // expected-error @+1 {{'tern.silu' op operand #0 must be ranked tensor of 32-bit float values, but got 'vector<4xf32>'}}
  %y = "tern.silu"(%x) : (vector<4xf32>) -> vector<4xf32>
  return
}

// -----

func.func @unranked(%x: tensor<*xf32>) {
  // expected-error @+1 {{'tern.silu' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<*xf32>'}}
  %y = "tern.silu"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @result_shape(%x: tensor<?x192xf32>) {
  // expected-error @+1 {{'tern.silu' op failed to verify that all of {result, input} have same type}}
  %y = "tern.silu"(%x) : (tensor<?x192xf32>) -> tensor<4x192xf32>
  return
}

// -----

func.func @result_shape_mismatch(%x: tensor<4x192xf32>) {
  // expected-error @+1 {{'tern.silu' op failed to verify that all of {result, input} have same type}}
  %y = "tern.silu"(%x) : (tensor<4x192xf32>) -> tensor<4x96xf32>
  return
}
