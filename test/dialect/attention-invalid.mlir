// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @zero_heads(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %kc: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op num_heads, num_kv_heads and head_dim must be positive, got 0, 2, 16}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 0 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<256x32xf32>
  return
}

// -----

func.func @negative_kv_heads(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %kc: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op num_heads, num_kv_heads and head_dim must be positive, got 4, -2, 16}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 4 : i64, num_kv_heads = -2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<256x32xf32>
  return
}

// -----

func.func @zero_head_dim(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %kc: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op num_heads, num_kv_heads and head_dim must be positive, got 4, 2, 0}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 0 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<256x32xf32>
  return
}

// -----

func.func @gqa_groups(%q: tensor<?x64xf32>, %k: tensor<?x48xf32>, %kc: tensor<256x48xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op num_heads 4 must be a multiple of num_kv_heads 3 (grouped-query attention)}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 4 : i64, num_kv_heads = 3 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x48xf32>, tensor<256x48xf32>
  return
}

// -----

func.func @q_width(%q: tensor<?x48xf32>, %k: tensor<?x32xf32>, %kc: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op q rows have 48 elements, expected num_heads * head_dim = 64}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x48xf32>, tensor<?x32xf32>, tensor<256x32xf32>
  return
}

// -----

func.func @kv_width(%q: tensor<?x64xf32>, %k: tensor<?x64xf32>, %kc: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op k/v rows have 64 elements, expected num_kv_heads * head_dim = 32}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x64xf32>, tensor<256x32xf32>
  return
}

// -----

func.func @cache_width(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %kc: tensor<256x64xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op KV cache rows have 64 elements, expected num_kv_heads * head_dim = 32}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<256x64xf32>
  return
}

// -----

func.func @token_counts(%q: tensor<4x64xf32>, %k: tensor<3x32xf32>, %kc: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op q has 4 tokens but k/v have 3}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<4x64xf32>, tensor<3x32xf32>, tensor<256x32xf32>
  return
}

// -----

func.func @cache_overflow(%q: tensor<300x64xf32>, %k: tensor<?x32xf32>, %kc: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op 300 tokens cannot fit a KV cache of 256 positions}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<300x64xf32>, tensor<?x32xf32>, tensor<256x32xf32>
  return
}

// -----

func.func @missing_attr(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %kc: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op requires attribute 'num_kv_heads'}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 4 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<256x32xf32>
  return
}

// -----

func.func @v_type(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %v: tensor<4x32xf32>, %kc: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op failed to verify that all of {k, v} have same type}}
  %o:3 = "tern.attention"(%q, %k, %v, %kc, %kc, %i) <{num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}> : (tensor<?x64xf32>, tensor<?x32xf32>, tensor<4x32xf32>, tensor<256x32xf32>, tensor<256x32xf32>, index) -> (tensor<?x64xf32>, tensor<256x32xf32>, tensor<256x32xf32>)
  return
}

// -----

func.func @cache_types(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %kc: tensor<256x32xf32>, %vc: tensor<128x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op failed to verify that all of {k_cache, v_cache, k_cache_out, v_cache_out} have same type}}
  %o:3 = "tern.attention"(%q, %k, %k, %kc, %vc, %i) <{num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}> : (tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<256x32xf32>, tensor<128x32xf32>, index) -> (tensor<?x64xf32>, tensor<256x32xf32>, tensor<128x32xf32>)
  return
}

// -----

func.func @output_type(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %kc: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op failed to verify that all of {q, output} have same type}}
  %o:3 = "tern.attention"(%q, %k, %k, %kc, %kc, %i) <{num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}> : (tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<256x32xf32>, tensor<256x32xf32>, index) -> (tensor<4x64xf32>, tensor<256x32xf32>, tensor<256x32xf32>)
  return
}

// -----

func.func @i32_start(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %kc: tensor<256x32xf32>, %i: i32) {
  // expected-error @+1 {{'tern.attention' op operand #5 must be index, but got 'i32'}}
  %o:3 = "tern.attention"(%q, %k, %k, %kc, %kc, %i) <{num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}> : (tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<256x32xf32>, tensor<256x32xf32>, i32) -> (tensor<?x64xf32>, tensor<256x32xf32>, tensor<256x32xf32>)
  return
}

// -----

func.func @bf16_q(%q: tensor<?x64xbf16>, %k: tensor<?x32xf32>, %kc: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op operand #0 must be 2D tensor of 32-bit float values, but got 'tensor<?x64xbf16>'}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xbf16>, tensor<?x32xf32>, tensor<256x32xf32>
  return
}

// -----

func.func @cache_rank(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %kc: tensor<2x256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op operand #3 must be 2D tensor of 32-bit float values, but got 'tensor<2x256x32xf32>'}}
  %o:3 = tern.attention %q, %k, %k, %kc, %kc, %i {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<2x256x32xf32>
  return
}

// -----

func.func @k_longer_than_cache(%q: tensor<?x64xf32>, %k: tensor<300x32xf32>, %c: tensor<256x32xf32>, %i: index) {
  // expected-error @+1 {{'tern.attention' op 300 tokens cannot fit a KV cache of 256 positions}}
  %o, %kc, %vc = tern.attention %q, %k, %k, %c, %c, %i {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<300x32xf32>, tensor<256x32xf32>
  return
}
