// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @zero_head_dim(%q: tensor<?x64xf32>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{'tern.rope' op head_dim must be positive and even (elements are rotated in pairs), got 0}}
  %r = tern.rope %q, %pos {head_dim = 0 : i64, theta = 5.0e+05 : f32} : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @negative_head_dim(%q: tensor<?x64xf32>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{'tern.rope' op head_dim must be positive and even (elements are rotated in pairs), got -16}}
  %r = tern.rope %q, %pos {head_dim = -16 : i64, theta = 5.0e+05 : f32} : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @odd_head_dim(%q: tensor<?x63xf32>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{'tern.rope' op head_dim must be positive and even (elements are rotated in pairs), got 7}}
  %r = tern.rope %q, %pos {head_dim = 7 : i64, theta = 5.0e+05 : f32} : tensor<?x63xf32>, tensor<?xi32>
  return
}

// -----

func.func @row_width(%q: tensor<?x60xf32>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{'tern.rope' op row width 60 is not a multiple of head_dim 16}}
  %r = tern.rope %q, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f32} : tensor<?x60xf32>, tensor<?xi32>
  return
}

// -----

func.func @position_count(%q: tensor<4x64xf32>, %pos: tensor<3xi32>) {
  // expected-error @+1 {{'tern.rope' op there are 3 positions for 4 rows (one position per token)}}
  %r = tern.rope %q, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f32} : tensor<4x64xf32>, tensor<3xi32>
  return
}

// -----

func.func @zero_theta(%q: tensor<?x64xf32>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{'tern.rope' op theta must be positive, got 0.000000e+00}}
  %r = tern.rope %q, %pos {head_dim = 16 : i64, theta = 0.0 : f32} : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @negative_theta(%q: tensor<?x64xf32>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{'tern.rope' op theta must be positive, got -1.000000e+04}}
  %r = tern.rope %q, %pos {head_dim = 16 : i64, theta = -1.0e+04 : f32} : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @missing_theta(%q: tensor<?x64xf32>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{'tern.rope' op requires attribute 'theta'}}
  %r = tern.rope %q, %pos {head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @missing_head_dim(%q: tensor<?x64xf32>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{'tern.rope' op requires attribute 'head_dim'}}
  %r = tern.rope %q, %pos {theta = 5.0e+05 : f32} : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @f32_positions(%q: tensor<?x64xf32>, %pos: tensor<?xf32>) {
  // expected-error @+1 {{'tern.rope' op operand #1 must be 1D tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<?xf32>'}}
  %r = tern.rope %q, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f32} : tensor<?x64xf32>, tensor<?xf32>
  return
}

// -----

func.func @input_rank(%q: tensor<1x4x64xf32>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{'tern.rope' op operand #0 must be 2D tensor of 32-bit float values, but got 'tensor<1x4x64xf32>'}}
  %r = tern.rope %q, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f32} : tensor<1x4x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @result_type(%q: tensor<?x64xf32>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{'tern.rope' op failed to verify that all of {input, result} have same type}}
  %r = "tern.rope"(%q, %pos) <{head_dim = 16 : i64, theta = 5.0e+05 : f32}> : (tensor<?x64xf32>, tensor<?xi32>) -> tensor<4x64xf32>
  return
}
