// tern.attention is scheduled like the kernels: kind "attention", n = query
// heads, k = KV heads, "layout" hd<head_dim>. The CPU's one knob is tile_n,
// the query heads of a group (here 8 / 2 = 4) per pass over the cache, 1 by
// default; the GPU's attention has none.
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni' | FileCheck %s --check-prefix=CPU
// RUN: tern-opt %s '--tern-attach-schedule=target=x86-avx512-vnni schedule-file=%S/Inputs/schedules-attention.json record-source=true' | FileCheck %s --check-prefix=FILE
// RUN: tern-opt %s '--tern-attach-schedule=target=sm_90' | FileCheck %s --check-prefix=GPU
// RUN: not tern-opt %s '--tern-attach-schedule=target=aarch64-dotprod schedule-file=%S/Inputs/schedules-attention-out-of-space.json' 2>&1 | FileCheck %s --check-prefix=ERR
// CPU: tern.attention {{.*}} {head_dim = 16 : i64, num_heads = 8 : i64, num_kv_heads = 2 : i64, schedule = #tern.schedule<tile_n = 1>}
// FILE: tern.attention {{.*}} schedule = #tern.schedule<tile_n = 4>, tern.schedule_source = "schedule file record 0 ({{.*}}schedules-attention.json)"}
// GPU: tern.attention {{.*}} schedule = #tern.schedule<>}
// ERR: error: tern-attach-schedule: schedule file '{{.*}}schedules-attention-out-of-space.json': record 0: tile_n = 3 is not in the space of attention on aarch64-dotprod (allowed: 1, 2, 4)
func.func @attn(%q: tensor<?x128xf32>, %k: tensor<?x32xf32>, %v: tensor<?x32xf32>, %kc: tensor<64x32xf32>, %vc: tensor<64x32xf32>, %start: index) -> tensor<?x128xf32> {
  %o, %kc2, %vc2 = tern.attention %q, %k, %v, %kc, %vc, %start {num_heads = 8 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x128xf32>, tensor<?x32xf32>, tensor<64x32xf32>
  return %o : tensor<?x128xf32>
}
