//===- TernMain.cpp - the command line of a compiled model ----------------===//
//
// Every executable tern-compile produces runs this (main.cpp passes it the
// generated kernel table). It behaves like tools/tern-run on the reference
// backend and follows llama.cpp's option names:
//
//   ./model --prompt "Hello" -n 16            text in, streamed text out
//   ./model --prompt "Hi" --chat -n 64        one user turn of the chat template
//   ./model --tokens 1,2,3 -n 4               ids in, ids out (one line)
//   ./model --tokens 1,2,3 --logits-out l.f32 float32 [T, vocab], every row
//   ./model --tokens 1,2,3 -n 4 --gen-logits-out g.f32   the rows sampled from
//   ./model -i                                chat loop on stdin
//
// The packed model is <argv[0]>.tpack unless --model says otherwise.
// Generated text goes to stdout, never splitting a UTF-8 character across
// writes, and stops at end-of-text / end-of-turn; progress and timing go to
// stderr. A bad command line or input is one "<prog>: error: ..." line on
// stderr and exit status 1. No LLVM here: argv is parsed by hand.
//
//===----------------------------------------------------------------------===//
#include "runtime/include/tern_runtime.h"

// -DTERN_NO_TOKENIZER: a runtime without the tokenizer (and so without
// PCRE2), e.g. cross-compiled for AArch64. Only --tokens prompts work; the
// tokenizer blob in the .tpack is ignored.
#ifndef TERN_NO_TOKENIZER
#include "runtime/tokenizer/ChatTemplate.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/engine/TokenizerBlob.h"
#else
namespace tern::tok {
class Tokenizer;
} // namespace tern::tok
#endif

#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

const char kUsage[] =
    "usage: %s [options]\n"
    "\n"
    "Runs a compiled ternary (BitNet b1.58) model.\n"
    "\n"
    "input (one of):\n"
    "  -p, --prompt TEXT     prompt text, tokenized with the model's tokenizer\n"
    "                        (BOS added); the output is text\n"
    "  --tokens IDS          prompt as comma-separated token ids, e.g. 1,2,3;\n"
    "                        the output is ids on one line\n"
    "  -i, --interactive     chat on stdin, one user turn per line, keeping the\n"
    "                        context between turns (an initial --prompt is the\n"
    "                        first turn)\n"
    "\n"
    "options:\n"
    "  -m, --model FILE      packed model (default: this executable's path +\n"
    "                        \".tpack\")\n"
    "  -n, --n-predict N     tokens to generate (default 0; -1: until end of\n"
    "                        text or a full context, the default with -i)\n"
    "  --chat                wrap --prompt as one user turn of the model's chat\n"
    "                        format (BitNet, Llama 3 or Falcon3)\n"
    "  --logits-out FILE     write the prompt's logits as raw little-endian\n"
    "                        float32 [T, vocab], one row per prompt token\n"
    "  --gen-logits-out FILE with -n: write the logits each generated token\n"
    "                        was chosen from, float32 [n, vocab] (the prompt's\n"
    "                        last row, then one row per decode step)\n"
    "  -t, --threads N       threads (default: the CPUs available, %d)\n"
    "  --device cpu|cuda     where to run: the executable's own (an executable\n"
    "                        compiled for sm_XY runs on CUDA GPU 0, or\n"
    "                        $TERN_CUDA_DEVICE); naming the other is an error\n"
    "  --temp F              temperature; 0 = greedy (default 0)\n"
    "  --top-k N             keep the N most likely tokens, 0 = all (default 40)\n"
    "  --top-p F             nucleus sampling threshold, 1 = off (default 0.95)\n"
    "  -s, --seed N          sampling seed (default: random, printed)\n"
    "  --no-bos              do not add the BOS token to text prompts\n"
    "  -h, --help            show this help\n";

struct Options {
  std::string model;
  bool modelSet = false;
  std::string tokens;
  bool tokensSet = false;
  std::string prompt;
  bool promptSet = false;
  std::string logitsOut, genLogitsOut;
  int64_t predict = 0;
  bool predictSet = false;
  bool chat = false, interactive = false, noBos = false, help = false;
  std::string device;
  int64_t threads = 0;
  bool threadsSet = false;
  float temp = 0.0f;
  int64_t topK = 40;
  float topP = 0.95f;
  uint64_t seed = 0;
  bool seedSet = false;
};

/// Prints "<prog>: error: msg" and returns the exit status 1.
class Reporter {
public:
  explicit Reporter(std::string prog) : prog_(std::move(prog)) {}
  int fail(const std::string &msg) const {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: error: %s\n", prog_.c_str(), msg.c_str());
    return 1;
  }
  void note(const std::string &msg) const {
    std::fprintf(stderr, "%s: %s\n", prog_.c_str(), msg.c_str());
  }
  const std::string &prog() const { return prog_; }

private:
  std::string prog_;
};

std::string baseName(const char *path) {
  std::string p = path && *path ? path : "tern";
  size_t slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

/// The default packed model: argv[0] + ".tpack" when argv[0] names a path,
/// else (found through PATH) the running executable's path + ".tpack".
std::string defaultPackPath(const char *argv0) {
  std::string a = argv0 ? argv0 : "";
  if (a.find('/') != std::string::npos)
    return a + ".tpack";
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    buf[n] = '\0';
    return std::string(buf) + ".tpack";
  }
  return (a.empty() ? std::string("tern") : a) + ".tpack";
}

bool parseInt(const std::string &s, int64_t *out) {
  if (s.empty())
    return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || std::isspace(static_cast<unsigned char>(s[0])))
    return false;
  *out = v;
  return true;
}

bool parseU64(const std::string &s, uint64_t *out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), nullptr, 10);
  if (errno != 0)
    return false;
  *out = v;
  return true;
}

bool parseFloat(const std::string &s, float *out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0])))
    return false;
  errno = 0;
  char *end = nullptr;
  float v = std::strtof(s.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v))
    return false;
  *out = v;
  return true;
}

/// Parses argv into *o; false + *err on the first problem.
bool parseArgs(int argc, char **argv, Options *o, std::string *err) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i] ? argv[i] : "";
    std::string name = arg, value;
    bool hasValue = false;
    if (arg.size() > 2 && arg[0] == '-' && arg[1] == '-') {
      size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        hasValue = true;
      }
    }
    auto flag = [&]() {
      if (hasValue) {
        *err = "option '" + name + "' takes no value";
        return false;
      }
      return true;
    };
    auto take = [&]() {
      if (hasValue)
        return true;
      if (i + 1 >= argc) {
        *err = "option '" + name + "' needs a value";
        return false;
      }
      value = argv[++i];
      return true;
    };
    auto bad = [&](const char *expected) {
      *err = "invalid value '" + value + "' for " + name + ": expected " +
             expected;
      return false;
    };
    if (name == "-h" || name == "--help") {
      if (!flag())
        return false;
      o->help = true;
    } else if (name == "-m" || name == "--model") {
      if (!take())
        return false;
      if (value.empty())
        return bad("a file name");
      o->model = value;
      o->modelSet = true;
    } else if (name == "--tokens") {
      if (!take())
        return false;
      o->tokens = value;
      o->tokensSet = true;
    } else if (name == "-p" || name == "--prompt") {
      if (!take())
        return false;
      o->prompt = value;
      o->promptSet = true;
    } else if (name == "--logits-out") {
      if (!take())
        return false;
      if (value.empty())
        return bad("a file name");
      o->logitsOut = value;
    } else if (name == "--gen-logits-out") {
      if (!take())
        return false;
      if (value.empty())
        return bad("a file name");
      o->genLogitsOut = value;
    } else if (name == "-n" || name == "--n-predict") {
      if (!take())
        return false;
      if (!parseInt(value, &o->predict))
        return bad("an integer");
      o->predictSet = true;
    } else if (name == "--chat") {
      if (!flag())
        return false;
      o->chat = true;
    } else if (name == "-i" || name == "--interactive") {
      if (!flag())
        return false;
      o->interactive = true;
    } else if (name == "--no-bos") {
      if (!flag())
        return false;
      o->noBos = true;
    } else if (name == "-t" || name == "--threads") {
      if (!take())
        return false;
      if (!parseInt(value, &o->threads))
        return bad("an integer");
      o->threadsSet = true;
    } else if (name == "--device") {
      if (!take())
        return false;
      if (value != "cpu" && value != "cuda")
        return bad("cpu or cuda");
      o->device = value;
    } else if (name == "--temp") {
      if (!take())
        return false;
      if (!parseFloat(value, &o->temp))
        return bad("a number");
    } else if (name == "--top-k") {
      if (!take())
        return false;
      if (!parseInt(value, &o->topK))
        return bad("an integer");
    } else if (name == "--top-p") {
      if (!take())
        return false;
      if (!parseFloat(value, &o->topP))
        return bad("a number");
    } else if (name == "-s" || name == "--seed") {
      if (!take())
        return false;
      if (!parseU64(value, &o->seed))
        return bad("a non-negative integer");
      o->seedSet = true;
    } else if (!arg.empty() && arg[0] == '-') {
      *err = "unknown option '" + name + "' (see --help)";
      return false;
    } else {
      *err = "unexpected argument '" + arg +
             "' (the prompt goes after --prompt; see --help)";
      return false;
    }
  }
  return true;
}

/// Checks option combinations and ranges before any work.
bool checkOptions(Options *o, std::string *err) {
  auto fail = [&](const std::string &msg) {
    *err = msg;
    return false;
  };
  if (o->interactive && !o->predictSet)
    o->predict = -1;
  if (o->predict < -1)
    return fail("-n must be >= 0, or -1 for no limit; got " +
                std::to_string(o->predict));
  if (o->threadsSet && (o->threads < 1 || o->threads > 1024))
    return fail("--threads must be between 1 and 1024, got " +
                std::to_string(o->threads));
  if (o->temp < 0)
    return fail("--temp must be >= 0, got " + std::to_string(o->temp));
  if (o->topK < 0 || o->topK > INT32_MAX)
    return fail("--top-k must be >= 0, got " + std::to_string(o->topK));
  if (o->topP < 0 || o->topP > 1)
    return fail("--top-p must be between 0 and 1, got " +
                std::to_string(o->topP));
  if (o->tokensSet && o->promptSet)
    return fail("pass either --prompt or --tokens, not both");
  if (o->interactive && o->tokensSet)
    return fail("--interactive reads text: pass --prompt (or nothing), not "
                "--tokens");
  if (o->interactive && !o->logitsOut.empty())
    return fail("--logits-out cannot be used with --interactive");
  if (o->interactive && !o->genLogitsOut.empty())
    return fail("--gen-logits-out cannot be used with --interactive");
  if (!o->genLogitsOut.empty() && o->predict == 0)
    return fail("--gen-logits-out needs -n N (tokens to generate)");
  if (!o->genLogitsOut.empty() && o->genLogitsOut == o->logitsOut)
    return fail("--gen-logits-out and --logits-out name the same file");
  if (!o->interactive && !o->tokensSet && !o->promptSet)
    return fail("no prompt: pass --prompt TEXT, token ids with --tokens "
                "1,2,3, or --interactive");
  if (o->chat && !o->promptSet && !o->interactive)
    return fail("--chat needs --prompt");
  if (o->promptSet && o->prompt.empty() && !o->interactive)
    return fail("the prompt is empty");
  return true;
}

/// "1,2,3" -> ids in [0, vocab); spaces around ids allowed.
bool parseTokenList(const std::string &text, int32_t vocab,
                    std::vector<int32_t> *out, std::string *err) {
  size_t pos = 0;
  for (;;) {
    size_t comma = text.find(',', pos);
    std::string part = text.substr(
        pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t b = part.find_first_not_of(" \t"), e = part.find_last_not_of(" \t");
    std::string t = b == std::string::npos ? "" : part.substr(b, e - b + 1);
    if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos) {
      *err = "invalid token id '" + part +
             "' in --tokens (expected comma-separated non-negative integers, "
             "e.g. 1,2,3)";
      return false;
    }
    uint64_t id = 0;
    if (!parseU64(t, &id) || id >= static_cast<uint64_t>(vocab)) {
      *err = "token id " + t + " in --tokens is out of range: the model's "
             "vocabulary has " + std::to_string(vocab) + " tokens (ids 0.." +
             std::to_string(vocab - 1) + ")";
      return false;
    }
    out->push_back(static_cast<int32_t>(id));
    if (comma == std::string::npos)
      return true;
    pos = comma + 1;
  }
}

/// Length of the longest prefix of `s` that does not end inside a UTF-8
/// sequence (an incomplete trailing sequence is held back).
size_t completeUtf8Prefix(const std::string &s) {
  const size_t n = s.size();
  size_t i = n;
  int continuation = 0;
  while (i > 0 && continuation < 3 &&
         (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) {
    --i;
    ++continuation;
  }
  if (i == 0)
    return n;
  const unsigned char lead = static_cast<unsigned char>(s[i - 1]);
  int need = 1;
  if (lead >= 0xF0 && lead < 0xF8)
    need = 4;
  else if (lead >= 0xE0 && lead < 0xF0)
    need = 3;
  else if (lead >= 0xC0 && lead < 0xE0)
    need = 2;
  return need > continuation + 1 ? i - 1 : n;
}

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

std::string rate(int64_t tokens, double seconds) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%lld tokens in %.1f ms (%.1f tok/s)",
                static_cast<long long>(tokens), seconds * 1e3,
                seconds > 0 ? double(tokens) / seconds : 0.0);
  return buf;
}

/// RAII owners for the C handles.
struct Handles {
  tern_model *model = nullptr;
  tern_context *ctx = nullptr;
  tern_sampler *sampler = nullptr;
  std::FILE *logits = nullptr, *genLogits = nullptr;
  ~Handles() {
    if (logits)
      std::fclose(logits);
    if (genLogits)
      std::fclose(genLogits);
    tern_sampler_free(sampler);
    tern_context_free(ctx);
    tern_model_free(model);
  }
};

/// One run of the model: prefill, then generation, with timing totals.
class Session {
public:
  Session(const Reporter &r, tern_context *ctx, tern_sampler *sampler,
          const tern::tok::Tokenizer *tok, int32_t eos, int32_t eot)
      : r_(r), ctx_(ctx), sampler_(sampler), tok_(tok), eos_(eos), eot_(eot) {
    const tern_model_config *c =
        tern_model_get_config(tern_context_model(ctx));
    vocab_ = c->vocab;
    maxContext_ = c->max_context;
  }

  bool isStop(int32_t id) const { return id >= 0 && (id == eos_ || id == eot_); }
  int64_t room() const { return maxContext_ - tern_context_length(ctx_); }

  /// Runs `ids` through the model; false + err.
  bool prefill(const std::vector<int32_t> &ids, bool allLogits,
               std::string *err) {
    char buf[512];
    auto t = std::chrono::steady_clock::now();
    if (tern_forward(ctx_, ids.data(), static_cast<int64_t>(ids.size()),
                     allLogits ? 1 : 0, buf, sizeof buf) != 0) {
      *err = buf;
      return false;
    }
    prefillSeconds_ += secondsSince(t);
    prefillTokens_ += static_cast<int64_t>(ids.size());
    return true;
  }

  enum class Stop { Limit, EndOfText, ContextFull };

  /// Samples from the last logits and feeds tokens back until `limit`
  /// tokens (-1: no limit), a stop token (text mode) or a full context.
  /// Text is streamed to stdout; ids are collected in *generated; each
  /// row of logits sampled from is appended to `rowsOut` when given.
  bool generate(int64_t limit, bool text, std::vector<int32_t> *generated,
                Stop *stop, std::string *err, std::FILE *rowsOut = nullptr) {
    generated->clear();
    *stop = Stop::Limit;
    if (limit == 0)
      return true;
    int64_t rows = 0;
    const float *logits = tern_logits(ctx_, &rows);
    if (!logits || rows < 1) {
      *err = "no logits to sample from";
      return false;
    }
    logits += (rows - 1) * int64_t(vocab_);
    auto t = std::chrono::steady_clock::now();
    std::string pending; // generated bytes not yet printed
    char buf[512];
    bool ok = true;
    for (;;) {
      // Little-endian hosts only (checked where the pack is read).
      if (rowsOut && std::fwrite(logits, sizeof(float), size_t(vocab_), rowsOut) !=
                      size_t(vocab_)) {
        *err = std::string("cannot write the generation's logits: ") +
               std::strerror(errno);
        ok = false;
        break;
      }
      const int32_t next = tern_sampler_sample(sampler_, logits, vocab_);
      if (next < 0) {
        *err = "the model's logits are all NaN: no token to sample";
        ok = false;
        break;
      }
      generated->push_back(next);
      if (text) {
        if (isStop(next)) {
          *stop = Stop::EndOfText;
          break;
        }
#ifndef TERN_NO_TOKENIZER
        pending += tok_->decode({next});
#endif
        const size_t n = completeUtf8Prefix(pending);
        std::fwrite(pending.data(), 1, n, stdout);
        std::fflush(stdout);
        pending.erase(0, n);
      }
      if (limit > 0 && static_cast<int64_t>(generated->size()) == limit)
        break;
      if (room() < 1) {
        *stop = Stop::ContextFull;
        break;
      }
      if (tern_forward(ctx_, &next, 1, 0, buf, sizeof buf) != 0) {
        *err = buf;
        ok = false;
        break;
      }
      ++decodeTokens_;
      logits = tern_logits(ctx_, &rows);
    }
    decodeSeconds_ += secondsSince(t);
    if (text)
      std::fwrite(pending.data(), 1, pending.size(), stdout);
    return ok;
  }

  /// The llama.cpp-style timing line.
  void printTiming(int threads, bool decode) const {
    std::string line = "prefill " + rate(prefillTokens_, prefillSeconds_);
    if (decode)
      line += ", decode " + rate(decodeTokens_, decodeSeconds_);
    line += ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
    r_.note(line);
  }

private:
  const Reporter &r_;
  tern_context *ctx_;
  tern_sampler *sampler_;
  const tern::tok::Tokenizer *tok_;
  int32_t eos_, eot_;
  int32_t vocab_ = 0;
  int64_t maxContext_ = 0;
  int64_t prefillTokens_ = 0, decodeTokens_ = 0;
  double prefillSeconds_ = 0, decodeSeconds_ = 0;
};

#ifndef TERN_NO_TOKENIZER
/// Reads one line of stdin without its line ending; false at end of input.
bool readLine(std::string *line) {
  line->clear();
  int c;
  bool any = false;
  while ((c = std::getc(stdin)) != EOF) {
    any = true;
    if (c == '\n')
      break;
    line->push_back(static_cast<char>(c));
  }
  if (!line->empty() && line->back() == '\r')
    line->pop_back();
  return any;
}

bool checkIds(const std::vector<int32_t> &ids, int32_t vocab,
              std::string *err) {
  for (int32_t id : ids)
    if (id < 0 || id >= vocab) {
      *err = "the tokenizer produced id " + std::to_string(id) +
             ", outside the model's vocabulary of " + std::to_string(vocab);
      return false;
    }
  return true;
}

int runInteractive(const Reporter &r, const Options &o, Session &s,
                   const tern::tok::Tokenizer &tok, int32_t eot,
                   int32_t vocab, int32_t maxContext, int threads) {
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  std::vector<int32_t> tail; // the last reply's unfed tokens, then <|eot_id|>
  bool first = true;
  bool decoded = false;
  std::string line, err;
  for (;;) {
    if (first && o.promptSet) {
      line = o.prompt;
    } else {
      if (tty) {
        std::fputs("> ", stdout);
        std::fflush(stdout);
      }
      if (!readLine(&line))
        break;
    }
    const bool blank = line.find_first_not_of(" \t\r\n\v\f") == std::string::npos;
    if (blank) {
      if (first && o.promptSet)
        first = false; // an empty --prompt: wait for stdin
      continue;
    }
    const std::string text =
        tern::tok::applyChatTemplate(tok.data().chat_template,
                                      {{"user", line}}, true);
    std::vector<int32_t> ids = tail;
    std::vector<int32_t> turn =
        tok.encode(text, {/*add_bos=*/first && !o.noBos, /*parse_special=*/true});
    ids.insert(ids.end(), turn.begin(), turn.end());
    if (!checkIds(ids, vocab, &err))
      return r.fail(err);
    if (static_cast<int64_t>(ids.size()) > s.room())
      return r.fail("context full: the conversation holds " +
                    std::to_string(maxContext - s.room()) +
                    " tokens and this turn needs " + std::to_string(ids.size()) +
                    " more, but the context holds " + std::to_string(maxContext) +
                    "; start again for a new conversation");
    if (!s.prefill(ids, false, &err))
      return r.fail(err);
    first = false;
    std::vector<int32_t> reply;
    Session::Stop stop;
    if (!s.generate(o.predict, /*text=*/true, &reply, &stop, &err))
      return r.fail(err);
    decoded = true;
    std::fputs("\n", stdout);
    std::fflush(stdout);
    if (stop == Session::Stop::ContextFull)
      return r.fail("context full: the reply reached the end of the "
                    "context, which holds " + std::to_string(maxContext) +
                    " tokens; start again for a new conversation");
    // The reply's last token was sampled but not fed; a stop token is
    // replaced by the template's end of turn.
    tail.clear();
    if (!reply.empty() && !s.isStop(reply.back()))
      tail.push_back(reply.back());
    if (eot >= 0)
      tail.push_back(eot);
  }
  std::fflush(stdout);
  s.printTiming(threads, decoded);
  return 0;
}
#endif // TERN_NO_TOKENIZER

} // namespace

extern "C" int tern_main(int argc, char **argv,
                         const tern_kernel_table *kernels) {
  const Reporter r(baseName(argc > 0 ? argv[0] : nullptr));
  Options o;
  std::string err;
  if (!parseArgs(argc, argv, &o, &err))
    return r.fail(err);
  if (o.help) {
    std::printf(kUsage, r.prog().c_str(), tern_default_threads());
    std::fflush(stdout);
    return 0;
  }
  if (!checkOptions(&o, &err))
    return r.fail(err);
#ifdef TERN_NO_TOKENIZER
  if (o.promptSet || o.interactive || o.chat)
    return r.fail("this executable was built without a tokenizer: use --tokens");
#endif

  // --- The device, the model and its tokenizer. ---
  const bool gpuExe = kernels && kernels->ptx;
  if (o.device == "cuda" && !gpuExe)
    return r.fail("this executable runs on the CPU: compile the model with "
                  "tern-compile --target=sm_80 (or sm_90) to run it on a CUDA GPU");
  if (o.device == "cpu" && gpuExe)
    return r.fail("this executable was compiled for a CUDA GPU: compile the model "
                  "with tern-compile --target=host to run it on the CPU");
  Handles h;
  const std::string packPath =
      o.modelSet ? o.model : defaultPackPath(argc > 0 ? argv[0] : nullptr);
  char buf[1024];
  h.model = tern_model_load(packPath.c_str(), kernels, buf, sizeof buf);
  if (!h.model) {
    std::string msg = buf;
    if (!o.modelSet)
      msg += " (the model defaults to the executable's path + \".tpack\"; "
             "pass --model FILE)";
    return r.fail(msg);
  }
  const tern_model_config &cfg = *tern_model_get_config(h.model);
  const bool text = o.promptSet || o.interactive;
#ifndef TERN_NO_TOKENIZER
  tern::tok::Tokenizer tok;
  if (text) {
    size_t blobBytes = 0;
    const uint8_t *blob = tern_model_tokenizer(h.model, &blobBytes);
    if (!blob)
      return r.fail(packPath + ": the model has no tokenizer: pass token ids "
                               "with --tokens");
    tern::tok::TokenizerData data;
    if (!tern::rt::parseTokenizerBlob(blob, blobBytes, &data, &err))
      return r.fail(packPath + ": " + err);
    if (!tern::tok::Tokenizer::fromData(std::move(data), packPath, &tok, &err))
      return r.fail(err);
  }
  const int32_t eos = cfg.eos >= 0 ? cfg.eos : (text ? tok.eos() : -1);
  const int32_t eot = cfg.eot >= 0 ? cfg.eot : (text ? tok.eot() : -1);
#else
  const int32_t eos = cfg.eos;
  const int32_t eot = cfg.eot;
#endif

  // --- The prompt. ---
  std::vector<int32_t> prompt;
  if (o.tokensSet) {
    if (!parseTokenList(o.tokens, cfg.vocab, &prompt, &err))
      return r.fail(err);
  }
#ifndef TERN_NO_TOKENIZER
  else if (o.promptSet && !o.interactive) {
    std::string t = o.prompt;
    if (o.chat)
      t = tern::tok::applyChatTemplate(tok.data().chat_template,
                                      {{"user", o.prompt}}, true);
    prompt = tok.encode(t, {/*add_bos=*/!o.noBos, /*parse_special=*/true});
    if (!checkIds(prompt, cfg.vocab, &err))
      return r.fail(err);
    if (prompt.empty())
      return r.fail("the prompt is empty");
  }
#endif
  const int64_t T = static_cast<int64_t>(prompt.size());
  if (!o.interactive) {
    if (T > cfg.max_context)
      return r.fail("the prompt has " + std::to_string(T) +
                    " tokens but the context holds " +
                    std::to_string(cfg.max_context));
    // The last generated token is never fed back: T + n - 1 positions.
    // (Unsigned: -n may be as large as INT64_MAX.)
    const uint64_t need = uint64_t(T) - 1 + uint64_t(o.predict);
    if (o.predict > 0 && need > uint64_t(cfg.max_context))
      return r.fail("the prompt (" + std::to_string(T) + " tokens) plus -n " +
                    std::to_string(o.predict) + " needs " + std::to_string(need) +
                    " positions but the context holds " +
                    std::to_string(cfg.max_context));
  }
  if (!o.logitsOut.empty()) {
    h.logits = std::fopen(o.logitsOut.c_str(), "wb");
    if (!h.logits)
      return r.fail("cannot open '" + o.logitsOut + "' for writing: " +
                    std::strerror(errno));
  }
  if (!o.genLogitsOut.empty()) {
    h.genLogits = std::fopen(o.genLogitsOut.c_str(), "wb");
    if (!h.genLogits)
      return r.fail("cannot open '" + o.genLogitsOut + "' for writing: " +
                    std::strerror(errno));
  }

  // --- Context and sampler. ---
  h.ctx = tern_context_new(h.model, o.threadsSet ? static_cast<int>(o.threads) : 0,
                           buf, sizeof buf);
  if (!h.ctx)
    return r.fail(buf);
  const int threads = tern_context_threads(h.ctx);
  tern_sampler_params sp = tern_sampler_default_params();
  sp.temperature = o.temp;
  sp.top_k = static_cast<int32_t>(o.topK);
  sp.top_p = o.topP;
  if (o.seedSet) {
    sp.seed = o.seed;
  } else {
    sp.seed = static_cast<uint64_t>(
                  std::chrono::steady_clock::now().time_since_epoch().count()) ^
              (static_cast<uint64_t>(::getpid()) << 32);
  }
  h.sampler = tern_sampler_new(&sp);
  {
    std::string banner = "model " + packPath + ": " + std::to_string(cfg.layers) +
                         " layers, hidden " + std::to_string(cfg.hidden) +
                         ", vocab " + std::to_string(cfg.vocab) + ", context " +
                         std::to_string(cfg.max_context) + ", target " +
                         (cfg.target[0] ? cfg.target : "?") + ", " +
                         (std::string(tern_context_device(h.ctx)) == "cpu"
                              ? std::to_string(threads) +
                                    (threads == 1 ? " thread" : " threads")
                              : std::string("on ") + tern_context_device(h.ctx));
    if (o.temp > 0)
      banner += ", sampling with seed " + std::to_string(sp.seed);
    r.note(banner);
  }

#ifndef TERN_NO_TOKENIZER
  Session s(r, h.ctx, h.sampler, text ? &tok : nullptr, eos, eot);
  if (o.interactive)
    return runInteractive(r, o, s, tok, eot, cfg.vocab, cfg.max_context,
                          threads);
#else
  Session s(r, h.ctx, h.sampler, nullptr, eos, eot);
#endif

  // --- Prefill, logits, generation. ---
  if (!s.prefill(prompt, /*allLogits=*/h.logits != nullptr, &err))
    return r.fail(err);
  if (h.logits) {
    int64_t rows = 0;
    const float *l = tern_logits(h.ctx, &rows);
    const size_t count = static_cast<size_t>(rows) * static_cast<size_t>(cfg.vocab);
    // Little-endian hosts only (checked where the pack is read).
    bool ok = rows == T && std::fwrite(l, sizeof(float), count, h.logits) == count;
    ok = std::fclose(h.logits) == 0 && ok;
    h.logits = nullptr;
    if (!ok)
      return r.fail("cannot write '" + o.logitsOut + "': " + std::strerror(errno));
    r.note("wrote logits [" + std::to_string(T) + ", " +
           std::to_string(cfg.vocab) + "] to " + o.logitsOut);
  }
  if (o.predict != 0) {
    std::vector<int32_t> generated;
    Session::Stop stop;
    if (!s.generate(o.predict, text, &generated, &stop, &err, h.genLogits))
      return r.fail(err);
    if (h.genLogits) {
      const bool ok = std::fclose(h.genLogits) == 0;
      h.genLogits = nullptr;
      if (!ok)
        return r.fail("cannot write '" + o.genLogitsOut + "': " + std::strerror(errno));
      r.note("wrote the generation's logits [" + std::to_string(generated.size()) +
             ", " + std::to_string(cfg.vocab) + "] to " + o.genLogitsOut);
    }
    if (!text)
      for (size_t i = 0; i < generated.size(); ++i)
        std::printf(i ? " %d" : "%d", generated[i]);
    std::fputs("\n", stdout);
    std::fflush(stdout);
    if (stop == Session::Stop::ContextFull)
      r.note("stopped: the context is full (" +
             std::to_string(cfg.max_context) + " tokens)");
  }
  s.printTiming(threads, o.predict != 0);
  return 0;
}
