//===- TernOps.td - tern graph ops --------------------------*- tablegen -*-===//
//
// Graph-level ops. Each mirrors one piece of HF transformers' BitNet model
// (modeling_bitnet.py, integrations/bitnet.py) with exactly its semantics; the
// scalar reference in runtime/reference/ implements the same formulas.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_OPS_TD
#define TERN_OPS_TD

include "dialect/TernTypes.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Tern_F32Tensor : RankedTensorOf<[F32]>;
def Tern_F32Tensor1D : TensorRankOf<[F32], [1]>;
def Tern_F32Tensor2D : TensorRankOf<[F32], [2]>;
def Tern_FloatTensor1D : TensorRankOf<[AnyFloat], [1]>;
def Tern_FloatTensor2D : TensorRankOf<[AnyFloat], [2]>;
def Tern_I8Tensor2D : TensorRankOf<[I8], [2]>;
def Tern_IdTensor1D : TensorRankOf<[I32, I64], [1]>;
def Tern_WeightLike : AnyTypeOf<[Tern_I8Tensor2D, Tern_TernaryType]>;

//===----------------------------------------------------------------------===//
// Weights: declared once per module by symbol, never inlined.
//===----------------------------------------------------------------------===//

def Tern_GlobalOp : Tern_Op<"global", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "an external weight: a tensor stored in a model file";
  let description = [{
    Declares a weight that lives in a model file at a byte offset, so that a
    2-billion-parameter model costs a few hundred lines of IR, not gigabytes.
    `type` is the type as stored: a static tensor (e.g. bf16 norms or
    embeddings) or a packed `!tern.ternary` matrix.

    ```mlir
    tern.global @"model.norm.weight" : tensor<2560xbf16> from "model.safetensors" offset 1024
    ```

    A weight whose bytes are in a block format that no `#tern.layout` can
    describe carries an `encoding`: its `type` is then the decoded value, a
    static `tensor<NxKxi8>` of ternary values, and the bytes at `offset` are
    in that encoding. The packing pass decodes and re-packs it at compile
    time. Encodings (GGUF tensor types, row-major [N][K]):
      * `"ggml.tq2_0"`: llama.cpp TQ2_0, blocks of 256 weights in 66 bytes;
      * `"ggml.tq1_0"`: llama.cpp TQ1_0, blocks of 256 weights in 54 bytes;
      * `"ggml.i2_s"`: bitnet.cpp I2_S, N*K/4 bytes of 2-bit codes, then the
        f32 scale (N*K/4 + 32 bytes in all);
      * `"absmean.bf16"`, `"absmean.f16"`, `"absmean.f32"`: float master
        weights [N][K] (an HF bf16 checkpoint), quantized to ternary by
        absmean (`round(w / mean|w|)` clamped to [-1, 1]).
    The per-matrix scale of an encoded weight is not part of the global: the
    importer passes it to `tern.bitlinear` as a constant.

    ```mlir
    tern.global @"blk.0.attn_q.weight" : tensor<2560x2560xi8> from "model.gguf" offset 65536 encoding "ggml.tq2_0"
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttr:$type,
                       StrAttr:$file, I64Attr:$offset,
                       OptionalAttr<StrAttr>:$encoding);
  let assemblyFormat = [{
    $sym_name `:` $type `from` $file `offset` $offset (`encoding` $encoding^)? attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Bytes the weight occupies in its file.
    int64_t getByteSize();
  }];
}

def Tern_GetGlobalOp : Tern_Op<"get_global",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "the value of a `tern.global` weight";
  let description = [{
    ```mlir
    %w = tern.get_global @"model.layers.0.self_attn.q_proj.weight" : !tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs AnyType:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Graph ops.
//===----------------------------------------------------------------------===//

def Tern_EmbeddingOp : Tern_Op<"embedding", [Pure]> {
  let summary = "look up token embeddings";
  let description = [{
    `result[t, :] = float32(table[ids[t], :])`. The table may be stored in any
    float type; the result is f32. Ids outside [0, vocab) are a run-time error.

    ```mlir
    %h = tern.embedding %table, %ids : tensor<512x64xbf16>, tensor<?xi32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Tern_FloatTensor2D:$table, Tern_IdTensor1D:$ids);
  let results = (outs Tern_F32Tensor2D:$result);
  let assemblyFormat = [{
    $table `,` $ids attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tern_RmsNormOp : Tern_Op<"rms_norm", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "RMSNorm over the last dimension";
  let description = [{
    HF BitNetRMSNorm: `y = weight * (x * rsqrt(mean(x^2) + epsilon))`, the mean
    taken over the last dimension in f32. Used for input_layernorm,
    post_attention_layernorm, attn_sub_norm, ffn_sub_norm and the final norm.

    ```mlir
    %y = tern.rms_norm %x, %w {epsilon = 1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xbf16>
    ```
  }];
  let arguments = (ins Tern_F32Tensor:$input, Tern_FloatTensor1D:$weight,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Tern_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def Tern_QuantizeOp : Tern_Op<"quantize", [Pure]> {
  let summary = "per-token absmax quantization of activations to int8";
  let description = [{
    For each row t (token) of `input`: `s = 127 / max(max|x|, 1e-5)` and
    `q = clamp(round_half_to_even(x * s), -128, 127)`, the product in f32.
    Returns `q` and the per-token scale `s` (dequantized value = q / s). This
    is HF BitNet's `activation_quant` / `ActQuant`.

    ```mlir
    %q, %s = tern.quantize %x : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
    ```
  }];
  let arguments = (ins Tern_F32Tensor2D:$input);
  let results = (outs Tern_I8Tensor2D:$output, Tern_F32Tensor1D:$scale);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output) `,` type($scale)
  }];
  let hasVerifier = 1;
}

def Tern_BitLinearOp : Tern_Op<"bitlinear", [Pure]> {
  let summary = "int8 activations times a ternary weight matrix, rescaled to f32";
  let description = [{
    The core op of BitNet b1.58 (W1.58A8). With `acc[t, n] = sum_k W[n, k] *
    input[t, k]` computed exactly in int32:

    - `scale_mode = multiply` (default): `y = float(acc) / input_scale[t] * weight_scale`.
      This is HF `AutoBitLinear` in offline mode, which the BitNet b1.58 2B4T
      checkpoint uses (`linear_class: autobitlinear`): its stored bf16
      `weight_scale` multiplies the output. Weights quantized by absmean at
      load time also use this mode (weight_scale = mean |W|).
    - `scale_mode = divide`: `y = float(acc) / (input_scale[t] * weight_scale)`.
      This is HF's older `BitLinear` class, which divides by its stored scale.

    `weight` is an N x K ternary matrix, packed (`!tern.ternary`) or plain
    int8 (`tensor<NxKxi8>` holding -1, 0, 1); K must match the input. The
    optional `schedule` holds the kernel's tuning knobs. No bias.

    ```mlir
    %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<>>, f32 -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins Tern_I8Tensor2D:$input, Tern_F32Tensor1D:$input_scale,
                       Tern_WeightLike:$weight, F32:$weight_scale,
                       DefaultValuedAttr<Tern_ScaleModeAttr,
                         "::mlir::tern::ScaleMode::multiply">:$scale_mode,
                       OptionalAttr<Tern_ScheduleAttr>:$schedule);
  let results = (outs Tern_F32Tensor2D:$result);
  let assemblyFormat = [{
    $input `,` $input_scale `,` $weight `,` $weight_scale attr-dict `:`
    type($input) `,` type($input_scale) `,` type($weight) `,` type($weight_scale)
    `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Logical [N, K] of the weight, whichever type it has.
    std::pair<int64_t, int64_t> getWeightShape();
  }];
}

class Tern_ElementwiseOp<string mnemonic, string what,
                         list<string> operandNames>
    : Tern_Op<mnemonic, [Pure, Elementwise,
                         AllTypesMatch<!listconcat(["result"], operandNames)>]> {
  let summary = what;
  let results = (outs Tern_F32Tensor:$result);
}

def Tern_Relu2Op : Tern_ElementwiseOp<"relu2", "squared ReLU: relu(x)^2", ["input"]> {
  let description = [{
    BitNet's FFN activation (`hidden_act: relu2`): `y = max(x, 0)^2`.

    ```mlir
    %y = tern.relu2 %g : tensor<?x192xf32>
    ```
  }];
  let arguments = (ins Tern_F32Tensor:$input);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Tern_SiluOp : Tern_ElementwiseOp<"silu", "SiLU: x * sigmoid(x)", ["input"]> {
  let description = [{
    The FFN activation of the Llama-3 / Falcon3 1.58-bit and 1bitLLM models
    (`hidden_act: silu`): `y = x / (1 + exp(-x))`, as torch computes it.

    ```mlir
    %y = tern.silu %g : tensor<?x192xf32>
    ```
  }];
  let arguments = (ins Tern_F32Tensor:$input);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Tern_MulOp : Tern_ElementwiseOp<"mul", "elementwise product", ["lhs", "rhs"]> {
  let description = [{
    `y = lhs * rhs` (the gate times up product of the FFN).

    ```mlir
    %m = tern.mul %a, %b : tensor<?x192xf32>
    ```
  }];
  let arguments = (ins Tern_F32Tensor:$lhs, Tern_F32Tensor:$rhs);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Tern_AddOp : Tern_ElementwiseOp<"add", "elementwise sum", ["lhs", "rhs"]> {
  let description = [{
    `y = lhs + rhs` (the residual connections).

    ```mlir
    %h2 = tern.add %h, %o : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Tern_F32Tensor:$lhs, Tern_F32Tensor:$rhs);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Tern_RopeOp : Tern_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding (NEOX / HF rotate_half style)";
  let description = [{
    `input` is [T, heads * head_dim]; each head of row t is rotated by angle
    `positions[t] * theta^(-2i / head_dim)` pairing element i with element
    i + head_dim/2 (HF `rotate_half`), for i < head_dim / 2:
    `y[i] = x[i] cos - x[i + d/2] sin`, `y[i + d/2] = x[i + d/2] cos + x[i] sin`.

    `freq_factors` (optional, head_dim / 2 positive values: llama.cpp's
    `rope_freqs`, what HF's `rope_scaling` types become) divides pair i's
    frequency: angle `positions[t] * theta^(-2i / head_dim) / freq_factors[i]`.

    ```mlir
    %qr = tern.rope %q, %pos {head_dim = 16 : i64, theta = 5.0e+05 : f32} : tensor<?x64xf32>, tensor<?xi32>
    %kr = tern.rope %k, %pos {head_dim = 4 : i64, theta = 5.0e+05 : f32, freq_factors = array<f32: 1.0, 8.0>} : tensor<?x8xf32>, tensor<?xi32>
    ```
  }];
  let arguments = (ins Tern_F32Tensor2D:$input, Tern_IdTensor1D:$positions,
                       I64Attr:$head_dim, F32Attr:$theta,
                       OptionalAttr<DenseF32ArrayAttr>:$freq_factors);
  let results = (outs Tern_F32Tensor2D:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def Tern_AttentionOp : Tern_Op<"attention", [Pure,
    AllTypesMatch<["q", "output"]>, AllTypesMatch<["k", "v"]>,
    AllTypesMatch<["k_cache", "v_cache", "k_cache_out", "v_cache_out"]>]> {
  let summary = "causal grouped-query attention over a KV cache";
  let description = [{
    Appends the T new keys and values (rows of `k`, `v`, already rotated) to
    the caches at rows `start .. start+T-1` and returns the updated caches
    (value semantics). Query row t sits at position `start + t` and attends
    to cache rows 0 .. start+t (causal). Query head h uses KV head
    `h / (num_heads / num_kv_heads)`; scores are scaled by `1/sqrt(head_dim)`
    and softmax is taken in f32. `start + T` beyond the cache's rows is a
    run-time error (context overflow). The optional `schedule` holds the
    kernel's knobs (CPU: `tile_n`, query heads of a group per pass over the
    cache).

    ```mlir
    %o, %kc2, %vc2 = tern.attention %q, %k, %v, %kc, %vc, %start
        {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64}
        : tensor<?x64xf32>, tensor<?x32xf32>, tensor<256x32xf32>
    ```
  }];
  let arguments = (ins Tern_F32Tensor2D:$q, Tern_F32Tensor2D:$k,
                       Tern_F32Tensor2D:$v, Tern_F32Tensor2D:$k_cache,
                       Tern_F32Tensor2D:$v_cache, Index:$start,
                       I64Attr:$num_heads, I64Attr:$num_kv_heads,
                       I64Attr:$head_dim,
                       OptionalAttr<Tern_ScheduleAttr>:$schedule);
  let results = (outs Tern_F32Tensor2D:$output, Tern_F32Tensor2D:$k_cache_out,
                      Tern_F32Tensor2D:$v_cache_out);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $k_cache `,` $v_cache `,` $start attr-dict `:`
    type($q) `,` type($k) `,` type($k_cache)
  }];
  let hasVerifier = 1;
}

def Tern_MatmulOp : Tern_Op<"matmul", [Pure]> {
  let summary = "full-precision x times W-transposed (the LM head)";
  let description = [{
    `y[t, n] = sum_k x[t, k] * float32(weight[n, k])`, in f32. `weight` is
    [N, K] in any float type (the tied embedding table, for BitNet 2B4T).
    The optional `schedule` holds the head kernel's knobs (tile_n, prefetch,
    isa).

    ```mlir
    %logits = tern.matmul %h, %emb : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Tern_F32Tensor2D:$input, Tern_FloatTensor2D:$weight,
                       OptionalAttr<Tern_ScheduleAttr>:$schedule);
  let results = (outs Tern_F32Tensor2D:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tern_PackOp : Tern_Op<"pack", [Pure]> {
  let summary = "pack a ternary matrix into a layout, or change its layout";
  let description = [{
    From a plain int8 N x K matrix (values -1, 0, 1) or a packed one, to the
    result's layout. The logical matrix is unchanged. When the input is a
    constant weight, packing runs at compile time.

    ```mlir
    %p = tern.pack %w : tensor<32x64xi8> -> !tern.ternary<32x64, #tern.layout<>>
    ```
  }];
  let arguments = (ins Tern_WeightLike:$input);
  let results = (outs Tern_TernaryType:$result);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tern_UnpackOp : Tern_Op<"unpack", [Pure]> {
  let summary = "unpack a ternary matrix to plain int8 (-1, 0, 1)";
  let description = [{
    ```mlir
    %w = tern.unpack %p : !tern.ternary<32x64, #tern.layout<>> -> tensor<32x64xi8>
    ```
  }];
  let arguments = (ins Tern_TernaryType:$input);
  let results = (outs Tern_I8Tensor2D:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}


//===----------------------------------------------------------------------===//
// Kernel ops: what the fusion passes produce and codegen consumes. Each is
// one kernel launch (one parallel loop nest).
//===----------------------------------------------------------------------===//

def Tern_NormQuantizeOp : Tern_Op<"norm_quantize", [Pure, AttrSizedOperandSegments]> {
  let summary = "fused (gate activation), (RMSNorm) and int8 quantization";
  let description = [{
    Kernel op: `quantize(rms_norm(z, weight))` per token row, where `z` is
    `input`, or `act(input) * up` when `up` is given (the FFN's gate and
    up projections; `activation` is `relu2`, the default, or `silu`).
    Without `weight` there is no norm: `quantize(z)` (the models without
    BitNet's sub-norms quantize the attention output and the FFN product
    directly). Produced by `--tern-fuse-norm-quantize`; same results as
    the graph ops it replaces. The optional `schedule` holds the kernel's
    knobs (CPU: `tile_m`, token rows per pass, and `unroll`, chunks per
    step of the absmax and quantize passes; neither changes a bit of the
    result).

    ```mlir
    %q, %s = tern.norm_quantize %x, %w {epsilon = 1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xi8>, tensor<?xf32>
    %q2, %s2 = tern.norm_quantize %g gated_by %u, %w2 : tensor<?x192xf32> gated_by tensor<?x192xf32>, tensor<192xbf16> -> tensor<?x192xi8>, tensor<?xf32>
    %q3, %s3 = tern.norm_quantize %g gated_by %u {activation = #tern.activation<silu>} : tensor<?x192xf32> gated_by tensor<?x192xf32> -> tensor<?x192xi8>, tensor<?xf32>
    %q4, %s4 = tern.norm_quantize %a : tensor<?x64xf32> -> tensor<?x64xi8>, tensor<?xf32>
    ```
  }];
  let arguments = (ins Tern_F32Tensor2D:$input, Optional<Tern_F32Tensor2D>:$up,
                       Optional<Tern_FloatTensor1D>:$weight,
                       DefaultValuedAttr<Tern_ActivationAttr,
                                         "::mlir::tern::Activation::relu2">:$activation,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
                       OptionalAttr<Tern_ScheduleAttr>:$schedule);
  let results = (outs Tern_I8Tensor2D:$output, Tern_F32Tensor1D:$scale);
  let assemblyFormat = [{
    $input (`gated_by` $up^)? (`,` $weight^)? attr-dict `:` type($input)
    (`gated_by` type($up)^)? (`,` type($weight)^)? `->` type($output) `,` type($scale)
  }];
  let hasVerifier = 1;
}

def Tern_TernaryMatmulOp : Tern_Op<"ternary_matmul",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "one ternary GEMV/GEMM over one or more weights, with epilogues";
  let description = [{
    Kernel op: the BitLinears that read the same quantized input, computed
    by one kernel. Result i is `bitlinear(input, input_scale, weights[i],
    weight_scales[i])` (same formula and `scale_mode` as `tern.bitlinear`),
    plus `residual` when given (one result only): `residual + y`.

    After `--tern-pack-weights` the weights are one packed matrix whose rows
    are the results' rows one after another; `parts` then gives each
    result's row count. Produced by `--tern-fuse-bitlinear` and
    `--tern-fuse-residual`; `schedule` holds the kernel's knobs.

    ```mlir
    %q, %k, %v = tern.ternary_matmul %x, %s, [%wq, %wk, %wv], [%sq, %sk, %sv]
        : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>, tensor<32x64xi8>, tensor<32x64xi8>]
        -> tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>
    ```
  }];
  let arguments = (ins Tern_I8Tensor2D:$input, Tern_F32Tensor1D:$input_scale,
                       Variadic<Tern_WeightLike>:$weights,
                       Variadic<F32>:$weight_scales,
                       Optional<Tern_F32Tensor2D>:$residual,
                       DefaultValuedAttr<Tern_ScaleModeAttr,
                         "::mlir::tern::ScaleMode::multiply">:$scale_mode,
                       OptionalAttr<Tern_ScheduleAttr>:$schedule,
                       OptionalAttr<DenseI64ArrayAttr>:$parts);
  let results = (outs Variadic<Tern_F32Tensor2D>:$results);
  let assemblyFormat = [{
    $input `,` $input_scale `,` `[` $weights `]` `,` `[` $weight_scales `]`
    (`residual` $residual^)? attr-dict `:` type($input) `,` type($input_scale)
    `,` `[` type($weights) `]` (`,` type($residual)^)? `->` type($results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Output rows of each result.
    ::llvm::SmallVector<int64_t> getPartRows();
  }];
}

#endif // TERN_OPS_TD
