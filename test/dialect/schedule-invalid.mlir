// RUN: tern-opt %s -split-input-file -verify-diagnostics

// Every knob must be >= 0 (0 lets the target choose).

// expected-error @+1 {{schedule knob tile_m must be >= 0 (0 lets the target choose), got -1}}
func.func private @negative_tile_m() attributes {s = #tern.schedule<tile_m = -1>}

// -----

// expected-error @+1 {{schedule knob tile_n must be >= 0 (0 lets the target choose), got -1}}
func.func private @negative_tile_n() attributes {s = #tern.schedule<tile_n = -1>}

// -----

// expected-error @+1 {{schedule knob unroll must be >= 0 (0 lets the target choose), got -1}}
func.func private @negative_unroll() attributes {s = #tern.schedule<unroll = -1>}

// -----

// expected-error @+1 {{schedule knob threads must be >= 0 (0 lets the target choose), got -1}}
func.func private @negative_threads() attributes {s = #tern.schedule<threads = -1>}

// -----

// expected-error @+1 {{schedule knob prefetch must be >= 0 (0 lets the target choose), got -1}}
func.func private @negative_prefetch() attributes {s = #tern.schedule<prefetch = -1>}

// -----

// The first negative knob (in declaration order) is reported.
// expected-error @+1 {{schedule knob unroll must be >= 0 (0 lets the target choose), got -8}}
func.func private @two_negative() attributes {s = #tern.schedule<prefetch = -2, unroll = -8>}

// -----

// tile_k and vector_width were knobs that no kernel read: they are gone.
// expected-error @+1 {{duplicate or unknown struct parameter name: tile_k}}
func.func private @no_tile_k() attributes {s = #tern.schedule<tile_k = 3>}

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: vector_width}}
func.func private @no_vector_width() attributes {s = #tern.schedule<vector_width = 64>}

// -----

func.func @on_bitlinear(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<>>, %ws: f32) {
  // expected-error @+1 {{schedule knob threads must be >= 0 (0 lets the target choose), got -2}}
  %y = tern.bitlinear %q, %s, %w, %ws {schedule = #tern.schedule<threads = -2>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
  return
}

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: tile_x}}
func.func private @unknown_knob() attributes {s = #tern.schedule<tile_x = 4>}

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: unroll}}
func.func private @duplicate_knob() attributes {s = #tern.schedule<unroll = 2, unroll = 4>}

// -----

// expected-error @+1 {{schedule knob gemv_tile_n must be >= 0 (0 lets the target choose), got -3}}
func.func private @negative_gemv_tile() attributes {s = #tern.schedule<gemv_tile_n = -3>}

// -----

// expected-error @+1 {{schedule mma must be "dp4a", "mma_sync" or "wgmma" (or absent: the target chooses), got "hmma"}}
func.func private @unknown_mma() attributes {s = #tern.schedule<mma = "hmma">}

// -----

// expected-error @+1 {{schedule layout must be "i2xR" (2-bit codes, R >= 1 rows interleaved), "tl1" or "tl2" (lookup tables), or absent (the packing options decide), got "i2x0"}}
func.func private @zero_interleave() attributes {s = #tern.schedule<layout = "i2x0">}

// -----

// expected-error @+1 {{schedule layout must be "i2xR" (2-bit codes, R >= 1 rows interleaved), "tl1" or "tl2" (lookup tables), or absent (the packing options decide), got "tl3"}}
func.func private @unknown_layout() attributes {s = #tern.schedule<layout = "tl3">}
