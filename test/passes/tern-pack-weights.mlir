// RUN: tern-opt %s --split-input-file --tern-pack-weights | FileCheck %s
// RUN: tern-opt %s --split-input-file '--tern-pack-weights=vector-bytes=32 packed-file=out/m.tpack' | FileCheck %s --check-prefix=AVX2
// RUN: tern-opt %s --split-input-file '--tern-pack-weights=vector-bytes=16' | FileCheck %s --check-prefix=NEON
// RUN: tern-opt %s --split-input-file '--tern-pack-weights=block=8' | FileCheck %s --check-prefix=BLOCK8
// RUN: tern-opt %s --split-input-file '--tern-pack-weights=interleave=4' | FileCheck %s --check-prefix=R4
// RUN: tern-opt %s --split-input-file '--tern-pack-weights=lut=3' | FileCheck %s --check-prefix=TL2
// RUN: tern-opt %s --split-input-file '--tern-pack-weights=lut=2 vector-bytes=16' | FileCheck %s --check-prefix=TL1

// q, k, v of any weight type (HF-packed !tern.ternary, an encoded int8
// tensor) become one 2-bit matrix packed along K; the originals, now unused,
// are erased; the `sources` keep their names. K = 256: block 64 on AVX-512,
// 32 with 32-byte vectors, 16 on NEON, or the explicit one.
// CHECK-LABEL: module
// CHECK-NEXT: tern.global @wq.packed : !tern.ternary<128x256, #tern.layout<block = 64>> from "model.tpack" offset 0 {sources = [@wq, @wk, @wv]}
// CHECK-NEXT: tern.global @sk
// CHECK-NEXT: tern.global @wo.packed : !tern.ternary<64x256, #tern.layout<block = 64>> from "model.tpack" offset 8192 {sources = [@wo]}
// CHECK-NOT: tern.global
// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%[[X:.*]]: tensor<?x256xi8>, %[[S:.*]]: tensor<?xf32>, %[[H:.*]]: tensor<?x64xf32>, %[[SQ:.*]]: f32)
// CHECK: %[[SK:.*]] = arith.extf
// CHECK-NEXT: %[[W:.*]] = tern.get_global @wq.packed : !tern.ternary<128x256, #tern.layout<block = 64>>
// CHECK-NEXT: %[[R:.*]]:3 = tern.ternary_matmul %[[X]], %[[S]], [%[[W]]], [%[[SQ]], %[[SK]], %[[SQ]]] {parts = array<i64: 64, 32, 32>, scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 2>} : tensor<?x256xi8>, tensor<?xf32>, [!tern.ternary<128x256, #tern.layout<block = 64>>] -> tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>
// CHECK-NEXT: %[[WO:.*]] = tern.get_global @wo.packed
// CHECK-NEXT: %[[O:.*]] = tern.ternary_matmul %[[X]], %[[S]], [%[[WO]]], [%[[SQ]]] residual %[[H]] {parts = array<i64: 64>} : tensor<?x256xi8>, tensor<?xf32>, [!tern.ternary<64x256, #tern.layout<block = 64>>], tensor<?x64xf32> -> tensor<?x64xf32>
// CHECK-NEXT: return %[[R]]#0, %[[R]]#1, %[[R]]#2, %[[O]]
// AVX2-LABEL: module
// AVX2-NEXT: tern.global @wq.packed : !tern.ternary<128x256, #tern.layout<block = 32>> from "out/m.tpack" offset 0 {sources = [@wq, @wk, @wv]}
// AVX2: tern.global @wo.packed : !tern.ternary<64x256, #tern.layout<block = 32>> from "out/m.tpack" offset 8192 {sources = [@wo]}
// NEON-LABEL: module
// NEON-NEXT: tern.global @wq.packed : !tern.ternary<128x256, #tern.layout<block = 16>> from "model.tpack" offset 0
// BLOCK8-LABEL: module
// BLOCK8-NEXT: tern.global @wq.packed : !tern.ternary<128x256, #tern.layout<block = 8>> from "model.tpack" offset 0
// The row-interleaved (GEMM-tile) layout: 4 rows' 64-byte steps side by side.
// R4-LABEL: module
// R4-NEXT: tern.global @wq.packed : !tern.ternary<128x256, #tern.layout<block = 64, interleave = 4, chunk = 64>> from "model.tpack" offset 0
// The lookup-table layouts: TL2 is 8 row blocks x 11 steps (86 groups of 3,
// 8 per step) x 80 bytes = 7040; TL1 with 16-byte steps is 8 x 64 x 16.
// TL2-LABEL: module
// TL2-NEXT: tern.global @wq.packed : !tern.ternary<128x256, #tern.layout<block = 64, lut = 3>> from "model.tpack" offset 0
// TL2: tern.global @wo.packed : !tern.ternary<64x256, #tern.layout<block = 64, lut = 3>> from "model.tpack" offset 7040
// TL1-LABEL: module
// TL1-NEXT: tern.global @wq.packed : !tern.ternary<128x256, #tern.layout<block = 16, lut = 2>> from "model.tpack" offset 0
// TL1: tern.global @wo.packed : !tern.ternary<64x256, #tern.layout<block = 16, lut = 2>> from "model.tpack" offset 8192
module {
  tern.global @wq : !tern.ternary<64x256, #tern.layout<pack_dim = 0, block = 16>> from "m.safetensors" offset 0
  tern.global @wk : !tern.ternary<32x256, #tern.layout<pack_dim = 0, block = 8>> from "m.safetensors" offset 4096
  tern.global @sk : tensor<1xbf16> from "m.safetensors" offset 6144
  tern.global @wv : tensor<32x256xi8> from "m.gguf" offset 0 encoding "ggml.tq2_0"
  tern.global @wo : tensor<64x256xi8> from "m.gguf" offset 4096 encoding "absmean.bf16"
  func.func @layer(%x: tensor<?x256xi8>, %s: tensor<?xf32>, %h: tensor<?x64xf32>, %sq: f32) -> (tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x64xf32>) {
    %wq = tern.get_global @wq : !tern.ternary<64x256, #tern.layout<pack_dim = 0, block = 16>>
    %wk = tern.get_global @wk : !tern.ternary<32x256, #tern.layout<pack_dim = 0, block = 8>>
    %wv = tern.get_global @wv : tensor<32x256xi8>
    %skt = tern.get_global @sk : tensor<1xbf16>
    %c0 = arith.constant 0 : index
    %ske = tensor.extract %skt[%c0] : tensor<1xbf16>
    %sk = arith.extf %ske : bf16 to f32
    %r:3 = tern.ternary_matmul %x, %s, [%wq, %wk, %wv], [%sq, %sk, %sq] {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 2>} : tensor<?x256xi8>, tensor<?xf32>, [!tern.ternary<64x256, #tern.layout<pack_dim = 0, block = 16>>, !tern.ternary<32x256, #tern.layout<pack_dim = 0, block = 8>>, tensor<32x256xi8>] -> tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>
    %wo = tern.get_global @wo : tensor<64x256xi8>
    %o = tern.ternary_matmul %x, %s, [%wo], [%sq] residual %h : tensor<?x256xi8>, tensor<?xf32>, [tensor<64x256xi8>], tensor<?x64xf32> -> tensor<?x64xf32>
    return %r#0, %r#1, %r#2, %o : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x64xf32>
  }
}

// -----

// Offsets run in creation order, each aligned up to 64 bytes, after what the
// packed file already holds (a 100-byte tensor at 0 here). K = 64 only fits
// block 16. A taken name gets a suffix. Two ops with the same weights share
// one packed global. A global that is still used elsewhere stays.
// CHECK-LABEL: module
// CHECK-NEXT: tern.global @a.packed : tensor<100xi8> from "model.tpack" offset 0
// CHECK-NEXT: tern.global @a.packed_1 : !tern.ternary<20x64, #tern.layout<block = 16>> from "model.tpack" offset 128 {sources = [@a]}
// CHECK-NEXT: tern.global @b.packed : !tern.ternary<40x64, #tern.layout<block = 16>> from "model.tpack" offset 448 {sources = [@b, @a]}
// CHECK-NEXT: tern.global @b : tensor<20x64xi8> from "m" offset 0 encoding "absmean.f16"
// CHECK-NEXT: func.func @offsets
// CHECK: tern.get_global @a.packed_1 : !tern.ternary<20x64, #tern.layout<block = 16>>
// CHECK-NEXT: tern.ternary_matmul {{.*}} {parts = array<i64: 20>}
// CHECK-NEXT: tern.get_global @b.packed : !tern.ternary<40x64, #tern.layout<block = 16>>
// CHECK-NEXT: tern.ternary_matmul {{.*}} {parts = array<i64: 20, 20>}
// CHECK-NEXT: tern.get_global @b.packed : !tern.ternary<40x64, #tern.layout<block = 16>>
// CHECK-NEXT: tern.ternary_matmul {{.*}} {parts = array<i64: 20, 20>}
// CHECK-NEXT: tern.get_global @b : tensor<20x64xi8>
// CHECK-NEXT: return
module {
  tern.global @a.packed : tensor<100xi8> from "model.tpack" offset 0
  tern.global @a : tensor<20x64xi8> from "m" offset 0 encoding "absmean.f16"
  tern.global @b : tensor<20x64xi8> from "m" offset 0 encoding "absmean.f16"
  func.func @offsets(%x: tensor<1x64xi8>, %s: tensor<1xf32>, %ws: f32) -> (tensor<1x20xf32>, tensor<1x20xf32>, tensor<1x20xf32>, tensor<1x20xf32>, tensor<1x20xf32>, tensor<20x64xi8>) {
    %a = tern.get_global @a : tensor<20x64xi8>
    %y = tern.ternary_matmul %x, %s, [%a], [%ws] : tensor<1x64xi8>, tensor<1xf32>, [tensor<20x64xi8>] -> tensor<1x20xf32>
    %b = tern.get_global @b : tensor<20x64xi8>
    %a2 = tern.get_global @a : tensor<20x64xi8>
    %z:2 = tern.ternary_matmul %x, %s, [%b, %a2], [%ws, %ws] : tensor<1x64xi8>, tensor<1xf32>, [tensor<20x64xi8>, tensor<20x64xi8>] -> tensor<1x20xf32>, tensor<1x20xf32>
    %t:2 = tern.ternary_matmul %x, %s, [%b, %a2], [%ws, %ws] : tensor<1x64xi8>, tensor<1xf32>, [tensor<20x64xi8>, tensor<20x64xi8>] -> tensor<1x20xf32>, tensor<1x20xf32>
    %keep = tern.get_global @b : tensor<20x64xi8>
    return %y, %z#0, %z#1, %t#0, %t#1, %keep : tensor<1x20xf32>, tensor<1x20xf32>, tensor<1x20xf32>, tensor<1x20xf32>, tensor<1x20xf32>, tensor<20x64xi8>
  }
}

// -----

// Left alone: weights that are not all globals, and ops already packed.
// CHECK-LABEL: func.func @left_alone
// CHECK-NEXT: tern.get_global @w : tensor<32x64xi8>
// CHECK-NEXT: tern.ternary_matmul %{{.*}}, %{{.*}}, [%{{.*}}, %{{.*}}], [%{{.*}}, %{{.*}}] : tensor<?x64xi8>, tensor<?xf32>, [tensor<32x64xi8>, tensor<32x64xi8>]
// CHECK-NEXT: tern.get_global @p : !tern.ternary<32x64, #tern.layout<block = 16>>
// CHECK-NEXT: tern.ternary_matmul {{.*}} {parts = array<i64: 32>}
// CHECK-NEXT: return
module {
  tern.global @w : tensor<32x64xi8> from "m" offset 0 encoding "absmean.f32"
  tern.global @p : !tern.ternary<32x64, #tern.layout<block = 16>> from "model.tpack" offset 0 {sources = [@w]}
  func.func @left_alone(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %arg: tensor<32x64xi8>, %ws: f32) -> (tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
    %w = tern.get_global @w : tensor<32x64xi8>
    %y:2 = tern.ternary_matmul %x, %s, [%w, %arg], [%ws, %ws] : tensor<?x64xi8>, tensor<?xf32>, [tensor<32x64xi8>, tensor<32x64xi8>] -> tensor<?x32xf32>, tensor<?x32xf32>
    %p = tern.get_global @p : !tern.ternary<32x64, #tern.layout<block = 16>>
    %z = tern.ternary_matmul %x, %s, [%p], [%ws] {parts = array<i64: 32>} : tensor<?x64xi8>, tensor<?xf32>, [!tern.ternary<32x64, #tern.layout<block = 16>>] -> tensor<?x32xf32>
    return %y#0, %y#1, %z : tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>
  }
}

