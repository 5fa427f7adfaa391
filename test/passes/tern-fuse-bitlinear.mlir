// RUN: tern-opt %s --split-input-file --tern-fuse-bitlinear | FileCheck %s
// RUN: tern-opt %s --split-input-file --tern-fuse-bitlinear=concat=true | FileCheck %s
// RUN: tern-opt %s --split-input-file '--tern-fuse-bitlinear=concat=false' | FileCheck %s --check-prefix=SINGLE
// RUN: not tern-opt %s --split-input-file --tern-fuse-bitlinear=concat=maybe 2>&1 | FileCheck %s --check-prefix=ERR-OPT
// ERR-OPT: 'maybe' is invalid value for boolean argument

// q, k, v as the importer writes them: each weight scale is read right before
// its bitlinear. The k and v weights/scales move up above q; one
// ternary_matmul with three results takes q's place.
// CHECK-LABEL: func.func @qkv
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xi8>, %[[S:.*]]: tensor<?xf32>)
// CHECK-NEXT: %[[WQ:.*]] = tern.get_global @wq
// CHECK-NEXT: %[[SQ:.*]] = arith.constant 1.0
// CHECK-NEXT: %[[WK:.*]] = tern.get_global @wk
// CHECK-NEXT: %[[SKT:.*]] = tern.get_global @sk
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[SKE:.*]] = tensor.extract %[[SKT]][%[[C0]]]
// CHECK-NEXT: %[[SK:.*]] = arith.extf %[[SKE]]
// CHECK-NEXT: %[[WV:.*]] = tern.get_global @wv
// CHECK-NEXT: %[[SV:.*]] = arith.constant 3.0
// CHECK-NEXT: %[[R:.*]]:3 = tern.ternary_matmul %[[X]], %[[S]], [%[[WQ]], %[[WK]], %[[WV]]], [%[[SQ]], %[[SK]], %[[SV]]] : tensor<?x64xi8>, tensor<?xf32>, [!tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>>, !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, tensor<32x64xi8>] -> tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>
// CHECK-NEXT: %[[Q:.*]] = tern.relu2 %[[R]]#0
// CHECK-NEXT: return %[[Q]], %[[R]]#1, %[[R]]#2
// CHECK-NOT: tern.bitlinear
// SINGLE-LABEL: func.func @qkv
// SINGLE: tern.ternary_matmul {{.*}} -> tensor<?x64xf32>
// SINGLE: tern.ternary_matmul {{.*}} -> tensor<?x32xf32>
// SINGLE: tern.ternary_matmul {{.*}} -> tensor<?x32xf32>
// SINGLE-NOT: tern.bitlinear
module {
  tern.global @wq : !tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>> from "m" offset 0
  tern.global @wk : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>> from "m" offset 1024
  tern.global @sk : tensor<1xbf16> from "m" offset 1536
  tern.global @wv : tensor<32x64xi8> from "m" offset 2048 encoding "ggml.i2_s"
  func.func @qkv(%x: tensor<?x64xi8>, %s: tensor<?xf32>) -> (tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
    %wq = tern.get_global @wq : !tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>>
    %sq = arith.constant 1.0 : f32
    %q = tern.bitlinear %x, %s, %wq, %sq : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<64x64, #tern.layout<pack_dim = 0, block = 16>>, f32 -> tensor<?x64xf32>
    %wk = tern.get_global @wk : !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>
    %skt = tern.get_global @sk : tensor<1xbf16>
    %c0 = arith.constant 0 : index
    %ske = tensor.extract %skt[%c0] : tensor<1xbf16>
    %sk = arith.extf %ske : bf16 to f32
    %k = tern.bitlinear %x, %s, %wk, %sk : tensor<?x64xi8>, tensor<?xf32>, !tern.ternary<32x64, #tern.layout<pack_dim = 0, block = 8>>, f32 -> tensor<?x32xf32>
    %wv = tern.get_global @wv : tensor<32x64xi8>
    %sv = arith.constant 3.0 : f32
    %v = tern.bitlinear %x, %s, %wv, %sv : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
    %qr = tern.relu2 %q : tensor<?x64xf32>
    return %qr, %k, %v : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>
  }
}

// -----

// gate and up with operands that already dominate: nothing moves. The
// merged op keeps the (shared) scale_mode; the schedule is the first one
// carried (here the up's, as the gate has none).
// CHECK-LABEL: func.func @gate_up
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xi8>, %[[S:.*]]: tensor<?xf32>, %[[WG:.*]]: tensor<192x64xi8>, %[[WU:.*]]: tensor<192x64xi8>, %[[SG:.*]]: f32, %[[SU:.*]]: f32)
// CHECK-NEXT: %[[R:.*]]:2 = tern.ternary_matmul %[[X]], %[[S]], [%[[WG]], %[[WU]]], [%[[SG]], %[[SU]]] {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 4>} : tensor<?x64xi8>, tensor<?xf32>, [tensor<192x64xi8>, tensor<192x64xi8>] -> tensor<?x192xf32>, tensor<?x192xf32>
// CHECK-NEXT: %[[G:.*]] = tern.relu2 %[[R]]#0
// CHECK-NEXT: tern.mul %[[G]], %[[R]]#1
// SINGLE-LABEL: func.func @gate_up
// SINGLE-NEXT: tern.ternary_matmul %{{.*}}, %{{.*}}, [%{{.*}}], [%{{.*}}] {scale_mode = #tern.scale_mode<divide>} : tensor<?x64xi8>, tensor<?xf32>, [tensor<192x64xi8>] -> tensor<?x192xf32>
// SINGLE-NEXT: tern.ternary_matmul %{{.*}}, %{{.*}}, [%{{.*}}], [%{{.*}}] {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 4>} : tensor<?x64xi8>, tensor<?xf32>, [tensor<192x64xi8>] -> tensor<?x192xf32>
func.func @gate_up(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %wg: tensor<192x64xi8>, %wu: tensor<192x64xi8>, %sg: f32, %su: f32) -> tensor<?x192xf32> {
  %g = tern.bitlinear %x, %s, %wg, %sg {scale_mode = #tern.scale_mode<divide>} : tensor<?x64xi8>, tensor<?xf32>, tensor<192x64xi8>, f32 -> tensor<?x192xf32>
  %u = tern.bitlinear %x, %s, %wu, %su {scale_mode = #tern.scale_mode<divide>, schedule = #tern.schedule<tile_n = 4>} : tensor<?x64xi8>, tensor<?xf32>, tensor<192x64xi8>, f32 -> tensor<?x192xf32>
  %r = tern.relu2 %g : tensor<?x192xf32>
  %m = tern.mul %r, %u : tensor<?x192xf32>
  return %m : tensor<?x192xf32>
}

// -----

// When schedules differ, the first one's wins.
// CHECK-LABEL: func.func @schedules_differ
// CHECK-NEXT: tern.ternary_matmul {{.*}} {schedule = #tern.schedule<tile_n = 2>} : {{.*}} -> tensor<?x32xf32>, tensor<?x32xf32>
// CHECK-NEXT: return
func.func @schedules_differ(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %a = tern.bitlinear %x, %s, %w, %ws {schedule = #tern.schedule<tile_n = 2>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %b = tern.bitlinear %x, %s, %w, %ws {schedule = #tern.schedule<tile_n = 8>} : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  return %a, %b : tensor<?x32xf32>, tensor<?x32xf32>
}

// -----

// Not merged: different scale modes, different input scales, different K
// (an input of dynamic K), different inputs. Each becomes its own op.
// CHECK-LABEL: func.func @not_siblings
// CHECK-COUNT-2: tern.ternary_matmul {{.*}} -> tensor<?x32xf32>{{$}}
// CHECK-NEXT: tern.ternary_matmul {{.*}}, [tensor<32x128xi8>] -> tensor<?x32xf32>{{$}}
// CHECK-NEXT: tern.ternary_matmul {{.*}} -> tensor<?x32xf32>{{$}}
// CHECK-NEXT: tern.ternary_matmul {{.*}} -> tensor<?x32xf32>{{$}}
// CHECK-NEXT: return
func.func @not_siblings(%x: tensor<?x?xi8>, %x2: tensor<?x?xi8>, %s: tensor<?xf32>, %s2: tensor<?xf32>, %w: tensor<32x64xi8>, %w128: tensor<32x128xi8>, %ws: f32) -> (tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
  %a = tern.bitlinear %x, %s, %w, %ws : tensor<?x?xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %b = tern.bitlinear %x, %s, %w, %ws {scale_mode = #tern.scale_mode<divide>} : tensor<?x?xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %c = tern.bitlinear %x, %s, %w128, %ws : tensor<?x?xi8>, tensor<?xf32>, tensor<32x128xi8>, f32 -> tensor<?x32xf32>
  %d = tern.bitlinear %x, %s2, %w, %ws : tensor<?x?xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %e = tern.bitlinear %x2, %s, %w, %ws : tensor<?x?xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  return %a, %b, %c, %d, %e : tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>
}

// -----

// b's weight scale is computed from a's result: b cannot join a's op (it
// needs a first). c joins a; b is converted on its own, in place.
// CHECK-LABEL: func.func @depends_on_sibling
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xi8>, %[[S:.*]]: tensor<?xf32>, %[[W:.*]]: tensor<32x64xi8>, %[[WS:.*]]: f32)
// CHECK-NEXT: %[[AC:.*]]:2 = tern.ternary_matmul %[[X]], %[[S]], [%[[W]], %[[W]]], [%[[WS]], %[[WS]]] :
// CHECK-NEXT: arith.constant 0
// CHECK-NEXT: %[[E:.*]] = tensor.extract %[[AC]]#0
// CHECK-NEXT: %[[B:.*]] = tern.ternary_matmul %[[X]], %[[S]], [%[[W]]], [%[[E]]] :
// CHECK-NEXT: return %[[AC]]#0, %[[B]], %[[AC]]#1
func.func @depends_on_sibling(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32) -> (tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
  %a = tern.bitlinear %x, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %c0 = arith.constant 0 : index
  %e = tensor.extract %a[%c0, %c0] : tensor<?x32xf32>
  %b = tern.bitlinear %x, %s, %w, %e : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %c = tern.bitlinear %x, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  return %a, %b, %c : tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>
}

// -----

// b's weight comes from a call (it may have side effects: never moved). b
// heads a new group, which d (whose weight also comes from the call,
// defined before b) joins; c joins a's group.
// CHECK-LABEL: func.func @unmovable
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xi8>, %[[S:.*]]: tensor<?xf32>, %[[W:.*]]: tensor<32x64xi8>, %[[WS:.*]]: f32)
// CHECK-NEXT: %[[AC:.*]]:2 = tern.ternary_matmul %[[X]], %[[S]], [%[[W]], %[[W]]]
// CHECK-NEXT: %[[CW:.*]] = call @weight()
// CHECK-NEXT: %[[BD:.*]]:2 = tern.ternary_matmul %[[X]], %[[S]], [%[[CW]], %[[CW]]]
// CHECK-NEXT: return %[[AC]]#0, %[[BD]]#0, %[[AC]]#1, %[[BD]]#1
func.func private @weight() -> tensor<32x64xi8>
func.func @unmovable(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32) -> (tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
  %a = tern.bitlinear %x, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %cw = func.call @weight() : () -> tensor<32x64xi8>
  %b = tern.bitlinear %x, %s, %cw, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %c = tern.bitlinear %x, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %d = tern.bitlinear %x, %s, %cw, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  return %a, %b, %c, %d : tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>
}

// -----

// Bitlinears in different blocks are not merged.
// CHECK-LABEL: func.func @blocks
// CHECK-NEXT: tern.ternary_matmul {{.*}} -> tensor<?x32xf32>{{$}}
// CHECK-NEXT: scf.if
// CHECK-NEXT: tern.ternary_matmul {{.*}} -> tensor<?x32xf32>{{$}}
func.func @blocks(%x: tensor<?x64xi8>, %s: tensor<?xf32>, %w: tensor<32x64xi8>, %ws: f32, %c: i1) -> tensor<?x32xf32> {
  %a = tern.bitlinear %x, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
  %r = scf.if %c -> tensor<?x32xf32> {
    %b = tern.bitlinear %x, %s, %w, %ws : tensor<?x64xi8>, tensor<?xf32>, tensor<32x64xi8>, f32 -> tensor<?x32xf32>
    scf.yield %b : tensor<?x32xf32>
  } else {
    scf.yield %a : tensor<?x32xf32>
  }
  return %r : tensor<?x32xf32>
}
