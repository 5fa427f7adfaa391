//===- PreTokenizer.cpp - The LLaMA 3 split regex -------------------------===//
#include "runtime/tokenizer/PreTokenizer.h"

#include "runtime/tokenizer/Pipeline.h"
#include "runtime/tokenizer/Utf8.h"

#include <cstdio>
#include <cstdlib>

namespace tern::tok {


PreTokenizer::PreTokenizer() {
  std::string err;
  if (!Regex::compile(Pipeline::llama3SplitPattern(), &regex_, &err)) {
    std::fprintf(stderr, "tern tokenizer: the LLaMA 3 pattern: %s\n",
                 err.c_str());
    std::abort(); // a build problem (PCRE2 without UTF support)
  }
}

const PreTokenizer &PreTokenizer::llama3() {
  static const PreTokenizer *instance = new PreTokenizer(); // never freed
  return *instance;
}

const char *PreTokenizer::hfPattern() { return Pipeline::llama3SplitPattern(); }

bool PreTokenizer::split(std::string_view text,
                         std::vector<std::string_view> *pieces) const {
  pieces->clear();
  if (!isValidUtf8(text))
    return false;
  thread_local std::vector<std::pair<size_t, size_t>> matches;
  regex_->findAll(text, &matches);
  size_t at = 0;
  for (const auto &[start, end] : matches) {
    if (start > at)
      pieces->push_back(text.substr(at, start - at));
    pieces->push_back(text.substr(start, end - start));
    at = end;
  }
  if (at < text.size())
    pieces->push_back(text.substr(at));
  return true;
}

} // namespace tern::tok
