// tern.norm_quantize is scheduled like the kernels: kind "norm_quantize",
// n = 1, k = the row length, "layout" the weight's element type with
// "+gated" for relu2(gate) * up, so one record cannot set both forms. The
// CPU's knobs are unroll (decode) and tile_m (prefill), 1 by default; the
// GPU's norm has none.
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni' | FileCheck %s --check-prefix=CPU
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni schedule-file=%S/Inputs/schedules-norm-quantize.json record-source=true' | FileCheck %s --check-prefix=FILE
// RUN: tern-opt %s '--tern-attach-schedule=target=sm_90' | FileCheck %s --check-prefix=GPU
// RUN: not tern-opt %s '--tern-attach-schedule=target=aarch64-dotprod schedule-file=%S/Inputs/schedules-norm-quantize-out-of-space.json' 2>&1 | FileCheck %s --check-prefix=ERR
// CPU: tern.norm_quantize %arg0, %arg2 {{.*}}schedule = #tern.schedule<tile_m = 1, unroll = 1>
// CPU: tern.norm_quantize %arg0 gated_by %arg1, %arg2 {{.*}}schedule = #tern.schedule<tile_m = 1, unroll = 1>
// FILE: tern.norm_quantize %arg0, %arg2 {{.*}}schedule = #tern.schedule<tile_m = 4, unroll = 2>, tern.schedule_source = "schedule file record 0 ({{.*}}schedules-norm-quantize.json)"}
// FILE: tern.norm_quantize %arg0 gated_by %arg1, %arg2 {{.*}}schedule = #tern.schedule<tile_m = 2, unroll = 4>, tern.schedule_source = "schedule file record 1 ({{.*}}schedules-norm-quantize.json)"}
// GPU: tern.norm_quantize {{.*}}schedule = #tern.schedule<>}
// ERR: error: tern-attach-schedule: schedule file '{{.*}}schedules-norm-quantize-out-of-space.json': record 0: tile_m = 3 is not in the space of norm_quantize on aarch64-dotprod (allowed: 1, 2, 4)
func.func @norms(%x: tensor<?x64xf32>, %u: tensor<?x64xf32>, %w: tensor<64xbf16>) -> (tensor<?x64xi8>, tensor<?x64xi8>) {
  %q, %s = tern.norm_quantize %x, %w {epsilon = 1.0e-05 : f32} : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xi8>, tensor<?xf32>
  %q2, %s2 = tern.norm_quantize %x gated_by %u, %w : tensor<?x64xf32> gated_by tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xi8>, tensor<?xf32>
  return %q, %q2 : tensor<?x64xi8>, tensor<?x64xi8>
}
