// Nothing but the LLVM dialect may be left: no tern, linalg, tensor, memref,
// bufferization, arith, scf, cf, affine or func op, and no unresolved cast.
// Custom form, checked on every line by --implicit-check-not:
// RUN: tern-opt %s --tern-lower-to-llvm | FileCheck %s \
// RUN:   --implicit-check-not='{{(tern|linalg|tensor|memref|bufferization|arith|scf|cf|affine|math|index)\.[a-z_]+}}' \
// RUN:   --implicit-check-not=func.func --implicit-check-not=unrealized_conversion_cast
// Generic form: every op name is quoted; none may be of those dialects.
// RUN: tern-opt %s --tern-lower-to-llvm --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// GENERIC-NOT: {{"(tern|linalg|tensor|memref|bufferization|arith|scf|cf|affine|func|math|index)\.[a-z_.]+"}}
// GENERIC-NOT: "builtin.unrealized_conversion_cast"
// GENERIC: "llvm.func"
// GENERIC-NOT: {{"(tern|linalg|tensor|memref|bufferization|arith|scf|cf|affine|func|math|index)\.[a-z_.]+"}}
// GENERIC-NOT: "builtin.unrealized_conversion_cast"

// The temporaries (unpacked weight, i32 accumulator) are heap buffers.
// CHECK-DAG: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @free(!llvm.ptr)

// The packed 32x64 weight arrives as its 8x64 storage (a memref descriptor:
// two pointers, offset, two sizes, two strides), the result is a 2-D f32
// descriptor.
// CHECK-LABEL: llvm.func @bitlinear_packed
// CHECK-SAME: %arg19: f32) -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// Unpack: shift and mask of the 2-bit code.
// CHECK: llvm.lshr %{{.*}}, %{{.*}} : i8
// CHECK: llvm.and %{{.*}}, %{{.*}} : i8
// CHECK: llvm.sub %{{.*}}, %{{.*}} : i8
// Contraction: i8 -> i32, multiply-accumulate.
// CHECK: llvm.sext %{{.*}} : i8 to i32
// CHECK: llvm.sext %{{.*}} : i8 to i32
// CHECK: llvm.mul %{{.*}}, %{{.*}} : i32
// CHECK: llvm.add %{{.*}}, %{{.*}} : i32
// Rescale (multiply): float(acc) / s * ws.
// CHECK: llvm.sitofp %{{.*}} : i32 to f32
// CHECK-NEXT: llvm.fdiv %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: llvm.fmul %{{.*}}, %arg19 : f32
// CHECK: llvm.call @free
// CHECK: llvm.return %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
func.func @bitlinear_packed(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, %ws: f32) -> tensor<?x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, f32 -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// A plain int8 weight, scale_mode = divide, then the FFN elementwise ops.
// CHECK-LABEL: llvm.func @bitlinear_divide_relu2
// CHECK-NOT: llvm.lshr
// CHECK: llvm.sext %{{.*}} : i8 to i32
// CHECK: llvm.sitofp %{{.*}} : i32 to f32
// CHECK-NEXT: llvm.fmul %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: llvm.fdiv %{{.*}}, %{{.*}} : f32
// relu2 = max(x, 0)^2, maximumf lowers to the NaN-propagating intrinsic.
// CHECK: llvm.intr.maximum(%{{.*}}, %{{.*}}) : (f32, f32) -> f32
// CHECK-NEXT: llvm.fmul %[[R:.*]], %[[R]] : f32
// CHECK: llvm.return
func.func @bitlinear_divide_relu2(%q: tensor<4x64xi8>, %s: tensor<4xf32>, %w: tensor<32x64xi8>, %ws: f32) -> tensor<4x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws {scale_mode = #tern.scale_mode<divide>} : tensor<4x64xi8>, tensor<4xf32>, tensor<32x64xi8>, f32 -> tensor<4x32xf32>
  %r = tern.relu2 %y : tensor<4x32xf32>
  return %r : tensor<4x32xf32>
}
