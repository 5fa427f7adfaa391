//===- PlanContract.h - what an executable's kernels index ------*- C++ -*-===//
//
// The plan contract (tern_plan.h, tern_plan_contract) is the executable's
// own record of the shapes its kernels were generated for. tern-compile
// derives it from the plan it writes into the .tpack (deriveContract) and
// links it next to the kernel table; the loader checks a .tpack against it
// (checkContract), so that a file whose tables were edited, corrupted or
// come from another compile can never make a kernel index past a buffer.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_ENGINE_PLANCONTRACT_H
#define TERN_RUNTIME_ENGINE_PLANCONTRACT_H

#include "runtime/include/tern_plan.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tern::rt {

/// The contract of a plan: `header`'s configuration and, for each of the
/// `numKernels` kernels, the range and argument shapes of the steps that
/// call it. The bytes (a tern_plan_contract followed by its entries) are
/// what the executable embeds. False + err when two steps call one kernel
/// differently (a compiler bug: one kernel has one shape), a step names a
/// kernel or buffer that does not exist, or a buffer is no step's argument.
bool deriveContract(const tern_pack_header &header, const tern_buffer *buffers,
                    const tern_step *steps, uint32_t numKernels,
                    std::vector<uint8_t> *bytes, std::string *err);

/// Copies the shape fields the kernels are generated for (vocab ...
/// max_batch) between the header, the contract and the model's config.
template <class From, class To> void copyModelShape(const From &f, To *t) {
  t->vocab = f.vocab;
  t->hidden = f.hidden;
  t->layers = f.layers;
  t->heads = f.heads;
  t->kv_heads = f.kv_heads;
  t->head_dim = f.head_dim;
  t->ffn = f.ffn;
  t->max_context = f.max_context;
  t->max_batch = f.max_batch;
}

/// "weight", "activation", ... for messages ("unknown" for others).
const char *bufferKindName(uint32_t kind);

/// The entries after the contract's header.
inline const tern_kernel_contract *contractKernels(const tern_plan_contract *c) {
  return reinterpret_cast<const tern_kernel_contract *>(c + 1);
}

/// Checks a header and tables (already checked for internal consistency:
/// indices in range) against the executable's contract for
/// `numKernels` kernels. Messages start with "`name`: " and say which field,
/// buffer or step disagrees with what the kernels index.
bool checkContract(const tern_pack_header &h, const tern_buffer *buffers,
                   const tern_step *steps, const tern_plan_contract *contract,
                   int64_t numKernels, const std::string &name,
                   std::string *err);

} // namespace tern::rt

#endif
