//===- tern-tokenize.cpp - Text to LLaMA 3 token ids and back -------------===//
//
//   tern-tokenize TOKENIZER "Hello world"       -> 128000,9906,1917
//   tern-tokenize TOKENIZER --no-bos "Hello"    -> 9906
//   tern-tokenize TOKENIZER --show-pieces "Hi"  -> one "ID<TAB>"piece"" line per token
//   tern-tokenize TOKENIZER --chat "Hi"         -> the model's chat prompt for one user message
//   tern-tokenize TOKENIZER --file prompt.txt   (or "-" as the text: stdin)
//   tern-tokenize TOKENIZER --decode 9906,1917  -> Hello world
//
// TOKENIZER is a tokenizer.json or a directory holding one. Ids go to stdout
// comma-separated on one line (the form tern-run --tokens takes); BOS is
// added by default, like llama.cpp's llama-tokenize. Bad input prints one
// "tern-tokenize: error: ..." line and exits 1.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/ChatTemplate.h"
#include "frontend/model/ModelTokenizer.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/tokenizer/Utf8.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace cl = llvm::cl;
using tern::tok::Tokenizer;

static cl::OptionCategory category("tern-tokenize options");

static cl::list<std::string>
    positional(cl::Positional, cl::desc("TOKENIZER [TEXT|-]"),
               cl::cat(category));

static cl::opt<bool> noBos("no-bos",
                           cl::desc("Do not prepend <|begin_of_text|>"),
                           cl::cat(category));

static cl::opt<bool> noParseSpecial(
    "no-parse-special",
    cl::desc("Treat special-token text such as <|eot_id|> as plain text"),
    cl::cat(category));

static cl::opt<bool> showPieces(
    "show-pieces",
    cl::desc("Print one line per token: the id and its bytes, escaped"),
    cl::cat(category));

static cl::opt<bool>
    chat("chat",
         cl::desc("Wrap the text as one user message in the tokenizer's chat "
                  "format (BitNet, Llama 3, Falcon3; with the assistant "
                  "generation prompt)"),
         cl::cat(category));

static cl::opt<std::string>
    decodeIds("decode",
              cl::desc("Print the text of comma-separated token ids instead "
                       "of encoding"),
              cl::value_desc("ids"), cl::init(""), cl::cat(category));

static cl::opt<std::string> inputFile("file",
                                      cl::desc("Read the text from FILE"),
                                      cl::value_desc("path"), cl::init(""),
                                      cl::cat(category));

static int fail(const std::string &msg) {
  llvm::errs() << "tern-tokenize: error: " << msg << "\n";
  return 1;
}

/// Loads the tokenizer a tool was pointed at: a tokenizer.json, or a
/// directory holding one.
static bool loadTokenizerForTool(const std::string &path, Tokenizer *out,
                                 std::string *err) {
  // tokenizer.json, a directory holding one, or any model file (GGUF
  // tokenizer.ggml.* metadata, an HF checkpoint's tokenizer.json).
  return tern::model::loadTokenizerFromPath(path, out, err);
}

/// Reads all of `path` ("-": stdin).
static bool readAll(const std::string &path, std::string *out,
                    std::string *err) {
  auto buf = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                /*RequiresNullTerminator=*/false);
  if (!buf) {
    *err = (path == "-" ? std::string("stdin") : path) +
           ": cannot read: " + buf.getError().message();
    return false;
  }
  *out = (*buf)->getBuffer().str();
  return true;
}

/// Parses "1,2,3" into ids in [0, vocab).
static bool parseIds(llvm::StringRef text, int32_t vocab,
                     std::vector<int32_t> *out, std::string *err) {
  llvm::SmallVector<llvm::StringRef, 16> parts;
  text.split(parts, ',', -1, /*KeepEmpty=*/true);
  for (llvm::StringRef part : parts) {
    llvm::StringRef t = part.trim();
    unsigned long long id = 0;
    if (t.empty() ||
        t.find_first_not_of("0123456789") != llvm::StringRef::npos ||
        t.getAsInteger(10, id) || id >= static_cast<unsigned long long>(vocab)) {
      *err = "invalid token id '" + part.str() + "' in --decode (expected "
             "comma-separated integers in 0.." + std::to_string(vocab - 1) + ")";
      return false;
    }
    out->push_back(static_cast<int32_t>(id));
  }
  return true;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "tern-tokenize: LLaMA 3 tokenizer (text -> token ids, or --decode ids "
      "-> text)\n");

  if (positional.empty())
    return fail("missing TOKENIZER (a tokenizer.json or a directory with one)");
  if (positional.size() > 2)
    return fail("too many arguments: give TOKENIZER and one TEXT (quote it)");
  const bool haveText = positional.size() == 2;
  if (!decodeIds.empty() && (haveText || !inputFile.empty()))
    return fail("--decode takes no TEXT or --file");
  if (haveText && !inputFile.empty())
    return fail("give either TEXT or --file, not both");
  if (decodeIds.empty() && !haveText && inputFile.empty())
    return fail("missing TEXT (or --file PATH, or - for stdin)");

  Tokenizer tok;
  std::string err;
  if (!loadTokenizerForTool(positional[0], &tok, &err))
    return fail(err);

  if (!decodeIds.empty()) {
    std::vector<int32_t> ids;
    if (!parseIds(decodeIds, tok.vocabSize(), &ids, &err))
      return fail(err);
    llvm::outs() << tok.decode(ids) << "\n";
    return 0;
  }

  std::string text;
  if (!inputFile.empty()) {
    if (!readAll(inputFile, &text, &err))
      return fail(err);
  } else if (positional[1] == "-") {
    if (!readAll("-", &text, &err))
      return fail(err);
  } else {
    text = positional[1];
  }
  if (chat)
    text = tern::tok::applyChatTemplate(tok.data().chat_template,
                                        {{"user", text}}, true);

  Tokenizer::EncodeOptions opts;
  opts.add_bos = !noBos;
  opts.parse_special = !noParseSpecial;
  std::vector<int32_t> ids = tok.encode(text, opts);

  if (showPieces) {
    for (int32_t id : ids)
      llvm::outs() << id << "\t\"" << tern::tok::escapeForDisplay(tok.tokenBytes(id))
                   << "\"\n";
    return 0;
  }
  for (size_t i = 0; i < ids.size(); ++i)
    llvm::outs() << (i ? "," : "") << ids[i];
  llvm::outs() << "\n";
  return 0;
}
