// One BitLinear of BitNet b1.58 2B4T's shape (q_proj: 2560 -> 2560) on a
// dynamic number of tokens, with the weight in the Hugging Face checkpoint's
// packed layout (uint8 [out/4, in], packed along the output dimension).
//   tern-opt examples/bitlinear.mlir --tern-lower-to-llvm
func.func @q_proj(%q: tensor<?x2560xi8>, %s: tensor<?xf32>,
                  %w: !tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>>,
                  %ws: f32) -> tensor<?x2560xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws
      : tensor<?x2560xi8>, tensor<?xf32>,
        !tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>>, f32
      -> tensor<?x2560xf32>
  return %y : tensor<?x2560xf32>
}
