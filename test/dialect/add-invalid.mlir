// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @bf16(%a: tensor<?x64xbf16>, %b: tensor<?x64xbf16>) {
  // expected-error @+1 {{'tern.add' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<?x64xbf16>'}}
  %y = tern.add %a, %b : tensor<?x64xbf16>
  return
}

// -----

func.func @rhs_element_type(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'tern.add' op operand #1 must be ranked tensor of 32-bit float values, but got 'tensor<4xf16>'}}
  %y = "tern.add"(%a, %b) : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

func.func @scalar_rhs(%a: tensor<4xf32>, %b: f32) {
  // expected-error @+1 {{'tern.add' op operand #1 must be ranked tensor of 32-bit float values, but got 'f32'}}
  %y = "tern.add"(%a, %b) : (tensor<4xf32>, f32) -> tensor<4xf32>
  return
}

// -----

func.func @unranked(%a: tensor<*xf32>, %b: tensor<*xf32>) {
  // expected-error @+1 {{'tern.add' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<*xf32>'}}
  %y = "tern.add"(%a, %b) : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @operand_shapes(%a: tensor<4x64xf32>, %b: tensor<4x32xf32>) {
  // expected-error @+1 {{'tern.add' op failed to verify that all of {result, lhs, rhs} have same type}}
  %y = "tern.add"(%a, %b) : (tensor<4x64xf32>, tensor<4x32xf32>) -> tensor<4x64xf32>
  return
}

// -----

func.func @operand_ranks(%a: tensor<4x4xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'tern.add' op failed to verify that all of {result, lhs, rhs} have same type}}
  %y = "tern.add"(%a, %b) : (tensor<4x4xf32>, tensor<16xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @result_type(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'tern.add' op failed to verify that all of {result, lhs, rhs} have same type}}
  %y = "tern.add"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<?xf32>
  return
}
