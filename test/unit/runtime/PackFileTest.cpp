//===- PackFileTest.cpp - .tpack writing, loading and validation ----------===//
#include "runtime/engine/PackFile.h"
#include "runtime/engine/PackWriter.h"
#include "runtime/engine/PlanContract.h"
#include "runtime/engine/TokenizerBlob.h"

#include "TestPack.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <sys/stat.h>
#include <unistd.h>

using namespace tern::rt;
using namespace tern::rt::testing;

namespace {

class PackFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    ToyShape shape;
    makeToyPack(shape, &toy);
    tern::tok::TokenizerData d;
    d.tokens = {"a", "b", "<|eot_id|>"};
    d.special_ids = {2};
    ASSERT_TRUE(serializeTokenizer(d, &toy.contents.tokenizer));
    path = tempPath("pack.tpack");
    std::string err;
    ASSERT_TRUE(writePackFile(path, toy.contents, &err)) << err;
    bytes = readFile(path);
    ASSERT_GT(bytes.size(), sizeof(tern_pack_header));
    std::memcpy(&header, bytes.data(), sizeof header);
  }
  void TearDown() override {
    ::unlink(path.c_str());
    ::unlink(bad().c_str());
  }

  std::string bad() const { return tempPath("bad.tpack"); }

  /// Loads `file` bytes (written to bad()) and returns the error, "" on
  /// success.
  std::string loadError(const std::string &file,
                        const tern_kernel_table *k = nullptr) {
    writeFile(bad(), file);
    char err[512] = "unset";
    tern_model *m = tern_model_load(bad().c_str(), k ? k : toyKernels(), err,
                                    sizeof err);
    if (m) {
      tern_model_free(m);
      return "";
    }
    return err;
  }

  /// The file with `size` bytes at `offset` replaced by `value`.
  template <class T> std::string patched(uint64_t offset, T value) const {
    std::string b = bytes;
    std::memcpy(&b[offset], &value, sizeof value);
    return b;
  }
  uint64_t bufferField(uint32_t i, size_t field) const {
    return header.buffers_offset + i * sizeof(tern_buffer) + field;
  }
  uint64_t stepField(uint32_t i, size_t field) const {
    return header.steps_offset + i * sizeof(tern_step) + field;
  }

  /// Expects loading `file` to fail with a message naming the file and
  /// containing `what`.
  void expectError(const std::string &file, const std::string &what,
                   const tern_kernel_table *k = nullptr) {
    std::string err = loadError(file, k);
    EXPECT_NE(err, "") << "loaded, expected: " << what;
    EXPECT_NE(err.find(bad()), std::string::npos) << err;
    EXPECT_NE(err.find(what), std::string::npos) << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  }

  ToyPack toy;
  std::string path, bytes;
  tern_pack_header header;
};

TEST_F(PackFileTest, RoundTrip) {
  char err[256];
  tern_model *m = tern_model_load(path.c_str(), toyKernels(), err, sizeof err);
  ASSERT_NE(m, nullptr) << err;
  const tern_model_config *c = tern_model_get_config(m);
  EXPECT_EQ(c->vocab, 16);
  EXPECT_EQ(c->hidden, 8);
  EXPECT_EQ(c->layers, 1);
  EXPECT_EQ(c->heads, 1);
  EXPECT_EQ(c->kv_heads, 1);
  EXPECT_EQ(c->head_dim, 8);
  EXPECT_EQ(c->ffn, 16);
  EXPECT_EQ(c->max_context, 32);
  EXPECT_EQ(c->max_batch, 4);
  EXPECT_EQ(c->bos, 1);
  EXPECT_EQ(c->eos, 2);
  EXPECT_EQ(c->eot, -1);
  EXPECT_STREQ(c->target, "test-cpu");
  EXPECT_STREQ(c->fingerprint, kToyFingerprint);
  EXPECT_EQ(std::string(tern_model_path(m)), path);

  size_t tokBytes = 0;
  const uint8_t *tok = tern_model_tokenizer(m, &tokBytes);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(tok), tokBytes),
            toy.contents.tokenizer);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tok) % 64, 0u);

  // Layout: everything 64-byte aligned, the weights' bytes where the table
  // says, file_bytes the file's size.
  EXPECT_EQ(m->header->file_bytes, bytes.size());
  EXPECT_EQ(m->header->buffers_offset % 64, 0u);
  EXPECT_EQ(m->header->steps_offset % 64, 0u);
  ASSERT_EQ(m->header->n_buffers, 6u);
  ASSERT_EQ(m->header->n_steps, 4u);
  const tern_buffer &emb = m->buffers[0], &bias = m->buffers[4];
  EXPECT_EQ(emb.offset % 64, 0u);
  EXPECT_EQ(bias.offset % 64, 0u);
  EXPECT_EQ(std::memcmp(m->base + emb.offset, toy.emb.data(), emb.bytes), 0);
  EXPECT_EQ(std::memcmp(m->base + bias.offset, toy.bias.data(), bias.bytes), 0);
  EXPECT_EQ(bias.offset + bias.bytes, m->header->file_bytes);
  for (uint32_t i = 0; i < 4; ++i)
    EXPECT_EQ(std::memcmp(&m->steps[i], &toy.contents.steps[i],
                          sizeof(tern_step)),
              0);
  tern_model_free(m);
}

TEST_F(PackFileTest, NoTokenizer) {
  toy.contents.tokenizer.clear();
  std::string err;
  ASSERT_TRUE(writePackFile(path, toy.contents, &err)) << err;
  tern_model *m = tern_model_load(path.c_str(), toyKernels(), nullptr, 0);
  ASSERT_NE(m, nullptr);
  size_t n = 99;
  EXPECT_EQ(tern_model_tokenizer(m, &n), nullptr);
  EXPECT_EQ(n, 0u);
  tern_model_free(m);
}

TEST_F(PackFileTest, StreamedWeight) {
  // A weight produced by a callback lands where a data pointer would.
  std::vector<float> emb = toy.emb;
  toy.contents.weights[0].data = nullptr;
  toy.contents.weights[0].write = [&](std::FILE *f, std::string *) {
    return std::fwrite(emb.data(), sizeof(float), emb.size(), f) == emb.size();
  };
  std::string err;
  ASSERT_TRUE(writePackFile(path, toy.contents, &err)) << err;
  EXPECT_EQ(readFile(path), bytes);
  // A callback writing the wrong number of bytes is caught.
  toy.contents.weights[0].write = [&](std::FILE *f, std::string *) {
    return std::fwrite(emb.data(), sizeof(float), 3, f) == 3;
  };
  EXPECT_FALSE(writePackFile(path, toy.contents, &err));
  EXPECT_NE(err.find("wrote 12 bytes"), std::string::npos) << err;
  // A failing callback's message is passed on.
  toy.contents.weights[0].write = [&](std::FILE *, std::string *e) {
    *e = "source tensor unreadable";
    return false;
  };
  EXPECT_FALSE(writePackFile(path, toy.contents, &err));
  EXPECT_NE(err.find("source tensor unreadable"), std::string::npos) << err;
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0) << "tmp left behind";
}

TEST_F(PackFileTest, WriterRejectsBadContents) {
  std::string err;
  PackContents c = toy.contents;
  c.weights.pop_back();
  EXPECT_FALSE(writePackFile(bad(), c, &err));
  EXPECT_NE(err.find("weight"), std::string::npos) << err;

  c = toy.contents;
  c.weights.push_back(c.weights[0]);
  EXPECT_FALSE(writePackFile(bad(), c, &err));
  EXPECT_NE(err.find("3 weights given for 2"), std::string::npos) << err;

  c = toy.contents;
  c.info.fingerprint = std::string(65, 'x');
  EXPECT_FALSE(writePackFile(bad(), c, &err));
  EXPECT_NE(err.find("fingerprint"), std::string::npos) << err;

  c = toy.contents;
  c.steps[1].grain = 0;
  EXPECT_FALSE(writePackFile(bad(), c, &err));
  EXPECT_NE(err.find("step 1 has grain 0"), std::string::npos) << err;
  EXPECT_NE(err.find(bad()), std::string::npos) << err;

  c = toy.contents;
  c.info.max_batch = 0;
  EXPECT_FALSE(writePackFile(bad(), c, &err));
  EXPECT_NE(err.find("max_batch"), std::string::npos) << err;
  EXPECT_NE(::access(bad().c_str(), F_OK), 0) << "nothing is written";

  c = toy.contents;
  c.tokenizer = "not a tokenizer blob";
  EXPECT_FALSE(writePackFile(bad(), c, &err));
  EXPECT_NE(err.find("TERNTOK"), std::string::npos) << err;

  // A 64-byte fingerprint fills the field with no NUL; it still matches.
  c = toy.contents;
  c.info.fingerprint = std::string(64, 'f');
  ASSERT_TRUE(writePackFile(bad(), c, &err)) << err;
  const std::string fp(64, 'f');
  tern_kernel_table k = *toyKernels();
  k.fingerprint = fp.c_str();
  tern_model *m = tern_model_load(bad().c_str(), &k, nullptr, 0);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(std::string(tern_model_get_config(m)->fingerprint), fp);
  tern_model_free(m);
}

TEST_F(PackFileTest, Truncated) {
  EXPECT_EQ(loadError(bytes), "");
  const size_t sizes[] = {1,
                          4,
                          8,
                          100,
                          sizeof(tern_pack_header) - 1,
                          sizeof(tern_pack_header),
                          size_t(header.buffers_offset) + 10,
                          bytes.size() / 2,
                          bytes.size() - 64,
                          bytes.size() - 1};
  for (size_t n : sizes) {
    SCOPED_TRACE(n);
    expectError(bytes.substr(0, n), "truncated");
  }
  expectError("", "empty file");
}

TEST_F(PackFileTest, MissingOrNotAFile) {
  char err[256];
  const std::string missing = tempPath("no-such.tpack");
  EXPECT_EQ(tern_model_load(missing.c_str(), toyKernels(), err, sizeof err),
            nullptr);
  EXPECT_NE(std::string(err).find(missing), std::string::npos) << err;
  EXPECT_NE(std::string(err).find("cannot open"), std::string::npos) << err;
  EXPECT_EQ(tern_model_load("/", toyKernels(), err, sizeof err), nullptr);
  EXPECT_NE(std::string(err).find("not a regular file"), std::string::npos)
      << err;
  // A short error buffer is truncated and terminated.
  char tiny[8];
  EXPECT_EQ(tern_model_load(missing.c_str(), toyKernels(), tiny, sizeof tiny),
            nullptr);
  EXPECT_EQ(std::strlen(tiny), 7u);
}

TEST_F(PackFileTest, HeaderErrors) {
  std::string b = bytes;
  b[0] = 'X';
  expectError(b, "bad magic");
  expectError("GGUF and more bytes", "bad magic");
  expectError(patched(offsetof(tern_pack_header, version), uint32_t(2)),
              "version 2");
  expectError(patched(offsetof(tern_pack_header, header_bytes), uint32_t(200)),
              "header_bytes");
  expectError(bytes + std::string(64, '\0'), "trailing bytes");
  expectError(patched(offsetof(tern_pack_header, file_bytes),
                      uint64_t(bytes.size() + 1)),
              "truncated");
  expectError(patched(offsetof(tern_pack_header, vocab), int32_t(0)),
              "vocab is 0");
  expectError(patched(offsetof(tern_pack_header, max_batch), int32_t(-4)),
              "max_batch is -4");
  expectError(patched(offsetof(tern_pack_header, max_context), int32_t(0)),
              "max_context");
  expectError(patched(offsetof(tern_pack_header, eos), int32_t(16)),
              "eos token id 16");
  expectError(patched(offsetof(tern_pack_header, bos), int32_t(-2)), "bos");
  expectError(patched(offsetof(tern_pack_header, buffers_offset),
                      header.buffers_offset + 8),
              "not 64-byte aligned");
  expectError(patched(offsetof(tern_pack_header, buffers_offset),
                      uint64_t(bytes.size() & ~uint64_t(63))),
              "buffer table");
  expectError(patched(offsetof(tern_pack_header, n_buffers), uint32_t(1u << 30)),
              "past the end");
  expectError(patched(offsetof(tern_pack_header, n_steps), uint32_t(0xffffffff)),
              "step table");
  expectError(patched(offsetof(tern_pack_header, steps_offset),
                      ~uint64_t(63)),
              "step table");
  expectError(patched(offsetof(tern_pack_header, tokenizer_bytes),
                      uint64_t(bytes.size())),
              "tokenizer");
  expectError(patched(offsetof(tern_pack_header, tokenizer_offset),
                      header.buffers_offset),
              "not a TERNTOK blob");
}

TEST_F(PackFileTest, FingerprintMismatch) {
  tern_kernel_table other = *toyKernels();
  other.fingerprint = "toy-kernels-v2";
  std::string err = loadError(bytes, &other);
  EXPECT_NE(err.find(bad()), std::string::npos) << err;
  EXPECT_NE(err.find("'toy-kernels-v1'"), std::string::npos) << err;
  EXPECT_NE(err.find("'toy-kernels-v2'"), std::string::npos) << err;
  EXPECT_NE(err.find("recompile"), std::string::npos) << err;
  other.fingerprint = "toy-kernels";
  EXPECT_NE(loadError(bytes, &other), "");
  other.fingerprint = nullptr;
  EXPECT_NE(loadError(bytes, &other).find("no fingerprint"), std::string::npos);
}

// A GPU executable's table (PTX + launch shapes): every step's kernel
// needs a name and a launch shape; a context then needs the CUDA driver,
// and says so when there is none (these machines), never crashing.
TEST_F(PackFileTest, GpuKernelTable) {
  tern_gpu_kernel gk[4];
  for (int i = 0; i < 4; ++i)
    gk[i] = {"k", 128, 4, nullptr};
  tern_kernel_table gpu = {nullptr, 4, kToyFingerprint, ".version 8.0\n", gk,
                           toyKernels()->contract};
  EXPECT_EQ(loadError(bytes, &gpu), "");
  gk[2].block_threads = 0;
  EXPECT_NE(loadError(bytes, &gpu).find("step 2 calls GPU kernel 2, which has no valid "
                                        "launch shape"),
            std::string::npos);
  gk[2] = {"k", 2048, 4, nullptr};
  EXPECT_NE(loadError(bytes, &gpu).find("no valid launch shape"), std::string::npos);
  gk[2] = {nullptr, 128, 4, nullptr};
  EXPECT_NE(loadError(bytes, &gpu).find("no valid launch shape"), std::string::npos);
  gk[2] = {"k", 128, 0, nullptr};
  EXPECT_NE(loadError(bytes, &gpu).find("no valid launch shape"), std::string::npos);
  gpu.gpu_kernels = nullptr;
  EXPECT_NE(loadError(bytes, &gpu).find("no valid launch shape"), std::string::npos);

  gk[2] = {"k", 128, 4, nullptr};
  gpu.gpu_kernels = gk;
  char err[512] = "";
  tern_model *m = tern_model_load(path.c_str(), &gpu, err, sizeof err);
  ASSERT_NE(m, nullptr) << err;
  tern_context *c = tern_context_new(m, 1, err, sizeof err);
  if (c) { // a machine with a GPU: the toy PTX is not a real module
    tern_context_free(c);
  } else {
    EXPECT_TRUE(std::string(err).find("CUDA") != std::string::npos ||
                std::string(err).find("GPU") != std::string::npos)
        << err;
  }
  tern_model_free(m);
}

TEST_F(PackFileTest, BufferErrors) {
  const size_t kind = offsetof(tern_buffer, kind);
  const size_t reserved = offsetof(tern_buffer, reserved);
  const size_t offset = offsetof(tern_buffer, offset);
  const size_t size = offsetof(tern_buffer, bytes);
  tern_buffer emb;
  std::memcpy(&emb, bytes.data() + bufferField(0, 0), sizeof emb);
  expectError(patched(bufferField(0, offset), emb.offset + 4),
              "buffer 0 (weight) at offset");
  expectError(patched(bufferField(0, offset), emb.offset + 4), "aligned");
  expectError(patched(bufferField(4, size), uint64_t(bytes.size())),
              "buffer 4 (weight)");
  expectError(patched(bufferField(4, size), uint64_t(bytes.size())),
              "past the end of the file");
  expectError(patched(bufferField(0, offset), ~uint64_t(63)), "past the end");
  expectError(patched(bufferField(2, kind), uint32_t(9)), "unknown kind 9");
  expectError(patched(bufferField(2, reserved), uint32_t(1)), "reserved");
  expectError(patched(bufferField(2, offset), uint64_t(64)),
              "buffer 2 (activation) has offset 64");
  expectError(patched(bufferField(2, size), uint64_t(0)), "has 0 bytes");
  expectError(patched(bufferField(3, size), uint64_t(1) << 62), "too large");
  expectError(patched(bufferField(5, size), uint64_t(60)),
              "expected vocab * 4 = 64");
  expectError(patched(bufferField(1, size), uint64_t(8)), "expected 4");
  std::string twoLogits = patched(bufferField(2, kind), uint32_t(TERN_BUF_LOGITS));
  const uint64_t row = 16 * sizeof(float);
  std::memcpy(&twoLogits[bufferField(2, size)], &row, sizeof row);
  expectError(twoLogits, "buffer 5 (logits): more than one logits buffer");
  // Logits rows times max_batch past 2^48 bytes.
  std::string huge = patched(offsetof(tern_pack_header, vocab), int32_t(1 << 30));
  const int32_t batch = 1 << 20;
  std::memcpy(&huge[offsetof(tern_pack_header, max_batch)], &batch, 4);
  const uint64_t hugeRow = uint64_t(1) << 32;
  std::memcpy(&huge[bufferField(5, size)], &hugeRow, 8);
  expectError(huge, "times max_batch 1048576 is too large");
  expectError(patched(bufferField(2, kind), uint32_t(TERN_BUF_TOKENS)),
              "more than one tokens buffer");
}

TEST_F(PackFileTest, StepErrors) {
  const size_t kernel = offsetof(tern_step, kernel);
  const size_t rangeKind = offsetof(tern_step, range_kind);
  const size_t range = offsetof(tern_step, range);
  const size_t grain = offsetof(tern_step, grain);
  const size_t flags = offsetof(tern_step, flags);
  const size_t nargs = offsetof(tern_step, nargs);
  const size_t args = offsetof(tern_step, args);
  expectError(patched(stepField(2, kernel), uint32_t(4)),
              "step 2 calls kernel 4 but the executable has 4");
  expectError(patched(stepField(1, args + 4), uint32_t(6)),
              "step 1 argument 1 is buffer 6 but there are 6 buffers");
  expectError(patched(stepField(0, nargs), uint32_t(13)),
              "13 arguments, at most 12");
  expectError(patched(stepField(0, args + 4 * 5), uint32_t(1)),
              "unused argument slot 5");
  expectError(patched(stepField(0, rangeKind), uint32_t(7)),
              "unknown range kind 7");
  expectError(patched(stepField(1, range), int64_t(0)),
              "fixed range of 0 items");
  expectError(patched(stepField(0, range), int64_t(5)),
              "ranges over tokens but has range 5");
  expectError(patched(stepField(3, grain), int64_t(0)), "step 3 has grain 0");
  expectError(patched(stepField(3, grain), int64_t(-1)), "grain -1");
  expectError(patched(stepField(3, flags), uint32_t(6)), "unknown flags 0x6");

  // The kernel table: fewer kernels, or a null entry.
  tern_kernel_table fewer = *toyKernels();
  fewer.num_kernels = 3;
  expectError(bytes, "step 3 calls kernel 3 but the executable has 3", &fewer);
  tern_kernel_fn fns[4] = {toyKernels()->kernels[0], nullptr,
                           toyKernels()->kernels[2], toyKernels()->kernels[3]};
  tern_kernel_table holes = *toyKernels();
  holes.kernels = fns;
  expectError(bytes, "step 1 calls kernel 1, which is null", &holes);
}

// The plan contract: a file that passes every check of its own but
// disagrees with what the executable's kernels index is refused, for a CPU
// and a GPU kernel table alike.
TEST_F(PackFileTest, ContractErrors) {
  const size_t size = offsetof(tern_buffer, bytes);
  const size_t kind = offsetof(tern_buffer, kind);
  const size_t grain = offsetof(tern_step, grain);
  const size_t range = offsetof(tern_step, range);
  const size_t flags = offsetof(tern_step, flags);
  const size_t nargs = offsetof(tern_step, nargs);
  const size_t args = offsetof(tern_step, args);
  tern_gpu_kernel gk[4];
  for (int i = 0; i < 4; ++i)
    gk[i] = {"k", 128, 4, nullptr};
  const tern_kernel_table gpu = {nullptr, 4, kToyFingerprint, ".version 8.0\n", gk,
                                 toyKernels()->contract};
  for (const tern_kernel_table *k : {toyKernels(), &gpu}) {
    SCOPED_TRACE(k->ptx ? "gpu" : "cpu");
    // The crafted file of issue 14: a context larger than the KV cache the
    // kernels index (512 -> 1000000 there; 32 -> 1000000 here).
    expectError(patched(offsetof(tern_pack_header, max_context), int32_t(1000000)),
                "config max_context is 1000000 but the executable's kernels were "
                "compiled for 32", k);
    expectError(patched(offsetof(tern_pack_header, max_batch), int32_t(64)),
                "config max_batch is 64 but", k);
    expectError(patched(offsetof(tern_pack_header, hidden), int32_t(16)),
                "config hidden is 16 but", k);
    expectError(patched(offsetof(tern_pack_header, layers), int32_t(3)),
                "config layers is 3 but", k);
    // Buffer sizes the kernels do not index: rows, state, weights.
    expectError(patched(bufferField(2, size), uint64_t(16)),
                "step 0 (kernel 0) argument 2 is buffer 2 (activation of 16 bytes per "
                "row) but the kernel indexes activation of 32 bytes per row", k);
    expectError(patched(bufferField(3, size), uint64_t(64)),
                "step 2 (kernel 2) argument 1 is buffer 3 (state of 64 bytes) but "
                "the kernel indexes state of 1024 bytes", k);
    expectError(patched(bufferField(4, size), uint64_t(16)),
                "argument 1 is buffer 4 (weight of 16 bytes)", k);
    expectError(patched(bufferField(3, kind), uint32_t(TERN_BUF_ACTIVATION)),
                "indexes state of", k);
    // Steps: another buffer, range, grain, flags, argument count.
    expectError(patched(stepField(1, args + 4), uint32_t(0)),
                "step 1 (kernel 1) argument 1 is buffer 0 (weight of 512 bytes)", k);
    expectError(patched(stepField(1, range), int64_t(9)),
                "step 1 (kernel 1) has range 9 but the kernel covers 8 items", k);
    expectError(patched(stepField(1, grain), int64_t(1)),
                "has grain 1 but the kernel's is 3", k);
    expectError(patched(stepField(3, flags), uint32_t(0)), "has flags 0", k);
    expectError(patched(stepField(1, nargs), uint32_t(3)),
                "step 1 (kernel 1) passes 3 arguments but the kernel takes 2", k);
  }

  // The contract itself: missing, foreign, or for another kernel count.
  tern_kernel_table none = *toyKernels();
  none.contract = nullptr;
  expectError(bytes, "carries no plan contract", &none);
  std::vector<uint8_t> copy(
      reinterpret_cast<const uint8_t *>(toyKernels()->contract),
      reinterpret_cast<const uint8_t *>(toyKernels()->contract) +
          sizeof(tern_plan_contract) + 4 * sizeof(tern_kernel_contract));
  tern_kernel_table edited = *toyKernels();
  edited.contract = reinterpret_cast<const tern_plan_contract *>(copy.data());
  EXPECT_EQ(loadError(bytes, &edited), "");
  copy[0] = 'X';
  expectError(bytes, "is not a TERNKC01 contract", &edited);
  copy[0] = 'T';
  reinterpret_cast<tern_plan_contract *>(copy.data())->num_kernels = 3;
  expectError(bytes, "describes 3 kernels but it has 4", &edited);

  // Fewer steps than the compiled plan (the head dropped).
  expectError(patched(offsetof(tern_pack_header, n_steps), uint32_t(3)),
              "the plan has 6 buffers and 3 steps but the executable's has 6 and 4");

  // A step calling a kernel that no step of the compiled plan calls: a
  // table of 5 kernels whose last one the plan never uses.
  std::vector<uint8_t> unused;
  std::string err;
  PackContents c = toy.contents;
  tern_pack_header h;
  std::vector<tern_buffer> laidOut;
  ASSERT_TRUE(layoutPack(c, "x", &h, &laidOut, &err)) << err;
  ASSERT_TRUE(deriveContract(h, laidOut.data(), c.steps.data(), 5, &unused, &err)) << err;
  tern_kernel_fn five[5] = {toyKernels()->kernels[0], toyKernels()->kernels[1],
                            toyKernels()->kernels[2], toyKernels()->kernels[3],
                            toyKernels()->kernels[3]};
  tern_kernel_table fiveTable = *toyKernels();
  fiveTable.kernels = five;
  fiveTable.num_kernels = 5;
  fiveTable.contract = reinterpret_cast<const tern_plan_contract *>(unused.data());
  EXPECT_EQ(loadError(bytes, &fiveTable), "");
  expectError(patched(stepField(3, offsetof(tern_step, kernel)), uint32_t(4)),
              "step 3 (kernel 4) calls a kernel that no step of the compiled plan calls",
              &fiveTable);

  // deriveContract refuses a buffer no step uses (nothing would bound it).
  tern_pack_header fewer = h;
  fewer.n_steps = 3;
  EXPECT_FALSE(deriveContract(fewer, laidOut.data(), c.steps.data(), 4, &unused, &err));
  EXPECT_NE(err.find("buffer 5 (logits) is no step's argument"), std::string::npos) << err;

  // deriveContract refuses a plan calling one kernel two ways.
  c.steps[2].kernel = 0;
  ASSERT_TRUE(layoutPack(c, "x", &h, &laidOut, &err)) << err;
  EXPECT_FALSE(deriveContract(h, laidOut.data(), c.steps.data(), 4, &unused, &err));
  EXPECT_NE(err.find("steps 0 and 2 call kernel 0 differently"), std::string::npos)
      << err;
}

TEST_F(PackFileTest, EveryByteFlipIsSafe) {
  // Corrupting any single header or table byte either still validates or
  // fails with a message naming the file; it never crashes. (In memory,
  // through the loader's own validatePack, 8-byte aligned like a mapping.)
  const size_t end = header.steps_offset + header.n_steps * sizeof(tern_step);
  std::vector<uint64_t> storage((bytes.size() + 7) / 8);
  uint8_t *mem = reinterpret_cast<uint8_t *>(storage.data());
  int failures = 0;
  for (size_t i = 0; i < end; ++i) {
    std::memcpy(mem, bytes.data(), bytes.size());
    mem[i] ^= 0x5a;
    std::string err;
    if (!validatePack(mem, bytes.size(), "flipped.tpack", toyKernels(), &err)) {
      ++failures;
      EXPECT_EQ(err.rfind("flipped.tpack: ", 0), 0u) << i << ": " << err;
    }
  }
  EXPECT_GT(failures, static_cast<int>(end / 2));
}

TEST(RuntimeSeeds, SeedFilesAreValid) {
  // Small valid packs; with TERN_RUNTIME_SEED_DIR set (test/fuzz/run.sh)
  // they are also written there as the fuzzer's seed corpus.
  const char *dir = std::getenv("TERN_RUNTIME_SEED_DIR");
  ToyPack toy;
  makeToyPack(ToyShape(), &toy);
  tern::tok::TokenizerData d;
  d.tokens = {"a", "b", "ab", "<|eot_id|>"};
  d.merges = {{"a", "b"}};
  d.special_ids = {3};
  ASSERT_TRUE(serializeTokenizer(d, &toy.contents.tokenizer));
  SuccessorPack succ;
  makeSuccessorPack(40, 16, 3, std::vector<int32_t>(40, 1), "", &succ);
  const std::pair<const char *, const PackContents *> seeds[] = {
      {"toy.tpack", &toy.contents}, {"successor.tpack", &succ.contents}};
  for (const auto &seed : seeds) {
    const std::string path =
        dir ? std::string(dir) + "/" + seed.first : tempPath(seed.first);
    std::string err;
    ASSERT_TRUE(writePackFile(path, *seed.second, &err)) << err;
    const std::string bytes = readFile(path);
    std::vector<uint64_t> mem(bytes.size() / 8 + 1);
    std::memcpy(mem.data(), bytes.data(), bytes.size());
    EXPECT_TRUE(validatePack(reinterpret_cast<const uint8_t *>(mem.data()),
                             bytes.size(), path, nullptr, &err))
        << err;
    if (!dir)
      ::unlink(path.c_str());
  }
  if (dir)
    writeFile(std::string(dir) + "/tokenizer.blob", toy.contents.tokenizer);
}

} // namespace
