// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @transposed(%w: tensor<32x64xi8>) {
  // expected-error @+1 {{'tern.pack' op changes the matrix shape from 32x64 to 64x32: packing only changes the layout}}
  %p = tern.pack %w : tensor<32x64xi8> -> !tern.ternary<64x32, #tern.layout<>>
  return
}

// -----

func.func @dynamic_rows_wrong_cols(%w: tensor<?x64xi8>) {
  // expected-error @+1 {{'tern.pack' op changes the matrix shape from ?x64 to 32x128: packing only changes the layout}}
  %p = tern.pack %w : tensor<?x64xi8> -> !tern.ternary<32x128, #tern.layout<>>
  return
}

// -----

func.func @relayout_shape(%p: !tern.ternary<32x64, #tern.layout<>>) {
  // expected-error @+1 {{'tern.pack' op changes the matrix shape from 32x64 to 16x64: packing only changes the layout}}
  %q = tern.pack %p : !tern.ternary<32x64, #tern.layout<>> -> !tern.ternary<16x64, #tern.layout<pack_dim = 0>>
  return
}

// -----

func.func @int8_result(%w: tensor<32x64xi8>) {
  // expected-error @+1 {{'tern.pack' op result #0 must be a packed ternary weight matrix, but got 'tensor<32x64xi8>'}}
  %p = "tern.pack"(%w) : (tensor<32x64xi8>) -> tensor<32x64xi8>
  return
}

// -----

func.func @i32_input(%w: tensor<32x64xi32>) {
  // expected-error @+1 {{'tern.pack' op operand #0 must be 2D tensor of 8-bit signless integer values or a packed ternary weight matrix, but got 'tensor<32x64xi32>'}}
  %p = tern.pack %w : tensor<32x64xi32> -> !tern.ternary<32x64, #tern.layout<>>
  return
}

// -----

func.func @input_rank(%w: tensor<2048xi8>) {
  // expected-error @+1 {{'tern.pack' op operand #0 must be 2D tensor of 8-bit signless integer values or a packed ternary weight matrix, but got 'tensor<2048xi8>'}}
  %p = tern.pack %w : tensor<2048xi8> -> !tern.ternary<32x64, #tern.layout<>>
  return
}
