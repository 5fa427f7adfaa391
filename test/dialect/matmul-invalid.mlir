// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @k_mismatch(%h: tensor<?x32xf32>, %emb: tensor<512x64xbf16>) {
  // expected-error @+1 {{'tern.matmul' op input has K = 32 features but the weight is 512x64 (N x K): K must match}}
  %l = tern.matmul %h, %emb : tensor<?x32xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  return
}

// -----

func.func @k_mismatch_dynamic_n(%h: tensor<?x32xf32>, %w: tensor<?x64xbf16>) {
  // expected-error @+1 {{'tern.matmul' op input has K = 32 features but the weight is ?x64 (N x K): K must match}}
  %l = tern.matmul %h, %w : tensor<?x32xf32>, tensor<?x64xbf16> -> tensor<?x?xf32>
  return
}

// -----

func.func @result_n(%h: tensor<?x64xf32>, %emb: tensor<512x64xbf16>) {
  // expected-error @+1 {{'tern.matmul' op result must be ?x512 (tokens x N), got ?x256}}
  %l = tern.matmul %h, %emb : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x256xf32>
  return
}

// -----

func.func @result_tokens(%h: tensor<4x64xf32>, %emb: tensor<512x64xbf16>) {
  // expected-error @+1 {{'tern.matmul' op result must be 4x512 (tokens x N), got 8x512}}
  %l = tern.matmul %h, %emb : tensor<4x64xf32>, tensor<512x64xbf16> -> tensor<8x512xf32>
  return
}

// -----

func.func @bf16_input(%h: tensor<?x64xbf16>, %emb: tensor<512x64xbf16>) {
  // expected-error @+1 {{'tern.matmul' op operand #0 must be 2D tensor of 32-bit float values, but got 'tensor<?x64xbf16>'}}
  %l = tern.matmul %h, %emb : tensor<?x64xbf16>, tensor<512x64xbf16> -> tensor<?x512xf32>
  return
}

// -----

func.func @int8_weight(%h: tensor<?x64xf32>, %w: tensor<512x64xi8>) {
  // expected-error @+1 {{'tern.matmul' op operand #1 must be 2D tensor of floating-point values, but got 'tensor<512x64xi8>'}}
  %l = tern.matmul %h, %w : tensor<?x64xf32>, tensor<512x64xi8> -> tensor<?x512xf32>
  return
}

// -----

func.func @ternary_weight(%h: tensor<?x64xf32>, %w: !tern.ternary<512x64, #tern.layout<>>) {
  // expected-error @+1 {{'tern.matmul' op operand #1 must be 2D tensor of floating-point values, but got '!tern.ternary<512x64, #tern.layout<>>'}}
  %l = "tern.matmul"(%h, %w) : (tensor<?x64xf32>, !tern.ternary<512x64, #tern.layout<>>) -> tensor<?x512xf32>
  return
}

// -----

func.func @result_element(%h: tensor<?x64xf32>, %emb: tensor<512x64xbf16>) {
  // expected-error @+1 {{'tern.matmul' op result #0 must be 2D tensor of 32-bit float values, but got 'tensor<?x512xbf16>'}}
  %l = tern.matmul %h, %emb : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xbf16>
  return
}
