//===- TempFiles.h - scratch files for the unit tests -----------*- C++ -*-===//
//
// A per-process path under the GoogleTest temp folder, and whole-file
// read/write for tests that damage files on purpose.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TEST_SUPPORT_TEMPFILES_H
#define TERN_TEST_SUPPORT_TEMPFILES_H

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

namespace tern::test {

inline std::string tmp(const char *name) {
  return testing::TempDir() + "/" + name + "." + std::to_string(::getpid());
}
inline std::vector<char> slurp(const std::string &p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}
inline void spit(const std::string &p, const std::vector<char> &d) {
  std::ofstream(p, std::ios::binary).write(d.data(), std::streamsize(d.size()));
}

} // namespace tern::test

#endif
