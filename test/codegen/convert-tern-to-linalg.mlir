// RUN: tern-opt %s --convert-tern-to-linalg | FileCheck %s

// CHECK-DAG: #[[ID:map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[TK:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[NK:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[TN:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[T:map[0-9]*]] = affine_map<(d0, d1) -> (d0)>

// The full bitlinear on a packed weight, pack_dim = 0, block = 8: the 32x64
// matrix is stored as [N/4][K] = 8x64 bytes.
// CHECK-LABEL: func.func @bitlinear_packed
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<?x64xi8>, %[[S:[^:]*]]: tensor<?xf32>, %[[W:[^:]*]]: tensor<8x64xi8>, %[[WS:[^:]*]]: f32) -> tensor<?x32xf32>
//
// Unpack: row n -> packed row p = (n / 32) * 8 + n % 8, slot s = (n / 8) % 4,
// w = ((byte >> 2s) & 3) - 1.
// CHECK: %[[UINIT:.*]] = tensor.empty() : tensor<32x64xi8>
// CHECK: %[[U:.*]] = linalg.generic {indexing_maps = [#[[ID]]], iterator_types = ["parallel", "parallel"]} outs(%[[UINIT]] : tensor<32x64xi8>) {
// CHECK-NEXT: ^bb0(%{{[^:]*}}: i8):
// CHECK-NEXT: %[[ROW:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[COL:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[C32:.*]] = arith.constant 32 : index
// CHECK-NEXT: %[[GRP:.*]] = arith.divui %[[ROW]], %[[C32]] : index
// CHECK-NEXT: %[[C8:.*]] = arith.constant 8 : index
// CHECK-NEXT: %[[BASE:.*]] = arith.muli %[[GRP]], %[[C8]] : index
// CHECK-NEXT: %[[C8B:.*]] = arith.constant 8 : index
// CHECK-NEXT: %[[OFF:.*]] = arith.remui %[[ROW]], %[[C8B]] : index
// CHECK-NEXT: %[[P:.*]] = arith.addi %[[BASE]], %[[OFF]] : index
// CHECK-NEXT: %[[C8C:.*]] = arith.constant 8 : index
// CHECK-NEXT: %[[RUNS:.*]] = arith.divui %[[ROW]], %[[C8C]] : index
// CHECK-NEXT: %[[C4:.*]] = arith.constant 4 : index
// CHECK-NEXT: %[[SLOT:.*]] = arith.remui %[[RUNS]], %[[C4]] : index
// CHECK-NEXT: %[[BYTE:.*]] = tensor.extract %[[W]][%[[P]], %[[COL]]] : tensor<8x64xi8>
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[SHI:.*]] = arith.muli %[[SLOT]], %[[C2]] : index
// CHECK-NEXT: %[[SH:.*]] = arith.index_cast %[[SHI]] : index to i8
// CHECK-NEXT: %[[SHIFTED:.*]] = arith.shrui %[[BYTE]], %[[SH]] : i8
// CHECK-NEXT: %[[C3:.*]] = arith.constant 3 : i8
// CHECK-NEXT: %[[CODE:.*]] = arith.andi %[[SHIFTED]], %[[C3]] : i8
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : i8
// CHECK-NEXT: %[[WV:.*]] = arith.subi %[[CODE]], %[[C1]] : i8
// CHECK-NEXT: linalg.yield %[[WV]] : i8
// CHECK-NEXT: } -> tensor<32x64xi8>
//
// Contraction in i32: acc[t, n] = sum_k int32(q[t, k]) * int32(w[n, k]).
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[TOK:.*]] = tensor.dim %[[Q]], %[[C0]] : tensor<?x64xi8>
// CHECK-NEXT: %[[AINIT:.*]] = tensor.empty(%[[TOK]]) : tensor<?x32xi32>
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[AFILL:.*]] = linalg.fill ins(%[[ZERO]] : i32) outs(%[[AINIT]] : tensor<?x32xi32>) -> tensor<?x32xi32>
// CHECK-NEXT: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[TK]], #[[NK]], #[[TN]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[Q]], %[[U]] : tensor<?x64xi8>, tensor<32x64xi8>) outs(%[[AFILL]] : tensor<?x32xi32>) {
// CHECK-NEXT: ^bb0(%[[QI:[^:]*]]: i8, %[[WI:[^:]*]]: i8, %[[ACCI:[^:]*]]: i32):
// CHECK-NEXT: %[[QE:.*]] = arith.extsi %[[QI]] : i8 to i32
// CHECK-NEXT: %[[WE:.*]] = arith.extsi %[[WI]] : i8 to i32
// CHECK-NEXT: %[[PROD:.*]] = arith.muli %[[QE]], %[[WE]] : i32
// CHECK-NEXT: %[[SUM:.*]] = arith.addi %[[ACCI]], %[[PROD]] : i32
// CHECK-NEXT: linalg.yield %[[SUM]] : i32
// CHECK-NEXT: } -> tensor<?x32xi32>
//
// Rescale, scale_mode = multiply: y = float(acc) / s[t] * ws.
// CHECK: %[[TOK2:.*]] = tensor.dim %[[ACC]], %{{.*}} : tensor<?x32xi32>
// CHECK-NEXT: %[[YINIT:.*]] = tensor.empty(%[[TOK2]]) : tensor<?x32xf32>
// CHECK-NEXT: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[T]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[ACC]], %[[S]] : tensor<?x32xi32>, tensor<?xf32>) outs(%[[YINIT]] : tensor<?x32xf32>) {
// CHECK-NEXT: ^bb0(%[[AI:[^:]*]]: i32, %[[SI:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT: %[[AF:.*]] = arith.sitofp %[[AI]] : i32 to f32
// CHECK-NEXT: %[[DIV:.*]] = arith.divf %[[AF]], %[[SI]] : f32
// CHECK-NEXT: %[[MUL:.*]] = arith.mulf %[[DIV]], %[[WS]] : f32
// CHECK-NEXT: linalg.yield %[[MUL]] : f32
// CHECK-NEXT: } -> tensor<?x32xf32>
// CHECK-NEXT: return %[[Y]] : tensor<?x32xf32>
func.func @bitlinear_packed(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, %ws: f32) -> tensor<?x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, f32 -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// A plain int8 weight is contracted directly (no unpack); static tokens need
// no tensor.dim; scale_mode = divide: y = float(acc) / (s[t] * ws).
// CHECK-LABEL: func.func @bitlinear_plain_divide
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<4x64xi8>, %[[S:[^:]*]]: tensor<4xf32>, %[[W:[^:]*]]: tensor<32x64xi8>, %[[WS:[^:]*]]: f32) -> tensor<4x32xf32>
// CHECK-NOT: linalg.index
// CHECK-NOT: tensor.dim
// CHECK: %[[AINIT:.*]] = tensor.empty() : tensor<4x32xi32>
// CHECK: %[[AFILL:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%[[AINIT]] : tensor<4x32xi32>) -> tensor<4x32xi32>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[TK]], #[[NK]], #[[TN]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[Q]], %[[W]] : tensor<4x64xi8>, tensor<32x64xi8>) outs(%[[AFILL]] : tensor<4x32xi32>)
// CHECK: arith.extsi
// CHECK: arith.extsi
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: } -> tensor<4x32xi32>
// CHECK: %[[YINIT:.*]] = tensor.empty() : tensor<4x32xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[T]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[ACC]], %[[S]] : tensor<4x32xi32>, tensor<4xf32>) outs(%[[YINIT]] : tensor<4x32xf32>) {
// CHECK-NEXT: ^bb0(%[[AI:[^:]*]]: i32, %[[SI:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT: %[[AF:.*]] = arith.sitofp %[[AI]] : i32 to f32
// CHECK-NEXT: %[[DEN:.*]] = arith.mulf %[[SI]], %[[WS]] : f32
// CHECK-NEXT: %[[DIV:.*]] = arith.divf %[[AF]], %[[DEN]] : f32
// CHECK-NEXT: linalg.yield %[[DIV]] : f32
// CHECK-NEXT: } -> tensor<4x32xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x32xf32>
func.func @bitlinear_plain_divide(%q: tensor<4x64xi8>, %s: tensor<4xf32>, %w: tensor<32x64xi8>, %ws: f32) -> tensor<4x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws {scale_mode = #tern.scale_mode<divide>} : tensor<4x64xi8>, tensor<4xf32>, tensor<32x64xi8>, f32 -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// pack_dim = 1, block = 4: storage [N][K/4] = 32x16; the packed position
// comes from the column (k / 16) * 4 + k % 4, slot (k / 4) % 4.
// CHECK-LABEL: func.func @bitlinear_pack_dim1
// CHECK-SAME: %[[W:[^:]*]]: tensor<32x16xi8>
// CHECK: linalg.generic {indexing_maps = [#[[ID]]], iterator_types = ["parallel", "parallel"]} outs(%{{.*}} : tensor<32x64xi8>)
// CHECK: %[[ROW:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[COL:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[C16:.*]] = arith.constant 16 : index
// CHECK-NEXT: %[[GRP:.*]] = arith.divui %[[COL]], %[[C16]] : index
// CHECK-NEXT: %[[C4:.*]] = arith.constant 4 : index
// CHECK-NEXT: arith.muli %[[GRP]], %[[C4]] : index
// CHECK-NEXT: %[[C4B:.*]] = arith.constant 4 : index
// CHECK-NEXT: arith.remui %[[COL]], %[[C4B]] : index
// CHECK: tensor.extract %[[W]][%{{.*}}, %{{.*}}] : tensor<32x16xi8>
// CHECK: arith.shrui
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.sitofp
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.divf
func.func @bitlinear_pack_dim1(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: !tern.ternary<32x64, #tern.layout<block = 4>>, %ws: f32) -> tensor<?x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws {scale_mode = #tern.scale_mode<divide>} : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<block = 4>>, f32 -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// tern.unpack on its own, interleave = 4 rows in chunks of 4 bytes: storage
// [N/R][R*K/4] = 8x64; byte (n, p) sits at row n / 4, column
// (p / 4) * 16 + (n % 4) * 4 + p % 4.
// CHECK-LABEL: func.func @unpack_interleaved
// CHECK-SAME: (%[[P:[^:]*]]: tensor<8x64xi8>) -> tensor<32x64xi8>
// CHECK: %[[ROW:.*]] = linalg.index 0 : index
// CHECK: %[[PIDX:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[SR:.*]] = arith.divui %[[ROW]], %{{.*}} : index
// CHECK: %[[INGRP:.*]] = arith.remui %[[ROW]], %{{.*}} : index
// CHECK: %[[CHUNK:.*]] = arith.divui %[[PIDX]], %{{.*}} : index
// CHECK: %[[INCHUNK:.*]] = arith.remui %[[PIDX]], %{{.*}} : index
// CHECK: %[[C16:.*]] = arith.constant 16 : index
// CHECK-NEXT: %[[A:.*]] = arith.muli %[[CHUNK]], %[[C16]] : index
// CHECK-NEXT: %[[C4:.*]] = arith.constant 4 : index
// CHECK-NEXT: %[[B:.*]] = arith.muli %[[INGRP]], %[[C4]] : index
// CHECK-NEXT: %[[AB:.*]] = arith.addi %[[A]], %[[B]] : index
// CHECK-NEXT: %[[SC:.*]] = arith.addi %[[AB]], %[[INCHUNK]] : index
// CHECK-NEXT: tensor.extract %[[P]][%[[SR]], %[[SC]]] : tensor<8x64xi8>
// CHECK: linalg.yield %{{.*}} : i8
// CHECK-NEXT: } -> tensor<32x64xi8>
func.func @unpack_interleaved(%p: !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 4>>) -> tensor<32x64xi8> {
  %w = tern.unpack %p : !tern.ternary<32x64, #tern.layout<interleave = 4, chunk = 4>> -> tensor<32x64xi8>
  return %w : tensor<32x64xi8>
}

// bits = 8: storage is the matrix itself, read element by element.
// CHECK-LABEL: func.func @unpack_bits8
// CHECK-SAME: (%[[P:[^:]*]]: tensor<32x64xi8>) -> tensor<32x64xi8>
// CHECK: %[[ROW:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[COL:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[V:.*]] = tensor.extract %[[P]][%[[ROW]], %[[COL]]] : tensor<32x64xi8>
// CHECK-NEXT: linalg.yield %[[V]] : i8
func.func @unpack_bits8(%p: !tern.ternary<32x64, #tern.layout<bits = 8>>) -> tensor<32x64xi8> {
  %w = tern.unpack %p : !tern.ternary<32x64, #tern.layout<bits = 8>> -> tensor<32x64xi8>
  return %w : tensor<32x64xi8>
}

// relu2, mul and add become elementwise generics over identity maps.
// CHECK-LABEL: func.func @elementwise
// CHECK-SAME: (%[[A:[^:]*]]: tensor<?x192xf32>, %[[B:[^:]*]]: tensor<?x192xf32>)
// CHECK: %[[RELU:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[A]] : tensor<?x192xf32>) outs(%{{.*}} : tensor<?x192xf32>) {
// CHECK-NEXT: ^bb0(%[[X:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[R:.*]] = arith.maximumf %[[X]], %[[ZERO]] : f32
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[R]], %[[R]] : f32
// CHECK-NEXT: linalg.yield %[[SQ]] : f32
// CHECK: %[[MUL:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[RELU]], %[[B]] : tensor<?x192xf32>, tensor<?x192xf32>) outs(%{{.*}} : tensor<?x192xf32>) {
// CHECK-NEXT: ^bb0(%[[L:[^:]*]]: f32, %[[RR:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT: %[[M:.*]] = arith.mulf %[[L]], %[[RR]] : f32
// CHECK-NEXT: linalg.yield %[[M]] : f32
// CHECK: %[[ADD:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[MUL]], %[[A]] : tensor<?x192xf32>, tensor<?x192xf32>) outs(%{{.*}} : tensor<?x192xf32>) {
// CHECK-NEXT: ^bb0(%[[L2:[^:]*]]: f32, %[[R2:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[L2]], %[[R2]] : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
// CHECK: return %[[ADD]] : tensor<?x192xf32>
func.func @elementwise(%a: tensor<?x192xf32>, %b: tensor<?x192xf32>) -> tensor<?x192xf32> {
  %r = tern.relu2 %a : tensor<?x192xf32>
  %m = tern.mul %r, %b : tensor<?x192xf32>
  %s = tern.add %m, %a : tensor<?x192xf32>
  return %s : tensor<?x192xf32>
}

// Rank-1 elementwise ops get one parallel dimension.
// CHECK-LABEL: func.func @elementwise_1d
// CHECK: linalg.generic {indexing_maps = [#{{map[0-9]*}}, #{{map[0-9]*}}, #{{map[0-9]*}}], iterator_types = ["parallel"]} ins(%{{.*}}, %{{.*}} : tensor<16xf32>, tensor<16xf32>) outs(%{{.*}} : tensor<16xf32>)
// CHECK: arith.addf
func.func @elementwise_1d(%a: tensor<16xf32>) -> tensor<16xf32> {
  %s = tern.add %a, %a : tensor<16xf32>
  return %s : tensor<16xf32>
}

// Signatures, calls and returns carrying !tern.ternary are converted to the
// storage type (default layout: [N][K/4] = 32x16).
// CHECK-LABEL: func.func private @callee(tensor<32x16xi8>, tensor<4xf32>) -> tensor<32x16xi8>
func.func private @callee(!tern.ternary<32x64, #tern.layout<>>, tensor<4xf32>) -> !tern.ternary<32x64, #tern.layout<>>
// CHECK-LABEL: func.func @caller
// CHECK-SAME: (%[[P:[^:]*]]: tensor<32x16xi8>, %[[X:[^:]*]]: tensor<4xf32>) -> tensor<32x16xi8>
// CHECK-NEXT: %[[R:.*]] = call @callee(%[[P]], %[[X]]) : (tensor<32x16xi8>, tensor<4xf32>) -> tensor<32x16xi8>
// CHECK-NEXT: return %[[R]] : tensor<32x16xi8>
func.func @caller(%p: !tern.ternary<32x64, #tern.layout<>>, %x: tensor<4xf32>) -> !tern.ternary<32x64, #tern.layout<>> {
  %r = func.call @callee(%p, %x) : (!tern.ternary<32x64, #tern.layout<>>, tensor<4xf32>) -> !tern.ternary<32x64, #tern.layout<>>
  return %r : !tern.ternary<32x64, #tern.layout<>>
}

// HF checkpoint layout at BitNet-2B size: [N/4][K] = 640x2560.
// CHECK-LABEL: func.func @hf_storage
// CHECK-SAME: tensor<640x2560xi8>
// CHECK: tensor.extract %{{.*}} : tensor<640x2560xi8>
func.func @hf_storage(%p: !tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>>) -> tensor<2560x2560xi8> {
  %w = tern.unpack %p : !tern.ternary<2560x2560, #tern.layout<pack_dim = 0, block = 640>> -> tensor<2560x2560xi8>
  return %w : tensor<2560x2560xi8>
}

// Ops without a lowering yet stay as they are.
// CHECK-LABEL: func.func @not_lowered
// CHECK: tern.rms_norm %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<64xbf16>
func.func @not_lowered(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) -> tensor<?x64xf32> {
  %y = tern.rms_norm %x, %w : tensor<?x64xf32>, tensor<64xbf16>
  return %y : tensor<?x64xf32>
}

// A result more static than the input gets a tensor.cast, and the whole
// pipeline still reaches LLVM.
// CHECK-LABEL: func.func @static_result
// CHECK: %[[Y:.*]] = tensor.cast %{{.*}} : tensor<?x32xf32> to tensor<4x32xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x32xf32>
func.func @static_result(%q: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32) -> tensor<4x32xf32> {
  %y = tern.bitlinear %q, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}
