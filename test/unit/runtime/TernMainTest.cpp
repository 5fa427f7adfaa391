//===- TernMainTest.cpp - the compiled executable's command line ----------===//
//
// tern_main runs in-process on the successor model (TestPack.h): greedy
// generation follows next[], so every output is known. stdout and stderr
// are captured; stdin is redirected from a file for --interactive.
//
//===----------------------------------------------------------------------===//
#include "runtime/engine/TokenizerBlob.h"

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "TestPack.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace tern::rt;
using namespace tern::rt::testing;

namespace {

constexpr int32_t kBos = 256, kEos = 257, kEot = 258, kVocab = 259;

/// Byte tokens 0..255 and the three control tokens.
std::string tokenizerBlob() {
  tern::tok::TokenizerData d;
  for (int b = 0; b < 256; ++b)
    d.tokens.push_back(
        tern::tok::bytesToByteLevel(std::string(1, static_cast<char>(b))));
  d.tokens.push_back("<|begin_of_text|>");
  d.tokens.push_back("<|end_of_text|>");
  d.tokens.push_back("<|eot_id|>");
  d.special_ids = {kBos, kEos, kEot};
  std::string blob;
  EXPECT_TRUE(serializeTokenizer(d, &blob));
  return blob;
}

/// a -> b -> c -> d -> e -> EOT; ' ' -> h -> i -> EOT; x -> C3 -> A9 -> EOT
/// ("é"); everything else -> EOT.
std::vector<int32_t> successors() {
  std::vector<int32_t> next(kVocab, kEot);
  for (char c = 'a'; c < 'e'; ++c)
    next[c] = c + 1;
  next[' '] = 'h';
  next['h'] = 'i';
  next['x'] = 0xC3;
  next[0xC3] = 0xA9;
  return next;
}

struct Result {
  int code;
  std::string out, err;
};

class TernMainTest : public ::testing::Test {
protected:
  void SetUp() override {
    path = tempPath("main.tpack");
    write(path, 64, 2, tokenizerBlob());
  }
  void TearDown() override {
    for (const std::string &p : cleanup)
      ::unlink(p.c_str());
    ::unlink(path.c_str());
  }

  void write(const std::string &file, int32_t maxContext, int32_t maxBatch,
             const std::string &blob) {
    SuccessorPack pack;
    makeSuccessorPack(kVocab, maxContext, maxBatch, successors(), blob, &pack);
    pack.contents.info.bos = kBos;
    pack.contents.info.eos = kEos;
    pack.contents.info.eot = kEot;
    std::string err;
    ASSERT_TRUE(writePackFile(file, pack.contents, &err)) << err;
    cleanup.push_back(file);
  }

  /// Runs tern_main with argv = {argv0, args...} and `input` on stdin.
  Result run(std::vector<std::string> args, const std::string &input = "",
             std::string argv0 = "tern-model",
             const tern_kernel_table *kernels = nullptr) {
    args.insert(args.begin(), argv0);
    std::vector<char *> argv;
    for (std::string &a : args)
      argv.push_back(&a[0]);
    argv.push_back(nullptr);

    const std::string in = tempPath("stdin.txt");
    writeFile(in, input);
    cleanup.push_back(in);
    std::fflush(stdin);
    const int savedIn = ::dup(STDIN_FILENO);
    const int fd = ::open(in.c_str(), O_RDONLY);
    ::dup2(fd, STDIN_FILENO);
    ::close(fd);
    clearerr(stdin);

    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    Result r;
    r.code = tern_main(static_cast<int>(args.size()), argv.data(),
                       kernels ? kernels : successorKernels());
    std::fflush(stdout);
    std::fflush(stderr);
    r.err = ::testing::internal::GetCapturedStderr();
    r.out = ::testing::internal::GetCapturedStdout();

    ::dup2(savedIn, STDIN_FILENO);
    ::close(savedIn);
    clearerr(stdin);
    return r;
  }

  /// Expects exit status 1 and one "tern-model: error: ..." line with `what`.
  void expectError(const std::vector<std::string> &args,
                   const std::string &what,
                   const tern_kernel_table *kernels = nullptr,
                   const std::string &argv0 = "tern-model") {
    Result r = run(args, "", argv0, kernels);
    EXPECT_EQ(r.code, 1) << r.err;
    const std::string prog = argv0.substr(argv0.find_last_of('/') + 1);
    EXPECT_EQ(r.err.rfind(prog + ": error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos)
        << "expected '" << what << "' in: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }

  std::string path;
  std::vector<std::string> cleanup;
};

TEST_F(TernMainTest, Help) {
  for (const char *h : {"-h", "--help"}) {
    Result r = run({h});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("usage: tern-model"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--tokens"), std::string::npos);
    EXPECT_NE(r.out.find("--interactive"), std::string::npos);
  }
}

TEST_F(TernMainTest, TokensInIdsOut) {
  for (const char *threads : {"1", "2", "3"}) {
    Result r = run({"--model", path, "--tokens", "97", "-n", "4", "-t", threads});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "98 99 100 101\n");
    // Ids mode does not stop at end of turn.
    r = run({"--model=" + path, "--tokens", " 100 ", "--n-predict=4",
             "--threads", threads});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "101 258 258 258\n");
    EXPECT_NE(r.err.find("prefill 1 tokens in "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("decode 3 tokens in "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(std::string(", ") + threads + " thread"),
              std::string::npos)
        << r.err;
  }
}

TEST_F(TernMainTest, PrefillOnly) {
  Result r = run({"--model", path, "--tokens", "1,2,3"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("prefill 3 tokens"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("decode"), std::string::npos) << r.err;
}

TEST_F(TernMainTest, PromptInTextOut) {
  Result r = run({"--model", path, "--prompt", "a", "-n", "10"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "bcde\n"); // stops at <|eot_id|>
  EXPECT_NE(r.err.find("prefill 2 tokens"), std::string::npos) << r.err;
  r = run({"--model", path, "-p", "a", "-n", "10", "--no-bos"});
  EXPECT_EQ(r.out, "bcde\n");
  EXPECT_NE(r.err.find("prefill 1 tokens"), std::string::npos) << r.err;
  r = run({"--model", path, "-p", "a", "-n", "2"});
  EXPECT_EQ(r.out, "bc\n");
  r = run({"--model", path, "-p", "x", "-n", "5"});
  EXPECT_EQ(r.out, "\xC3\xA9\n");
}

TEST_F(TernMainTest, ChatTemplate) {
  // "User: a<|eot_id|>Assistant: " ends in a space: the reply is "hi".
  Result r = run({"--model", path, "--prompt", "a", "--chat", "-n", "8"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "hi\n");
}

TEST_F(TernMainTest, DefaultPackPathIsArgv0) {
  const std::string exe = tempPath("model-exe");
  write(exe + ".tpack", 64, 2, tokenizerBlob());
  Result r = run({"--tokens", "97", "-n", "1"}, "", exe);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "98\n");
  const std::string missing = tempPath("no-such-exe");
  expectError({"--tokens", "97"}, missing + ".tpack", nullptr, missing);
  expectError({"--tokens", "97"}, "pass --model FILE", nullptr, missing);
}

TEST_F(TernMainTest, LogitsOutHasEveryRow) {
  const std::string out = tempPath("logits.f32");
  cleanup.push_back(out);
  // 5 tokens in chunks of 2: every row is kept.
  Result r = run({"--model", path, "--tokens", "97,98,99,32,104",
                  "--logits-out", out, "-n", "1"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "105\n");
  const std::string bytes = readFile(out);
  ASSERT_EQ(bytes.size(), 5u * kVocab * sizeof(float));
  std::vector<float> l(5 * kVocab);
  std::memcpy(l.data(), bytes.data(), bytes.size());
  const int32_t ids[] = {97, 98, 99, 32, 104};
  const std::vector<int32_t> next = successors();
  for (int t = 0; t < 5; ++t)
    for (int v = 0; v < kVocab; ++v)
      ASSERT_EQ(l[t * kVocab + v], v == next[ids[t]] ? 1.0f : 0.0f)
          << "row " << t << " token " << v;
  EXPECT_NE(r.err.find("wrote logits [5, 259]"), std::string::npos) << r.err;
}

TEST_F(TernMainTest, SamplingIsSeeded) {
  std::vector<std::string> args = {"--model", path, "--tokens", "97", "-n",
                                   "12", "--temp", "1.5", "--top-k", "0",
                                   "--top-p", "1", "--seed", "1234"};
  Result a = run(args), b = run(args);
  EXPECT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  args.back() = "99";
  Result c = run(args);
  EXPECT_NE(a.out, c.out);
  EXPECT_NE(a.err.find("seed 1234"), std::string::npos) << a.err;
}

TEST_F(TernMainTest, UnlimitedStopsAtAFullContext) {
  write(path, 16, 4, tokenizerBlob());
  Result r = run({"--model", path, "--tokens", "97", "-n", "-1"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "98 99 100 101 258 258 258 258 258 258 258 258 258 258 258 "
                   "258\n");
  EXPECT_NE(r.err.find("the context is full (16 tokens)"), std::string::npos)
      << r.err;
}

TEST_F(TernMainTest, Interactive) {
  Result r = run({"--model", path, "-i"}, "a\n\n   \nb\r\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "hi\nhi\n");
  EXPECT_NE(r.err.find("decode"), std::string::npos) << r.err;
  // An initial --prompt is the first turn; end of input ends the chat.
  r = run({"--model", path, "--interactive", "--prompt", "a", "-t", "2"}, "b");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "hi\nhi\n");
  // Per-turn limit.
  r = run({"--model", path, "-i", "-n", "1"}, "a\nb\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "h\nh\n");
}

TEST_F(TernMainTest, InteractiveContextFull) {
  // Each turn takes about 20 prompt tokens + 2 reply tokens.
  for (int ctx : {50, 64}) {
    write(path, ctx, 4, tokenizerBlob());
    Result r = run({"--model", path, "-i"}, "a\nb\nc\nd\n");
    EXPECT_EQ(r.code, 1) << ctx;
    EXPECT_EQ(r.out.rfind("hi\nhi\n", 0), 0u) << r.out;
    EXPECT_NE(r.err.find("error: context full"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("holds " + std::to_string(ctx)),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("start again"), std::string::npos) << r.err;
  }
}

TEST_F(TernMainTest, CommandLineErrors) {
  expectError({"--model", path, "--frobnicate"}, "unknown option '--frobnicate'");
  expectError({"--model", path, "stray"}, "unexpected argument 'stray'");
  expectError({"--model", path, "--tokens", "1", "-n", "abc"},
              "invalid value 'abc' for -n: expected an integer");
  expectError({"--model", path, "--tokens", "1", "-n", "-2"}, "-n must be");
  expectError({"--model", path, "--tokens", "1", "--temp"},
              "option '--temp' needs a value");
  expectError({"--model", path, "--tokens", "1", "--temp", "hot"},
              "invalid value 'hot' for --temp");
  expectError({"--model", path, "--tokens", "1", "--temp", "-1"},
              "--temp must be >= 0");
  expectError({"--model", path, "--tokens", "1", "--temp", "nan"},
              "invalid value 'nan'");
  expectError({"--model", path, "--tokens", "1", "--top-p", "2"}, "--top-p");
  expectError({"--model", path, "--tokens", "1", "--top-k", "-3"}, "--top-k");
  expectError({"--model", path, "--tokens", "1", "--seed", "-5"},
              "invalid value '-5' for --seed");
  expectError({"--model", path, "--tokens", "1", "-t", "0"},
              "--threads must be between 1 and 1024, got 0");
  expectError({"--model", path, "--tokens", "1", "--threads=x"},
              "invalid value 'x' for --threads");
  expectError({"--model", path, "--tokens", "1", "--chat=yes"},
              "option '--chat' takes no value");
  expectError({"--model", path}, "no prompt");
  expectError({"--model", path, "--tokens", "1", "--prompt", "a"},
              "either --prompt or --tokens");
  expectError({"--model", path, "--tokens", "1", "--chat"},
              "--chat needs --prompt");
  expectError({"--model", path, "-i", "--tokens", "1"},
              "--interactive reads text");
  expectError({"--model", path, "-i", "--logits-out", "x.f32"},
              "--logits-out cannot be used with --interactive");
  expectError({"--model", path, "--prompt", ""}, "the prompt is empty");
}

TEST_F(TernMainTest, InputErrors) {
  expectError({"--model", path, "--tokens", "1,259"},
              "token id 259 in --tokens is out of range");
  expectError({"--model", path, "--tokens", "1,,2"}, "invalid token id ''");
  expectError({"--model", path, "--tokens", "1,x"}, "invalid token id 'x'");
  expectError({"--model", path, "--tokens", "99999999999999999999999"},
              "out of range");
  expectError({"--model", tempPath("nope.tpack"), "--tokens", "1"},
              "cannot open packed model");
  expectError({"--model", path, "--tokens", "1", "--logits-out",
               "/nonexistent-dir/l.f32"},
              "cannot open '/nonexistent-dir/l.f32' for writing");

  write(path, 16, 4, tokenizerBlob());
  std::string seventeen = "1";
  for (int i = 0; i < 16; ++i)
    seventeen += ",1";
  expectError({"--model", path, "--tokens", seventeen},
              "the prompt has 17 tokens but the context holds 16");
  expectError({"--model", path, "--tokens", "1", "-n", "17"},
              "needs 17 positions but the context holds 16");
  expectError({"--model", path, "--prompt", std::string(40, 'a')},
              "the prompt has 41 tokens but the context holds 16");

  // A model without a tokenizer runs ids but not text.
  write(path, 64, 4, "");
  EXPECT_EQ(run({"--model", path, "--tokens", "97", "-n", "1"}).code, 0);
  expectError({"--model", path, "--prompt", "a"}, "has no tokenizer");
  // An executable whose kernels do not match the pack.
  tern_kernel_table other = *successorKernels();
  other.fingerprint = "other-build";
  expectError({"--model", path, "--tokens", "1"}, "recompile", &other);
}

} // namespace
