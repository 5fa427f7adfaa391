//===- tern-run.cpp - Run a ternary (BitNet b1.58) model ------------------===//
//
// Runs a model with the scalar reference implementation: a model file (HF
// checkpoint directory, .safetensors, GGUF) or a built-in synthetic one.
//
//   tern-run MODEL --reference --prompt "Hello" -n 16
//   tern-run MODEL --reference --tokens 1,2,3 --logits-out logits.f32
//   tern-run --reference --demo=tiny --tokens 1,2,3 -n 16
//
// With --tokens, generated token ids go to stdout (one line); with --prompt,
// the generated text (stopping at end-of-text / end-of-turn). Progress and
// timing go to stderr. Bad input prints one "tern-run: error: ..." line and
// exits 1.
//
//===----------------------------------------------------------------------===//

#include "frontend/model/Model.h"
#include "frontend/model/ModelTokenizer.h"
#include "runtime/tokenizer/ChatTemplate.h"
#include "runtime/reference/model.h"
#include "runtime/reference/model_config.h"
#include "runtime/reference/synthetic_model.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "codegen/common/TuneDb.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/xxhash.h"

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace cl = llvm::cl;
using namespace tern::ref;

static cl::OptionCategory runCategory("tern-run options");

static cl::opt<std::string>
    modelPath(cl::Positional, cl::desc("[MODEL]"), cl::init(""),
              cl::cat(runCategory));

static cl::opt<std::string> device(
    "device",
    cl::desc("cpu (compile for this CPU, the default) or cuda (compile for a "
             "CUDA GPU, --cuda-target, and run on GPU 0 or $TERN_CUDA_DEVICE)"),
    cl::init("cpu"), cl::cat(runCategory));
static cl::opt<std::string> cudaTarget(
    "cuda-target",
    cl::desc("GPU target of --device=cuda (default sm_80: its PTX is JIT-compiled "
             "by the driver for any newer GPU)"),
    cl::init("sm_80"), cl::cat(runCategory));

static cl::opt<bool> useReference(
    "reference",
    cl::desc("Run with the scalar reference implementation instead of "
             "compiling the model for this CPU (cached)"),
    cl::cat(runCategory));

static cl::opt<std::string>
    demoName("demo",
             cl::desc("Run a built-in synthetic model instead of a MODEL "
                      "file: tiny or small"),
             cl::value_desc("tiny|small"), cl::init(""),
             cl::cat(runCategory));

static cl::opt<unsigned long long>
    seed("seed", cl::desc("Seed of the synthetic --demo weights"),
         cl::value_desc("N"), cl::init(1), cl::cat(runCategory));

static cl::opt<std::string>
    tokenList("tokens",
              cl::desc("Prompt as comma-separated token ids, e.g. 1,2,3"),
              cl::value_desc("ids"), cl::init(""), cl::cat(runCategory));

static cl::opt<std::string>
    promptText("prompt",
               cl::desc("Prompt text, also -p (tokenized with the model's "
                        "tokenizer, BOS added); the output is text"),
               cl::value_desc("text"), cl::init(""), cl::cat(runCategory));

static cl::opt<bool> chatFormat(
    "chat",
    cl::desc("Wrap --prompt as one user turn of the model's chat format (BitNet, Llama 3, Falcon3)"),
    cl::cat(runCategory));

static cl::opt<std::string> logitsOut(
    "logits-out",
    cl::desc("Write the logits of a single prefill of the prompt to FILE as "
             "raw little-endian float32 [T, vocab], one row per prompt token"),
    cl::value_desc("file"), cl::init(""), cl::cat(runCategory));

static cl::opt<int> numPredict(
    "n",
    cl::desc("Number of tokens to generate greedily; their ids are printed "
             "on one line of stdout"),
    cl::value_desc("N"), cl::init(0), cl::cat(runCategory));

// Registered as -t: libLLVM.so already owns an internal option named
// "threads", so --threads[=N] is rewritten to -t[=N] before parsing
// (see rewriteThreadsOption).
static cl::opt<int> numThreads(
    "t",
    cl::desc("Number of threads, also spelled --threads=N (accepted; the "
             "reference backend is single-threaded)"),
    cl::value_desc("N"), cl::init(1), cl::cat(runCategory));

static cl::alias promptShort("p", cl::desc("Alias for --prompt"),
                             cl::aliasopt(promptText), cl::cat(runCategory));

// Rewrites --threads / -threads (with " N" or "=N") to -t, stopping at "--".
static std::vector<std::string> rewriteThreadsOption(int argc, char **argv) {
  std::vector<std::string> args;
  bool options = true;
  for (int i = 0; i < argc; ++i) {
    llvm::StringRef a(argv[i]);
    if (i > 0 && options) {
      if (a == "--") {
        options = false;
      } else if (a == "--threads" || a == "-threads") {
        args.push_back("-t");
        continue;
      } else if (a.starts_with("--threads=") || a.starts_with("-threads=")) {
        args.push_back("-t=" + a.substr(a.find('=') + 1).str());
        continue;
      }
    }
    args.push_back(a.str());
  }
  return args;
}

static int fail(const std::string &msg) {
  llvm::errs() << "tern-run: error: " << msg << "\n";
  return 1;
}

// Parses "1,2,3" into ids in [0, vocab). Whitespace around ids is allowed.
static bool parseTokens(llvm::StringRef text, int vocab,
                        std::vector<int32_t> &out, std::string &err) {
  llvm::SmallVector<llvm::StringRef, 16> parts;
  text.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/true);
  for (llvm::StringRef part : parts) {
    llvm::StringRef t = part.trim();
    unsigned long long id = 0;
    bool digits = !t.empty() && t.find_first_not_of("0123456789") ==
                                    llvm::StringRef::npos;
    if (!digits) {
      err = "invalid token id '" + part.str() +
            "' in --tokens (expected comma-separated non-negative integers, "
            "e.g. 1,2,3)";
      return false;
    }
    // getAsInteger fails only on overflow here: also out of range.
    if (t.getAsInteger(10, id) ||
        id >= static_cast<unsigned long long>(vocab)) {
      err = "token id " + t.str() + " in --tokens is out of range: the model's "
            "vocabulary has " + std::to_string(vocab) + " tokens (ids 0.." +
            std::to_string(vocab - 1) + ")";
      return false;
    }
    out.push_back(static_cast<int32_t>(id));
  }
  return true;
}

// Writes floats as raw little-endian float32, independent of host order.
static bool writeLittleEndian(std::FILE *f, const std::vector<float> &v) {
  std::vector<unsigned char> bytes(v.size() * 4);
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t u;
    std::memcpy(&u, &v[i], 4);
    for (int b = 0; b < 4; ++b)
      bytes[4 * i + b] = static_cast<unsigned char>(u >> (8 * b));
  }
  return std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
}

// Length of the prefix of `s` that does not end inside a UTF-8 sequence, so
// that streamed text never splits a character across two writes.
static size_t completeUtf8Prefix(const std::string &s) {
  size_t i = s.size();
  // Step back over at most 3 continuation bytes to the last lead byte.
  size_t back = 0;
  while (i > 0 && back < 3 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) {
    --i;
    ++back;
  }
  if (i == 0)
    return s.size();
  const unsigned char lead = static_cast<unsigned char>(s[i - 1]);
  const size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return need > back + 1 && lead >= 0xC0 ? i - 1 : s.size();
}

static double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

static std::string rate(int tokens, double seconds) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%d tokens in %.1f ms (%.1f tok/s)", tokens,
                seconds * 1e3, seconds > 0 ? tokens / seconds : 0.0);
  return buf;
}


// Without --reference: compile MODEL for this CPU with tern-compile (found
// next to tern-run), cached under $TERN_CACHE_DIR (default
// $XDG_CACHE_HOME/tern or ~/.cache/tern) by a key of the model files' paths,
// sizes and times, tern-compile's own and the default tuning database's
// (codegen/common/TuneDb.h), then run the executable with the
// same prompt options.
static uint64_t fileKey(const std::string &path) {
  llvm::sys::fs::file_status st;
  if (llvm::sys::fs::status(path, st))
    return 0;
  std::string k = path + ":" + std::to_string(st.getSize()) + ":" +
                  std::to_string(st.getLastModificationTime().time_since_epoch().count());
  return llvm::xxh3_64bits(k);
}

static int runCompiled(const char *argv0) {
  std::string self = llvm::sys::fs::getMainExecutable(argv0, (void *)&runCompiled);
  llvm::SmallString<256> compiler(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(compiler, "tern-compile");
  if (!llvm::sys::fs::can_execute(compiler))
    return fail("cannot find tern-compile next to tern-run (" +
                std::string(compiler) + ")");
  llvm::SmallString<256> model(modelPath.getValue());
  llvm::sys::fs::make_absolute(model);
  if (!llvm::sys::fs::exists(model))
    return fail(std::string(model) + ": no such file or directory");
  const std::string target = device == "cuda" ? cudaTarget.getValue() : "host";
  // The tuning database tern-compile reads by default is part of the key:
  // new records recompile.
  uint64_t key = fileKey(std::string(compiler)) ^ llvm::xxh3_64bits(model.str()) ^
                 llvm::xxh3_64bits(target) ^ (fileKey(::tern::tune::defaultTuneDbPath()) * 7) ^
                 (uint64_t(numThreads) * 0x9e3779b97f4a7c15ull);
  if (llvm::sys::fs::is_directory(model)) {
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(model, ec), end; it != end && !ec;
         it.increment(ec))
      key = key * 31 + fileKey(it->path());
  } else {
    key = key * 31 + fileKey(std::string(model));
  }
  llvm::SmallString<256> dir;
  if (const char *c = std::getenv("TERN_CACHE_DIR"))
    dir = c;
  else if (const char *x = std::getenv("XDG_CACHE_HOME"))
    llvm::sys::path::append(dir, x, "tern");
  else if (const char *h = std::getenv("HOME"))
    llvm::sys::path::append(dir, h, ".cache", "tern");
  else
    return fail("no cache directory: set TERN_CACHE_DIR");
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)key);
  llvm::sys::path::append(dir, hex);
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return fail("cannot create the cache directory " + std::string(dir) + ": " +
                ec.message());
  llvm::SmallString<256> exe(dir);
  llvm::sys::path::append(exe, "model");
  if (!llvm::sys::fs::exists(exe) || !llvm::sys::fs::exists(exe + ".tpack")) {
    llvm::errs() << "tern-run: compiling " << model << " for "
                 << (device == "cuda" ? target : std::string("this CPU")) << " (cached in "
                 << dir << ")\n";
    const std::string targetArg = "--target=" + target;
    // The tuning records of the threads it will run with.
    const std::string threadsArg = "--tune-threads=" + std::to_string(numThreads);
    std::vector<llvm::StringRef> cargs = {compiler, model, targetArg, threadsArg, "-q", "-o", exe};
    std::string err;
    int rc = llvm::sys::ExecuteAndWait(compiler, cargs, std::nullopt, {}, 0, 0, &err);
    if (rc != 0)
      return rc > 0 ? rc : fail("tern-compile failed: " + err);
  }
  std::vector<std::string> args = {std::string(exe)};
  if (!tokenList.empty())
    args.insert(args.end(), {"--tokens", tokenList});
  if (!promptText.empty())
    args.insert(args.end(), {"--prompt", promptText});
  if (chatFormat)
    args.push_back("--chat");
  if (!logitsOut.empty())
    args.insert(args.end(), {"--logits-out", logitsOut});
  if (numPredict > 0)
    args.insert(args.end(), {"-n", std::to_string(numPredict)});
  args.insert(args.end(), {"--threads", std::to_string(numThreads)});
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::string err;
  int rc = llvm::sys::ExecuteAndWait(args[0], refs, std::nullopt, {}, 0, 0, &err);
  if (rc < 0)
    return fail(std::string(exe) + " failed: " + err);
  return rc;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(runCategory);
  std::vector<std::string> args = rewriteThreadsOption(argc, argv);
  std::vector<const char *> argPtrs;
  for (const std::string &a : args)
    argPtrs.push_back(a.c_str());
  cl::ParseCommandLineOptions(
      static_cast<int>(argPtrs.size()), argPtrs.data(),
      "tern-run: run a ternary (BitNet b1.58) model\n\n"
      "  tern-run MODEL --reference --prompt \"Hello\" -n 16\n"
      "  tern-run MODEL --reference --tokens 1,2,3 --logits-out logits.f32\n"
      "  tern-run --reference --demo=tiny --tokens 1,2,3 -n 16\n"
      "  tern-run MODEL --device=cuda --prompt \"Hello\" -n 16\n");

  // --- Validate the command line before doing any work. ---
  if (device != "cpu" && device != "cuda")
    return fail("unknown --device=" + device + " (expected cpu or cuda)");
  if (device == "cuda" && useReference)
    return fail("--reference runs on the CPU; drop --device=cuda");
  if (device == "cuda" && (cudaTarget.size() < 4 || cudaTarget.substr(0, 3) != "sm_"))
    return fail("--cuda-target must be sm_80, sm_90, ..., got " + cudaTarget);
  if (!useReference) {
    if (!demoName.empty())
      return fail("--demo models run only with --reference");
    if (modelPath.empty())
      return fail("no model: pass a MODEL path (HF checkpoint directory, "
                  ".safetensors or .gguf)");
    return runCompiled(argv[0]);
  }
  if (modelPath.empty() && demoName.empty())
    return fail("no model: pass a MODEL path (HF checkpoint directory, "
                ".safetensors or .gguf) or --demo=tiny|small");
  if (!modelPath.empty() && !demoName.empty())
    return fail("pass either a MODEL path or --demo, not both");
  if (!demoName.empty() && demoName != "tiny" && demoName != "small")
    return fail("unknown --demo model '" + demoName +
                "' (expected tiny or small)");
  if (numPredict < 0)
    return fail("-n must be >= 0, got " + std::to_string(numPredict));
  if (numThreads < 1)
    return fail("--threads must be >= 1, got " + std::to_string(numThreads));
  if (tokenList.empty() && promptText.empty())
    return fail("no prompt: pass --prompt TEXT or token ids with --tokens "
                "1,2,3");
  if (!tokenList.empty() && !promptText.empty())
    return fail("pass either --prompt or --tokens, not both");
  if (chatFormat && promptText.empty())
    return fail("--chat needs --prompt");
  if (!demoName.empty() && !promptText.empty())
    return fail("--demo models have no tokenizer: pass --tokens, or write "
                "the model with its tokenizer using tern-make-model");

  // --- Load the model. ---
  auto start = std::chrono::steady_clock::now();
  std::string err;
  ModelConfig config;
  ModelWeights weights;
  tern::model::Model loaded;
  tern::tok::Tokenizer tokenizer;
  if (!modelPath.empty()) {
    if (!tern::model::loadModel(modelPath, &loaded, &err))
      return fail(err);
    config = loaded.config;
    if (!promptText.empty() &&
        !tern::model::loadTokenizer(loaded, &tokenizer, &err))
      return fail(err);
    llvm::errs() << "tern-run: " << loaded.format << " model " << modelPath
                 << ": " << config.layers << " layers, hidden "
                 << config.hidden << ", vocab " << config.vocab
                 << ", context " << config.max_context << "\n";
    if (!tern::model::toReferenceWeights(loaded, &weights, &err))
      return fail(err);
  } else {
    bool known = false;
    config = presetConfig(demoName, &known);
    llvm::errs() << "tern-run: synthetic '" << demoName << "' model, seed "
                 << seed << ": " << config.layers << " layers, hidden "
                 << config.hidden << ", vocab " << config.vocab
                 << ", context " << config.max_context << "\n";
    weights = makeSyntheticWeights(config, seed);
  }
  std::vector<int32_t> prompt;
  if (!promptText.empty()) {
    std::string text = promptText;
    if (chatFormat)
      text = tern::tok::applyChatTemplate(tokenizer.data().chat_template,
                                          {{"user", promptText}}, true);
    prompt = tokenizer.encode(text, {/*add_bos=*/true, /*parse_special=*/true});
    for (int32_t id : prompt)
      if (id >= config.vocab)
        return fail("the tokenizer produced id " + std::to_string(id) +
                    ", outside the model's vocabulary of " +
                    std::to_string(config.vocab));
  } else if (!parseTokens(tokenList, config.vocab, prompt, err)) {
    return fail(err);
  }
  const int T = static_cast<int>(prompt.size());
  if (T == 0)
    return fail("the prompt is empty");
  if (T > config.max_context)
    return fail("the prompt has " + std::to_string(T) +
                " tokens but the context holds " +
                std::to_string(config.max_context));
  // The last generated token is never fed back, so T + n - 1 positions.
  if (numPredict > 0 &&
      static_cast<int64_t>(T) + numPredict - 1 > config.max_context)
    return fail("the prompt (" + std::to_string(T) + " tokens) plus -n " +
                std::to_string(numPredict) + " needs " +
                std::to_string(T + numPredict - 1) +
                " positions but the context holds " +
                std::to_string(config.max_context));

  std::FILE *logitsFile = nullptr;
  if (!logitsOut.empty()) {
    logitsFile = std::fopen(logitsOut.c_str(), "wb");
    if (!logitsFile)
      return fail("cannot open '" + logitsOut + "' for writing: " +
                  std::strerror(errno));
  }

  // --- Build the model. ---
  ReferenceModel model(config, std::move(weights));
  if (!model.ok()) {
    if (logitsFile)
      std::fclose(logitsFile);
    return fail(model.error());
  }
  llvm::errs() << "tern-run: reference backend (single-threaded";
  if (numThreads > 1)
    llvm::errs() << ", ignoring --threads=" << numThreads;
  llvm::errs() << "), weights ready in "
               << static_cast<int>(secondsSince(start) * 1e3) << " ms\n";

  // --- Prefill the prompt in one forward pass. ---
  KVCache cache = model.makeCache();
  std::vector<float> logits(static_cast<size_t>(T) * config.vocab);
  start = std::chrono::steady_clock::now();
  if (!model.forward(prompt.data(), T, cache, logits.data(), &err)) {
    if (logitsFile)
      std::fclose(logitsFile);
    return fail(err);
  }
  llvm::errs() << "tern-run: prefill " << rate(T, secondsSince(start)) << "\n";

  if (logitsFile) {
    bool ok = writeLittleEndian(logitsFile, logits);
    ok = (std::fclose(logitsFile) == 0) && ok;
    if (!ok)
      return fail("cannot write '" + logitsOut + "': " + std::strerror(errno));
    llvm::errs() << "tern-run: wrote logits [" << T << ", " << config.vocab
                 << "] to " << logitsOut << "\n";
  }

  // --- Greedy decoding. ---
  if (numPredict > 0) {
    const bool text = !promptText.empty();
    std::vector<int32_t> generated;
    const float *last =
        logits.data() + static_cast<size_t>(T - 1) * config.vocab;
    std::vector<float> row(config.vocab);
    start = std::chrono::steady_clock::now();
    int decoded = 0;
    std::string pending; // generated bytes not printed yet
    while (true) {
      const int32_t next = argmaxToken(last, config.vocab);
      generated.push_back(next);
      if (text) {
        if (next == tokenizer.eos() || next == tokenizer.eot())
          break;
        pending += tokenizer.decode({next});
        const size_t n = completeUtf8Prefix(pending);
        llvm::outs() << pending.substr(0, n);
        pending.erase(0, n);
        llvm::outs().flush();
      }
      if (static_cast<int>(generated.size()) == numPredict)
        break;
      if (!model.forward(&next, 1, cache, row.data(), &err))
        return fail(err);
      ++decoded;
      last = row.data();
    }
    if (text) {
      llvm::outs() << pending << "\n";
    } else {
      for (size_t i = 0; i < generated.size(); ++i)
        llvm::outs() << (i ? " " : "") << generated[i];
      llvm::outs() << "\n";
    }
    llvm::outs().flush();
    llvm::errs() << "tern-run: decode " << rate(decoded, secondsSince(start))
                 << "\n";
  }
  return 0;
}
