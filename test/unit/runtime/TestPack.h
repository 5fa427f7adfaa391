//===- TestPack.h - toy plans, kernels and files for the runtime tests -*- C++ -*-===//
//
// Two hand-written "models" whose kernels are plain C++:
//
// * The toy model (executor tests), vocab V, hidden D, all values small
//   integers so that float results are exact in any order:
//     buffers 0 emb   weight  float [V][D], emb[v][d] = (3v + d) % 7 - 3
//             1 ids   tokens
//             2 x     activation, D floats per row
//             3 cache state, float [max_context][D]
//             4 bias  weight  float [D], bias[d] = d - 2
//             5 out   logits
//     steps   0 embed   TOKENS grain 1: x[t] = emb[id[t]] + (start + t)
//             1 addbias FIXED D, grain 3: x[t][d] += bias[d], t in [t0, t1)
//             2 store   TOKENS grain 2: cache[start + t] = x[t]
//             3 head    FIXED V, grain 5, HEAD:
//                       out[t][v] = sum_{p <= start+t} dot(cache[p], emb[v])
//   toyReference() computes the same logits directly.
//
// * The successor model (tern_main tests): logits[t] is one-hot at
//   next[id[t]], a weight table, so greedy generation follows a chain.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TEST_UNIT_RUNTIME_TESTPACK_H
#define TERN_TEST_UNIT_RUNTIME_TESTPACK_H

#include "runtime/engine/PackWriter.h"
#include "runtime/include/tern_runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tern::rt::testing {

/// One kernel call, as logged by the toy kernels.
struct Call {
  int kernel;
  int64_t t0, t1, start, begin, end;
};
/// Calls since the last clearCalls() (thread-safe).
std::vector<Call> calls();
void clearCalls();

extern const char kToyFingerprint[];
/// The toy kernels (4) under kToyFingerprint, with the plan contract of the
/// last makeToyPack (the default shape's if none was made yet).
const tern_kernel_table *toyKernels();

struct ToyShape {
  int32_t vocab = 16, hidden = 8, max_context = 32, max_batch = 4;
};
float toyEmb(int v, int d);
float toyBias(int d);
/// The toy plan with its weights (which live in the returned object's
/// vectors: keep it alive until written).
struct ToyPack {
  PackContents contents;
  std::vector<float> emb, bias;
};
void makeToyPack(const ToyShape &shape, ToyPack *out);
/// Logits [T][V] of the whole sequence `ids` run from position 0.
std::vector<float> toyReference(const ToyShape &shape,
                                const std::vector<int32_t> &ids);

extern const char kSuccessorFingerprint[];
/// The successor kernels, with the contract of the last makeSuccessorPack.
const tern_kernel_table *successorKernels();
/// The successor model: `next` has V entries; the tokenizer blob may be "".
struct SuccessorPack {
  PackContents contents;
  std::vector<int32_t> next;
};
void makeSuccessorPack(int32_t vocab, int32_t max_context, int32_t max_batch,
                       const std::vector<int32_t> &next,
                       const std::string &tokenizerBlob, SuccessorPack *out);

/// A fresh file name under $TEST_TMPDIR or /tmp, unique to this process.
std::string tempPath(const std::string &name);
std::string readFile(const std::string &path);
void writeFile(const std::string &path, const std::string &bytes);

} // namespace tern::rt::testing

#endif
