// One BitNet b1.58 layer as tern-import writes it (tern-make-model --preset
// tiny, layer 0), through the fusion passes in their usual order.
// RUN: tern-opt %s --tern-fuse-norm-quantize --tern-fuse-bitlinear --tern-fuse-residual '--tern-attach-schedule=target=x86-avx512-vnni' --tern-pack-weights | FileCheck %s --implicit-check-not=tern.bitlinear --implicit-check-not=tern.rms_norm --implicit-check-not=tern.quantize --implicit-check-not=tern.add --implicit-check-not=tern.relu2 --implicit-check-not=tern.mul
// Each stage alone produces valid IR.
// RUN: tern-opt %s --tern-fuse-norm-quantize --tern-fuse-bitlinear --tern-fuse-residual --tern-pack-weights --tern-attach-schedule -o /dev/null
// RUN: tern-opt %s --tern-fuse-bitlinear --tern-fuse-residual --tern-fuse-norm-quantize -o /dev/null
// RUN: tern-opt %s --tern-fuse-bitlinear=concat=false --tern-pack-weights=vector-bytes=16 -o /dev/null

// CHECK-LABEL: module
// CHECK-NEXT: tern.global @model.layers.0.input_layernorm.weight
// CHECK-NEXT: tern.global @model.layers.0.self_attn.q_proj.weight.packed : !tern.ternary<512x256, #tern.layout<block = 4, interleave = 16, chunk = 4>> from "model.tpack" offset 0 {sources = [@model.layers.0.self_attn.q_proj.weight, @model.layers.0.self_attn.k_proj.weight, @model.layers.0.self_attn.v_proj.weight]}
// CHECK: tern.global @model.layers.0.self_attn.o_proj.weight.packed : !tern.ternary<256x256, #tern.layout<block = 4, interleave = 16, chunk = 4>> from "model.tpack" offset 32768 {sources = [@model.layers.0.self_attn.o_proj.weight]}
// CHECK: tern.global @model.layers.0.mlp.gate_proj.weight.packed : !tern.ternary<1024x256, #tern.layout<block = 4, interleave = 16, chunk = 4>> from "model.tpack" offset 49152 {sources = [@model.layers.0.mlp.gate_proj.weight, @model.layers.0.mlp.up_proj.weight]}
// CHECK: tern.global @model.layers.0.mlp.down_proj.weight.packed : !tern.ternary<256x512, #tern.layout<block = 4, interleave = 16, chunk = 4>> from "model.tpack" offset 114688 {sources = [@model.layers.0.mlp.down_proj.weight]}
// CHECK-NOT: tern.global @model.layers.0.{{.*}}_proj.weight :
// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%[[H:[^:]*]]: tensor<?x256xf32>
// CHECK: %[[X:.*]], %[[XS:.*]] = tern.norm_quantize %[[H]], %{{.*}} : tensor<?x256xf32>, tensor<256xbf16> -> tensor<?x256xi8>, tensor<?xf32>
// CHECK: %[[SQ:.*]] = arith.extf
// CHECK: %[[SK:.*]] = arith.extf
// CHECK: %[[SV:.*]] = arith.extf
// CHECK-NEXT: %[[WQKV:.*]] = tern.get_global @model.layers.0.self_attn.q_proj.weight.packed
// CHECK-NEXT: %[[QKV:.*]]:3 = tern.ternary_matmul %[[X]], %[[XS]], [%[[WQKV]]], [%[[SQ]], %[[SK]], %[[SV]]] {parts = array<i64: 256, 128, 128>, schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">} : tensor<?x256xi8>, tensor<?xf32>, [!tern.ternary<512x256, #tern.layout<block = 4, interleave = 16, chunk = 4>>] -> tensor<?x256xf32>, tensor<?x128xf32>, tensor<?x128xf32>
// CHECK-NEXT: %[[Q:.*]] = tern.rope %[[QKV]]#0
// CHECK-NEXT: %[[K:.*]] = tern.rope %[[QKV]]#1
// CHECK-NEXT: %[[ATT:.*]], %[[KC:.*]], %[[VC:.*]] = tern.attention %[[Q]], %[[K]], %[[QKV]]#2
// CHECK: %[[A:.*]], %[[AS:.*]] = tern.norm_quantize %[[ATT]], %{{.*}} : tensor<?x256xf32>, tensor<256xbf16>
// CHECK: %[[SO:.*]] = arith.extf
// CHECK-NEXT: %[[WO:.*]] = tern.get_global @model.layers.0.self_attn.o_proj.weight.packed
// CHECK-NEXT: %[[H1:.*]] = tern.ternary_matmul %[[A]], %[[AS]], [%[[WO]]], [%[[SO]]] residual %[[H]] {parts = array<i64: 256>, schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">} : tensor<?x256xi8>, tensor<?xf32>, [!tern.ternary<256x256, #tern.layout<block = 4, interleave = 16, chunk = 4>>], tensor<?x256xf32> -> tensor<?x256xf32>
// CHECK: %[[Y:.*]], %[[YS:.*]] = tern.norm_quantize %[[H1]], %{{.*}} : tensor<?x256xf32>, tensor<256xbf16>
// CHECK: %[[SG:.*]] = arith.extf
// CHECK: %[[SU:.*]] = arith.extf
// CHECK-NEXT: %[[WGU:.*]] = tern.get_global @model.layers.0.mlp.gate_proj.weight.packed
// CHECK-NEXT: %[[GU:.*]]:2 = tern.ternary_matmul %[[Y]], %[[YS]], [%[[WGU]]], [%[[SG]], %[[SU]]] {parts = array<i64: 512, 512>, schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">} : tensor<?x256xi8>, tensor<?xf32>, [!tern.ternary<1024x256, #tern.layout<block = 4, interleave = 16, chunk = 4>>] -> tensor<?x512xf32>, tensor<?x512xf32>
// CHECK: %[[M:.*]], %[[MS:.*]] = tern.norm_quantize %[[GU]]#0 gated_by %[[GU]]#1, %{{.*}} : tensor<?x512xf32> gated_by tensor<?x512xf32>, tensor<512xbf16> -> tensor<?x512xi8>, tensor<?xf32>
// CHECK: %[[SD:.*]] = arith.extf
// CHECK-NEXT: %[[WD:.*]] = tern.get_global @model.layers.0.mlp.down_proj.weight.packed
// CHECK-NEXT: %[[H2:.*]] = tern.ternary_matmul %[[M]], %[[MS]], [%[[WD]]], [%[[SD]]] residual %[[H1]] {parts = array<i64: 256>, schedule = #tern.schedule<tile_m = 8, tile_n = 3, layout = "i2lane">} : tensor<?x512xi8>, tensor<?xf32>, [!tern.ternary<256x512, #tern.layout<block = 4, interleave = 16, chunk = 4>>], tensor<?x256xf32> -> tensor<?x256xf32>
// CHECK-NEXT: return %[[H2]], %[[KC]], %[[VC]]

module {
  tern.global @model.layers.0.input_layernorm.weight : tensor<256xbf16> from "model.safetensors" offset 266128
  tern.global @model.layers.0.self_attn.q_proj.weight : !tern.ternary<256x256, #tern.layout<pack_dim = 0, block = 64>> from "model.safetensors" offset 266640
  tern.global @model.layers.0.self_attn.q_proj.weight_scale : tensor<1xbf16> from "model.safetensors" offset 283024
  tern.global @model.layers.0.self_attn.k_proj.weight : !tern.ternary<128x256, #tern.layout<pack_dim = 0, block = 32>> from "model.safetensors" offset 283032
  tern.global @model.layers.0.self_attn.k_proj.weight_scale : tensor<1xbf16> from "model.safetensors" offset 291224
  tern.global @model.layers.0.self_attn.v_proj.weight : !tern.ternary<128x256, #tern.layout<pack_dim = 0, block = 32>> from "model.safetensors" offset 291232
  tern.global @model.layers.0.self_attn.v_proj.weight_scale : tensor<1xbf16> from "model.safetensors" offset 299424
  tern.global @model.layers.0.self_attn.attn_sub_norm.weight : tensor<256xbf16> from "model.safetensors" offset 299432
  tern.global @model.layers.0.self_attn.o_proj.weight : !tern.ternary<256x256, #tern.layout<pack_dim = 0, block = 64>> from "model.safetensors" offset 299944
  tern.global @model.layers.0.self_attn.o_proj.weight_scale : tensor<1xbf16> from "model.safetensors" offset 316328
  tern.global @model.layers.0.post_attention_layernorm.weight : tensor<256xbf16> from "model.safetensors" offset 316336
  tern.global @model.layers.0.mlp.gate_proj.weight : !tern.ternary<512x256, #tern.layout<pack_dim = 0, block = 128>> from "model.safetensors" offset 316848
  tern.global @model.layers.0.mlp.gate_proj.weight_scale : tensor<1xbf16> from "model.safetensors" offset 349616
  tern.global @model.layers.0.mlp.up_proj.weight : !tern.ternary<512x256, #tern.layout<pack_dim = 0, block = 128>> from "model.safetensors" offset 349624
  tern.global @model.layers.0.mlp.up_proj.weight_scale : tensor<1xbf16> from "model.safetensors" offset 382392
  tern.global @model.layers.0.mlp.ffn_sub_norm.weight : tensor<512xbf16> from "model.safetensors" offset 382400
  tern.global @model.layers.0.mlp.down_proj.weight : !tern.ternary<256x512, #tern.layout<pack_dim = 0, block = 64>> from "model.safetensors" offset 383424
  tern.global @model.layers.0.mlp.down_proj.weight_scale : tensor<1xbf16> from "model.safetensors" offset 416192
  func.func @layer(%arg0: tensor<?x256xf32>, %arg1: tensor<?xi32>, %arg2: index, %arg3: tensor<256x128xf32>, %arg4: tensor<256x128xf32>) -> (tensor<?x256xf32>, tensor<256x128xf32>, tensor<256x128xf32>) {
    %2 = tern.get_global @model.layers.0.input_layernorm.weight : tensor<256xbf16>
    %3 = tern.rms_norm %arg0, %2 : tensor<?x256xf32>, tensor<256xbf16>
    %output, %scale = tern.quantize %3 : tensor<?x256xf32> -> tensor<?x256xi8>, tensor<?xf32>
    %4 = tern.get_global @model.layers.0.self_attn.q_proj.weight : !tern.ternary<256x256, #tern.layout<pack_dim = 0, block = 64>>
    %5 = tern.get_global @model.layers.0.self_attn.q_proj.weight_scale : tensor<1xbf16>
    %c0 = arith.constant 0 : index
    %extracted = tensor.extract %5[%c0] : tensor<1xbf16>
    %6 = arith.extf %extracted : bf16 to f32
    %7 = tern.bitlinear %output, %scale, %4, %6 : tensor<?x256xi8>, tensor<?xf32>, !tern.ternary<256x256, #tern.layout<pack_dim = 0, block = 64>>, f32 -> tensor<?x256xf32>
    %8 = tern.get_global @model.layers.0.self_attn.k_proj.weight : !tern.ternary<128x256, #tern.layout<pack_dim = 0, block = 32>>
    %9 = tern.get_global @model.layers.0.self_attn.k_proj.weight_scale : tensor<1xbf16>
    %c0_0 = arith.constant 0 : index
    %extracted_1 = tensor.extract %9[%c0_0] : tensor<1xbf16>
    %10 = arith.extf %extracted_1 : bf16 to f32
    %11 = tern.bitlinear %output, %scale, %8, %10 : tensor<?x256xi8>, tensor<?xf32>, !tern.ternary<128x256, #tern.layout<pack_dim = 0, block = 32>>, f32 -> tensor<?x128xf32>
    %12 = tern.get_global @model.layers.0.self_attn.v_proj.weight : !tern.ternary<128x256, #tern.layout<pack_dim = 0, block = 32>>
    %13 = tern.get_global @model.layers.0.self_attn.v_proj.weight_scale : tensor<1xbf16>
    %c0_2 = arith.constant 0 : index
    %extracted_3 = tensor.extract %13[%c0_2] : tensor<1xbf16>
    %14 = arith.extf %extracted_3 : bf16 to f32
    %15 = tern.bitlinear %output, %scale, %12, %14 : tensor<?x256xi8>, tensor<?xf32>, !tern.ternary<128x256, #tern.layout<pack_dim = 0, block = 32>>, f32 -> tensor<?x128xf32>
    %16 = tern.rope %7, %arg1 {head_dim = 64 : i64, theta = 5.000000e+05 : f32} : tensor<?x256xf32>, tensor<?xi32>
    %17 = tern.rope %11, %arg1 {head_dim = 64 : i64, theta = 5.000000e+05 : f32} : tensor<?x128xf32>, tensor<?xi32>
    %output_4, %k_cache_out, %v_cache_out = tern.attention %16, %17, %15, %arg3, %arg4, %arg2 {head_dim = 64 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<?x256xf32>, tensor<?x128xf32>, tensor<256x128xf32>
    %18 = tern.get_global @model.layers.0.self_attn.attn_sub_norm.weight : tensor<256xbf16>
    %19 = tern.rms_norm %output_4, %18 : tensor<?x256xf32>, tensor<256xbf16>
    %output_5, %scale_6 = tern.quantize %19 : tensor<?x256xf32> -> tensor<?x256xi8>, tensor<?xf32>
    %20 = tern.get_global @model.layers.0.self_attn.o_proj.weight : !tern.ternary<256x256, #tern.layout<pack_dim = 0, block = 64>>
    %21 = tern.get_global @model.layers.0.self_attn.o_proj.weight_scale : tensor<1xbf16>
    %c0_7 = arith.constant 0 : index
    %extracted_8 = tensor.extract %21[%c0_7] : tensor<1xbf16>
    %22 = arith.extf %extracted_8 : bf16 to f32
    %23 = tern.bitlinear %output_5, %scale_6, %20, %22 : tensor<?x256xi8>, tensor<?xf32>, !tern.ternary<256x256, #tern.layout<pack_dim = 0, block = 64>>, f32 -> tensor<?x256xf32>
    %24 = tern.add %arg0, %23 : tensor<?x256xf32>
    %25 = tern.get_global @model.layers.0.post_attention_layernorm.weight : tensor<256xbf16>
    %26 = tern.rms_norm %24, %25 : tensor<?x256xf32>, tensor<256xbf16>
    %output_9, %scale_10 = tern.quantize %26 : tensor<?x256xf32> -> tensor<?x256xi8>, tensor<?xf32>
    %27 = tern.get_global @model.layers.0.mlp.gate_proj.weight : !tern.ternary<512x256, #tern.layout<pack_dim = 0, block = 128>>
    %28 = tern.get_global @model.layers.0.mlp.gate_proj.weight_scale : tensor<1xbf16>
    %c0_11 = arith.constant 0 : index
    %extracted_12 = tensor.extract %28[%c0_11] : tensor<1xbf16>
    %29 = arith.extf %extracted_12 : bf16 to f32
    %30 = tern.bitlinear %output_9, %scale_10, %27, %29 : tensor<?x256xi8>, tensor<?xf32>, !tern.ternary<512x256, #tern.layout<pack_dim = 0, block = 128>>, f32 -> tensor<?x512xf32>
    %31 = tern.get_global @model.layers.0.mlp.up_proj.weight : !tern.ternary<512x256, #tern.layout<pack_dim = 0, block = 128>>
    %32 = tern.get_global @model.layers.0.mlp.up_proj.weight_scale : tensor<1xbf16>
    %c0_13 = arith.constant 0 : index
    %extracted_14 = tensor.extract %32[%c0_13] : tensor<1xbf16>
    %33 = arith.extf %extracted_14 : bf16 to f32
    %34 = tern.bitlinear %output_9, %scale_10, %31, %33 : tensor<?x256xi8>, tensor<?xf32>, !tern.ternary<512x256, #tern.layout<pack_dim = 0, block = 128>>, f32 -> tensor<?x512xf32>
    %35 = tern.relu2 %30 : tensor<?x512xf32>
    %36 = tern.mul %35, %34 : tensor<?x512xf32>
    %37 = tern.get_global @model.layers.0.mlp.ffn_sub_norm.weight : tensor<512xbf16>
    %38 = tern.rms_norm %36, %37 : tensor<?x512xf32>, tensor<512xbf16>
    %output_15, %scale_16 = tern.quantize %38 : tensor<?x512xf32> -> tensor<?x512xi8>, tensor<?xf32>
    %39 = tern.get_global @model.layers.0.mlp.down_proj.weight : !tern.ternary<256x512, #tern.layout<pack_dim = 0, block = 64>>
    %40 = tern.get_global @model.layers.0.mlp.down_proj.weight_scale : tensor<1xbf16>
    %c0_17 = arith.constant 0 : index
    %extracted_18 = tensor.extract %40[%c0_17] : tensor<1xbf16>
    %41 = arith.extf %extracted_18 : bf16 to f32
    %42 = tern.bitlinear %output_15, %scale_16, %39, %41 : tensor<?x512xi8>, tensor<?xf32>, !tern.ternary<256x512, #tern.layout<pack_dim = 0, block = 64>>, f32 -> tensor<?x256xf32>
    %43 = tern.add %24, %42 : tensor<?x256xf32>
    return %43, %k_cache_out, %v_cache_out : tensor<?x256xf32>, tensor<256x128xf32>, tensor<256x128xf32>
  }
}
