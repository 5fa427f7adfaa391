//===- JsonNesting.h - bracket depth of JSON text before parsing -*- C++ -*-===//
//
// llvm::json::parse recurses once per nesting level, so an untrusted file
// (a safetensors header, a tokenizer.json) is checked first: the depth of
// its brackets outside strings, counted up to a limit.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_COMMON_JSONNESTING_H
#define TERN_FRONTEND_COMMON_JSONNESTING_H

#include <algorithm>
#include <string_view>

namespace tern::frontend {

/// The deepest bracket nesting of `text` outside strings; stops counting
/// (and returns) as soon as it exceeds `limit`.
inline int jsonNestingDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit)
        return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

} // namespace tern::frontend

#endif
