//===- RotationTest.cpp - the measurers' rotated copies --------------------===//
//
// Copies hold the parts' bytes, page-aligned, cycled in turn; a pool (a
// memfd, as tern-tune passes) is refilled unless it holds these very bytes
// in as many copies, and never reused after a kernel wrote into it; without
// a pool (or with a bad fd) the copies are private.
//
//===----------------------------------------------------------------------===//
#include "tools/tern-tune/Rotation.h"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <numeric>

using namespace tern::tune;

namespace {

std::vector<uint8_t> bytes(size_t n, uint8_t first) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

TEST(Rotation, CopiesHoldThePartsAndCycle) {
  const std::vector<uint8_t> a = bytes(5000, 1), b = bytes(100, 7);
  Rotation r;
  std::string err;
  ASSERT_TRUE(r.init({{a.data(), 5000}, {b.data(), 100}}, 5 * 8192, -1, false, &err)) << err;
  EXPECT_FALSE(r.pooled());
  EXPECT_EQ(r.copies(), 5); // 5000 + 100 bytes round up to two pages a copy
  for (int64_t c = 0; c < r.copies(); ++c) {
    EXPECT_EQ(std::memcmp(r.part(c, 0), a.data(), 5000), 0);
    EXPECT_EQ(std::memcmp(r.part(c, 1), b.data(), 100), 0);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(r.part(c, 0)) % 64, 0u);
  }
  std::vector<int64_t> order;
  for (int i = 0; i < 7; ++i)
    order.push_back(r.next());
  EXPECT_EQ(order, (std::vector<int64_t>{0, 1, 2, 3, 4, 0, 1}));
}

TEST(Rotation, AtLeastOneCopy) {
  const std::vector<uint8_t> a = bytes(10000, 3);
  Rotation r;
  std::string err;
  ASSERT_TRUE(r.init({{a.data(), 10000}}, 0, -1, false, &err));
  EXPECT_EQ(r.copies(), 1);
  EXPECT_EQ(std::memcmp(r.part(0, 0), a.data(), 10000), 0);
}

TEST(Rotation, APoolIsReusedOnlyForTheSameBytes) {
  const int fd = memfd_create("rotation-test", 0);
  ASSERT_GE(fd, 0);
  const std::vector<uint8_t> a = bytes(4096 * 3, 1), other = bytes(4096 * 3, 2);
  std::string err;
  {
    Rotation r;
    ASSERT_TRUE(r.init({{a.data(), int64_t(a.size())}}, 4 * 4096 * 3, fd, false, &err)) << err;
    EXPECT_TRUE(r.pooled());
    EXPECT_FALSE(r.reused());
    EXPECT_EQ(r.copies(), 4);
  }
  { // a second child with the same copies writes nothing, and finds them
    Rotation r;
    ASSERT_TRUE(r.init({{a.data(), int64_t(a.size())}}, 4 * 4096 * 3, fd, false, &err));
    EXPECT_TRUE(r.reused());
    for (int64_t c = 0; c < r.copies(); ++c)
      EXPECT_EQ(std::memcmp(r.part(c, 0), a.data(), a.size()), 0) << "copy " << c;
  }
  { // other bytes: refilled
    Rotation r;
    ASSERT_TRUE(r.init({{other.data(), int64_t(other.size())}}, 4 * 4096 * 3, fd, false, &err));
    EXPECT_FALSE(r.reused());
    for (int64_t c = 0; c < r.copies(); ++c)
      EXPECT_EQ(std::memcmp(r.part(c, 0), other.data(), other.size()), 0) << "copy " << c;
  }
  { // the same bytes in fewer copies: refilled
    Rotation r;
    ASSERT_TRUE(r.init({{other.data(), int64_t(other.size())}}, 2 * 4096 * 3, fd, false, &err));
    EXPECT_FALSE(r.reused());
  }
  { // a kernel that writes into its copies: the next child refills
    Rotation w;
    ASSERT_TRUE(w.init({{a.data(), int64_t(a.size())}}, 4 * 4096 * 3, fd, true, &err));
    static_cast<uint8_t *>(w.part(1, 0))[5] ^= 0xff;
  }
  {
    Rotation r;
    ASSERT_TRUE(r.init({{a.data(), int64_t(a.size())}}, 4 * 4096 * 3, fd, false, &err));
    EXPECT_FALSE(r.reused());
    EXPECT_EQ(std::memcmp(r.part(1, 0), a.data(), a.size()), 0);
  }
  close(fd);
}

TEST(Rotation, ABadPoolFallsBackToPrivateCopies) {
  const std::vector<uint8_t> a = bytes(100, 9);
  Rotation r;
  std::string err;
  ASSERT_TRUE(r.init({{a.data(), 100}}, 3 * 4096, 987654, false, &err)) << err;
  EXPECT_FALSE(r.pooled());
  EXPECT_EQ(r.copies(), 3);
  EXPECT_EQ(std::memcmp(r.part(2, 0), a.data(), 100), 0);
}

} // namespace
