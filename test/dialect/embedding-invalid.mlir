// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @rows_vs_ids(%t: tensor<512x64xbf16>, %ids: tensor<4xi32>) {
  // expected-error @+1 {{'tern.embedding' op result has 5 rows but there are 4 token ids}}
  %h = tern.embedding %t, %ids : tensor<512x64xbf16>, tensor<4xi32> -> tensor<5x64xf32>
  return
}

// -----

func.func @hidden_size(%t: tensor<512x64xbf16>, %ids: tensor<?xi32>) {
  // expected-error @+1 {{'tern.embedding' op result rows have 32 elements but the table's hidden size is 64}}
  %h = tern.embedding %t, %ids : tensor<512x64xbf16>, tensor<?xi32> -> tensor<?x32xf32>
  return
}

// -----

func.func @int_table(%t: tensor<512x64xi8>, %ids: tensor<?xi32>) {
  // expected-error @+1 {{'tern.embedding' op operand #0 must be 2D tensor of floating-point values, but got 'tensor<512x64xi8>'}}
  %h = tern.embedding %t, %ids : tensor<512x64xi8>, tensor<?xi32> -> tensor<?x64xf32>
  return
}

// -----

func.func @table_rank(%t: tensor<64xbf16>, %ids: tensor<?xi32>) {
  // expected-error @+1 {{'tern.embedding' op operand #0 must be 2D tensor of floating-point values, but got 'tensor<64xbf16>'}}
  %h = tern.embedding %t, %ids : tensor<64xbf16>, tensor<?xi32> -> tensor<?x64xf32>
  return
}

// -----

func.func @i16_ids(%t: tensor<512x64xbf16>, %ids: tensor<?xi16>) {
  // expected-error @+1 {{'tern.embedding' op operand #1 must be 1D tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<?xi16>'}}
  %h = tern.embedding %t, %ids : tensor<512x64xbf16>, tensor<?xi16> -> tensor<?x64xf32>
  return
}

// -----

func.func @ids_rank(%t: tensor<512x64xbf16>, %ids: tensor<1x4xi32>) {
  // expected-error @+1 {{'tern.embedding' op operand #1 must be 1D tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<1x4xi32>'}}
  %h = tern.embedding %t, %ids : tensor<512x64xbf16>, tensor<1x4xi32> -> tensor<4x64xf32>
  return
}

// -----

func.func @bf16_result(%t: tensor<512x64xbf16>, %ids: tensor<?xi32>) {
  // expected-error @+1 {{'tern.embedding' op result #0 must be 2D tensor of 32-bit float values, but got 'tensor<?x64xbf16>'}}
  %h = tern.embedding %t, %ids : tensor<512x64xbf16>, tensor<?xi32> -> tensor<?x64xbf16>
  return
}
