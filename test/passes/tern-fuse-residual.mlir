// RUN: tern-opt %s --split-input-file --tern-fuse-residual | FileCheck %s

// h + o_proj(x): the add becomes the matmul's residual epilogue; attributes
// (scale_mode, schedule, parts) carry over.
// CHECK-LABEL: func.func @residual_rhs
// CHECK-SAME: (%[[H:.*]]: tensor<?x64xf32>, %[[X:.*]]: tensor<?x64xi8>, %[[S:.*]]: tensor<?xf32>, %[[W:.*]]: tensor<64x64xi8>, %[[WS:.*]]: f32)
// CHECK-NEXT: %[[Y:.*]] = tern.ternary_matmul %[[X]], %[[S]], [%[[W]]], [%[[WS]]] residual %[[H]] {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 4>} : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>], tensor<?x64xf32> -> tensor<?x64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @residual_rhs(%h: tensor<?x64xf32>, %x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<64x64xi8>, %ws: f32) -> tensor<?x64xf32> {
  %m = tern.ternary_matmul %x, %s, [%w], [%ws] {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 4>} : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>] -> tensor<?x64xf32>
  %r = tern.add %h, %m : tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// o_proj(x) + h: the same (float addition commutes).
// CHECK-LABEL: func.func @residual_lhs
// CHECK-SAME: (%[[H:.*]]: tensor<?x64xf32>, %[[X:.*]]: tensor<?x64xi8>, %[[S:.*]]: tensor<?xf32>, %[[W:.*]]: !tern.ternary<64x64, #tern.layout<block = 16>>, %[[WS:.*]]: f32)
// CHECK-NEXT: %[[Y:.*]] = tern.ternary_matmul %[[X]], %[[S]], [%[[W]]], [%[[WS]]] residual %[[H]] {parts = array<i64: 64>} : tensor<?x64xi8>, tensor<?xf32>, [!tern.ternary<64x64, #tern.layout<block = 16>>], tensor<?x64xf32> -> tensor<?x64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @residual_lhs(%h: tensor<?x64xf32>, %x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<64x64, #tern.layout<block = 16>>, %ws: f32) -> tensor<?x64xf32> {
  %m = tern.ternary_matmul %x, %s, [%w], [%ws] {parts = array<i64: 64>} : tensor<?x64xi8>, tensor<?xf32>, [!tern.ternary<64x64, #tern.layout<block = 16>>] -> tensor<?x64xf32>
  %r = tern.add %m, %h : tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// h is defined after the matmul: the fused op takes the add's place, where
// both are available.
// CHECK-LABEL: func.func @residual_defined_later
// CHECK-NEXT: %[[H:.*]] = tern.relu2
// CHECK-NEXT: %[[Y:.*]] = tern.ternary_matmul {{.*}} residual %[[H]] :
// CHECK-NEXT: return %[[Y]]
func.func @residual_defined_later(%g: tensor<?x64xf32>, %x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<64x64xi8>, %ws: f32) -> tensor<?x64xf32> {
  %m = tern.ternary_matmul %x, %s, [%w], [%ws] : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>] -> tensor<?x64xf32>
  %h = tern.relu2 %g : tensor<?x64xf32>
  %r = tern.add %h, %m : tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// Both operands are matmul results: the rhs takes the lhs as its residual.
// CHECK-LABEL: func.func @both_matmuls
// CHECK-NEXT: %[[A:.*]] = tern.ternary_matmul %{{.*}}, %{{.*}}, [%{{.*}}], [%{{.*}}] : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>] -> tensor<?x64xf32>
// CHECK-NEXT: %[[B:.*]] = tern.ternary_matmul {{.*}} residual %[[A]] :
// CHECK-NEXT: return %[[B]]
func.func @both_matmuls(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<64x64xi8>, %ws: f32) -> tensor<?x64xf32> {
  %a = tern.ternary_matmul %x, %s, [%w], [%ws] : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>] -> tensor<?x64xf32>
  %b = tern.ternary_matmul %x, %s, [%w], [%ws] : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>] -> tensor<?x64xf32>
  %r = tern.add %a, %b : tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// Not fused: the matmul result has another use; a matmul with two results;
// a matmul that already has a residual; an add of other values.
// CHECK-LABEL: func.func @not_fused
// CHECK-NEXT: %[[M:.*]] = tern.ternary_matmul %{{[^ ]*}}, %{{[^ ]*}}, [%{{[^ ]*}}], [%{{[^ ]*}}] : tensor
// CHECK-NEXT: tern.add %{{.*}}, %[[M]]
// CHECK-NEXT: %[[M2:.*]]:2 = tern.ternary_matmul
// CHECK-NEXT: tern.add %{{.*}}, %[[M2]]#0
// CHECK-NEXT: %[[M3:.*]] = tern.ternary_matmul {{.*}} residual
// CHECK-NEXT: tern.add %{{.*}}, %[[M3]]
// CHECK-NEXT: tern.add %{{.*}}, %{{.*}} : tensor<?x64xf32>
// CHECK-NEXT: return
func.func @not_fused(%h: tensor<?x64xf32>, %x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<64x64xi8>, %ws: f32) -> (tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>) {
  %m = tern.ternary_matmul %x, %s, [%w], [%ws] : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>] -> tensor<?x64xf32>
  %r1 = tern.add %h, %m : tensor<?x64xf32>
  %m2:2 = tern.ternary_matmul %x, %s, [%w, %w], [%ws, %ws] : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>, tensor<64x64xi8>] -> tensor<?x64xf32>, tensor<?x64xf32>
  %r2 = tern.add %h, %m2#0 : tensor<?x64xf32>
  %m3 = tern.ternary_matmul %x, %s, [%w], [%ws] residual %h : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>], tensor<?x64xf32> -> tensor<?x64xf32>
  %r3 = tern.add %h, %m3 : tensor<?x64xf32>
  %r4 = tern.add %h, %h : tensor<?x64xf32>
  return %r1, %m, %r2, %r3, %r4 : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// A BitNet block's two residuals, chained: h1 = h + o(..), h2 = h1 + down(..).
// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[H:[^:]*]]:
// CHECK-NEXT: %[[H1:.*]] = tern.ternary_matmul {{.*}} residual %[[H]] :
// CHECK-NEXT: %[[H2:.*]] = tern.ternary_matmul {{.*}} residual %[[H1]] :
// CHECK-NEXT: return %[[H2]]
func.func @chain(%h: tensor<?x64xf32>, %x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<64x64xi8>, %ws: f32) -> tensor<?x64xf32> {
  %o = tern.ternary_matmul %x, %s, [%w], [%ws] : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>] -> tensor<?x64xf32>
  %h1 = tern.add %h, %o : tensor<?x64xf32>
  %d = tern.ternary_matmul %x, %s, [%w], [%ws] : tensor<?x64xi8>, tensor<?xf32>, [tensor<64x64xi8>] -> tensor<?x64xf32>
  %h2 = tern.add %h1, %d : tensor<?x64xf32>
  return %h2 : tensor<?x64xf32>
}
