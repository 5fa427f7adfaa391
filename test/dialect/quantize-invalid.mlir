// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @output_cols(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'tern.quantize' op int8 result shape 4x32 must equal the input shape 4x64}}
  %q, %s = tern.quantize %x : tensor<4x64xf32> -> tensor<4x32xi8>, tensor<4xf32>
  return
}

// -----

func.func @output_cols_dynamic_rows(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'tern.quantize' op int8 result shape ?x32 must equal the input shape ?x64}}
  %q, %s = tern.quantize %x : tensor<?x64xf32> -> tensor<?x32xi8>, tensor<?xf32>
  return
}

// -----

func.func @output_rows_static(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'tern.quantize' op int8 result shape 3x64 must equal the input shape 4x64}}
  %q, %s = tern.quantize %x : tensor<4x64xf32> -> tensor<3x64xi8>, tensor<4xf32>
  return
}

// -----

func.func @scale_count(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'tern.quantize' op scale has 3 entries but there are 4 tokens (one scale per input row)}}
  %q, %s = tern.quantize %x : tensor<4x64xf32> -> tensor<4x64xi8>, tensor<3xf32>
  return
}

// -----

func.func @bf16_input(%x: tensor<4x64xbf16>) {
  // expected-error @+1 {{'tern.quantize' op operand #0 must be 2D tensor of 32-bit float values, but got 'tensor<4x64xbf16>'}}
  %q, %s = tern.quantize %x : tensor<4x64xbf16> -> tensor<4x64xi8>, tensor<4xf32>
  return
}

// -----

func.func @input_rank(%x: tensor<64xf32>) {
  // expected-error @+1 {{'tern.quantize' op operand #0 must be 2D tensor of 32-bit float values, but got 'tensor<64xf32>'}}
  %q, %s = tern.quantize %x : tensor<64xf32> -> tensor<1x64xi8>, tensor<1xf32>
  return
}

// -----

func.func @i32_output(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'tern.quantize' op result #0 must be 2D tensor of 8-bit signless integer values, but got 'tensor<4x64xi32>'}}
  %q, %s = tern.quantize %x : tensor<4x64xf32> -> tensor<4x64xi32>, tensor<4xf32>
  return
}

// -----

func.func @ui8_output(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'tern.quantize' op result #0 must be 2D tensor of 8-bit signless integer values, but got 'tensor<4x64xui8>'}}
  %q, %s = tern.quantize %x : tensor<4x64xf32> -> tensor<4x64xui8>, tensor<4xf32>
  return
}

// -----

func.func @f16_scale(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'tern.quantize' op result #1 must be 1D tensor of 32-bit float values, but got 'tensor<4xf16>'}}
  %q, %s = tern.quantize %x : tensor<4x64xf32> -> tensor<4x64xi8>, tensor<4xf16>
  return
}

// -----

func.func @scale_rank(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'tern.quantize' op result #1 must be 1D tensor of 32-bit float values, but got 'tensor<4x1xf32>'}}
  %q, %s = tern.quantize %x : tensor<4x64xf32> -> tensor<4x64xi8>, tensor<4x1xf32>
  return
}
