// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @transposed(%p: !tern.ternary<32x64, #tern.layout<>>) {
  // expected-error @+1 {{'tern.unpack' op changes the matrix shape from 32x64 to 64x32: packing only changes the layout}}
  %w = tern.unpack %p : !tern.ternary<32x64, #tern.layout<>> -> tensor<64x32xi8>
  return
}

// -----

func.func @dynamic_rows_wrong_cols(%p: !tern.ternary<32x64, #tern.layout<pack_dim = 0>>) {
  // expected-error @+1 {{'tern.unpack' op changes the matrix shape from 32x64 to ?x16: packing only changes the layout}}
  %w = tern.unpack %p : !tern.ternary<32x64, #tern.layout<pack_dim = 0>> -> tensor<?x16xi8>
  return
}

// -----

func.func @i32_result(%p: !tern.ternary<32x64, #tern.layout<>>) {
  // expected-error @+1 {{'tern.unpack' op result #0 must be 2D tensor of 8-bit signless integer values, but got 'tensor<32x64xi32>'}}
  %w = tern.unpack %p : !tern.ternary<32x64, #tern.layout<>> -> tensor<32x64xi32>
  return
}

// -----

func.func @result_rank(%p: !tern.ternary<32x64, #tern.layout<>>) {
  // expected-error @+1 {{'tern.unpack' op result #0 must be 2D tensor of 8-bit signless integer values, but got 'tensor<2048xi8>'}}
  %w = tern.unpack %p : !tern.ternary<32x64, #tern.layout<>> -> tensor<2048xi8>
  return
}

// -----

func.func @int8_input(%w: tensor<32x64xi8>) {
  // expected-error @+1 {{'tern.unpack' op operand #0 must be a packed ternary weight matrix, but got 'tensor<32x64xi8>'}}
  %u = "tern.unpack"(%w) : (tensor<32x64xi8>) -> tensor<32x64xi8>
  return
}
