//===- ternary_layout_test.cpp - Tests for ternary weight packing ---------===//

#include "runtime/reference/ternary_layout.h"

#include "runtime/reference/synthetic_model.h"

#include <set>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

using namespace tern::ref;

static TernaryLayout layout(int bits, int pack_dim, int64_t block,
                            int interleave = 1, int64_t chunk = 0) {
  TernaryLayout l;
  l.bits = bits;
  l.pack_dim = pack_dim;
  l.block = block;
  l.interleave = interleave;
  l.chunk = chunk;
  return l;
}

static std::vector<int8_t> randomTernary(int64_t N, int64_t K, uint64_t seed) {
  Rng rng(seed);
  std::vector<int8_t> w(static_cast<size_t>(N * K));
  for (int8_t &v : w)
    v = rng.ternary();
  return w;
}

TEST(TernaryLayout, HandBytesBlock1) {
  // Row 0: [-1 0 1 1 | 1 1 1 1], row 1: [1 -1 0 1 | -1 -1 -1 -1].
  // Codes (w+1), low bits first: [0 1 2 2] -> 0b10100100 = 0xA4,
  // [2 2 2 2] -> 0xAA, [2 0 1 2] -> 0b10010010 = 0x92, [0 0 0 0] -> 0x00.
  const int8_t W[16] = {-1, 0, 1, 1, 1, 1, 1, 1, 1, -1, 0, 1, -1, -1, -1, -1};
  TernaryLayout l; // bits 2, pack_dim 1, block 1
  ASSERT_TRUE(checkLayout(l, 2, 8, nullptr));
  EXPECT_EQ(packedBytes(l, 2, 8), 4);
  EXPECT_EQ(storageShape(l, 2, 8), (std::vector<int64_t>{2, 2}));
  uint8_t out[4];
  packTernary(W, 2, 8, l, out);
  EXPECT_EQ(out[0], 0xA4);
  EXPECT_EQ(out[1], 0xAA);
  EXPECT_EQ(out[2], 0x92);
  EXPECT_EQ(out[3], 0x00);
}

TEST(TernaryLayout, HandBytesHuggingFaceLayout) {
  // N = 8, K = 2, pack_dim 0, block N/4 = 2: bits 2i..2i+1 of byte [r][c]
  // hold row i*2 + r.
  //   column 0 = [1 -1 0 1 -1 0 1 1] -> codes [2 0 1 2 0 1 2 2]
  //   column 1 = [0 0 0 0 0 1 -1 0] -> codes [1 1 1 1 1 2 0 1]
  // byte[0][0]: rows 0,2,4,6 codes 2,1,0,2 -> 2 + 4 + 0 + 128 = 0x86
  // byte[0][1]: rows 0,2,4,6 codes 1,1,1,0 -> 1 + 4 + 16 + 0 = 0x15
  // byte[1][0]: rows 1,3,5,7 codes 0,2,1,2 -> 0 + 8 + 16 + 128 = 0x98
  // byte[1][1]: rows 1,3,5,7 codes 1,1,2,1 -> 1 + 4 + 32 + 64 = 0x65
  const int8_t W[16] = {1, 0, -1, 0, 0, 0, 1, 0, -1, 0, 0, 1, 1, -1, 1, 0};
  TernaryLayout l = hfCheckpointLayout(8);
  EXPECT_EQ(l.bits, 2);
  EXPECT_EQ(l.pack_dim, 0);
  EXPECT_EQ(l.block, 2);
  ASSERT_TRUE(checkLayout(l, 8, 2, nullptr));
  EXPECT_EQ(storageShape(l, 8, 2), (std::vector<int64_t>{2, 2}));
  uint8_t out[4];
  packTernary(W, 8, 2, l, out);
  EXPECT_EQ(out[0], 0x86);
  EXPECT_EQ(out[1], 0x15);
  EXPECT_EQ(out[2], 0x98);
  EXPECT_EQ(out[3], 0x65);
}

TEST(TernaryLayout, HuggingFaceUnpackFormula) {
  // The HF loader's unpack_weights: for i in 0..3,
  //   W[i*(N/4) + r][c] = ((packed[r][c] >> 2i) & 3) - 1.
  const int64_t N = 32, K = 24;
  std::vector<int8_t> W = randomTernary(N, K, 11);
  std::vector<uint8_t> packed(static_cast<size_t>(N * K / 4));
  packTernary(W.data(), N, K, hfCheckpointLayout(N), packed.data());
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t r = 0; r < N / 4; ++r)
      for (int64_t c = 0; c < K; ++c) {
        int w = ((packed[r * K + c] >> (2 * i)) & 3) - 1;
        ASSERT_EQ(w, W[(i * (N / 4) + r) * K + c]);
      }
}

TEST(TernaryLayout, HandBytesInterleave) {
  // N = 2, K = 16 (Kb = 4 bytes per row), interleave 2, chunk 2:
  // storage [1][2][2][2] = r0b0 r0b1 r1b0 r1b1 r0b2 r0b3 r1b2 r1b3.
  // Row 0 byte j has +1 at element 4j+j and -1 elsewhere:
  //   0x02, 0x08, 0x20, 0x80.
  // Row 1 byte j has +1 at element 4j+j and 0 elsewhere:
  //   [2 1 1 1] 0x56, [1 2 1 1] 0x59, [1 1 2 1] 0x65, [1 1 1 2] 0x95.
  std::vector<int8_t> W(32);
  for (int n = 0; n < 2; ++n)
    for (int j = 0; j < 4; ++j)
      for (int e = 0; e < 4; ++e)
        W[n * 16 + 4 * j + e] = e == j ? 1 : (n == 0 ? -1 : 0);
  TernaryLayout l = layout(2, 1, 1, /*interleave=*/2, /*chunk=*/2);
  ASSERT_TRUE(checkLayout(l, 2, 16, nullptr));
  EXPECT_EQ(storageShape(l, 2, 16), (std::vector<int64_t>{1, 8}));
  uint8_t out[8];
  packTernary(W.data(), 2, 16, l, out);
  const uint8_t expected[8] = {0x02, 0x08, 0x56, 0x59, 0x20, 0x80, 0x65, 0x95};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(out[i], expected[i]) << "byte " << i;

  // chunk 0 (= whole row) puts the rows one after the other within a group.
  TernaryLayout whole = layout(2, 1, 1, 2, 0);
  packTernary(W.data(), 2, 16, whole, out);
  const uint8_t expectedWhole[8] = {0x02, 0x08, 0x20, 0x80,
                                    0x56, 0x59, 0x65, 0x95};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(out[i], expectedWhole[i]) << "byte " << i;
}

TEST(TernaryLayout, HandBytesBlock2AlongK) {
  // block 2 along K: elements 0,1 -> slot 0 of bytes 0,1; 2,3 -> slot 1;
  // ... so byte 0 holds elements 0,2,4,6 and byte 1 holds 1,3,5,7.
  const int8_t W[8] = {1, -1, 0, -1, 1, -1, -1, -1};
  // byte 0: codes of elements 0,2,4,6 = 2,1,2,0 -> 2 + 4 + 32 + 0 = 0x26
  // byte 1: codes of elements 1,3,5,7 = 0,0,0,0 -> 0x00
  uint8_t out[2];
  packTernary(W, 1, 8, layout(2, 1, 2), out);
  EXPECT_EQ(out[0], 0x26);
  EXPECT_EQ(out[1], 0x00);
}

TEST(TernaryLayout, HandBytes8Bit) {
  const int8_t W[6] = {1, -1, 0, 0, 1, -1};
  TernaryLayout l = layout(8, 1, 1);
  ASSERT_TRUE(checkLayout(l, 2, 3, nullptr));
  EXPECT_EQ(packedBytes(l, 2, 3), 6);
  EXPECT_EQ(storageShape(l, 2, 3), (std::vector<int64_t>{2, 3}));
  uint8_t out[6];
  packTernary(W, 2, 3, l, out);
  const uint8_t expected[6] = {0x01, 0xFF, 0x00, 0x00, 0x01, 0xFF};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out[i], expected[i]);
}

TEST(TernaryLayout, RoundTripManyLayoutsAndShapes) {
  // Includes K or N not a multiple of 4 (valid for one pack_dim only).
  const int64_t shapes[][2] = {{4, 4},   {8, 8},   {4, 16},  {16, 4},
                               {12, 20}, {32, 64}, {64, 32}, {24, 48},
                               {8, 128}, {8, 3},   {12, 5},  {3, 8},
                               {5, 12},  {1, 4}};
  int tested = 0;
  uint64_t seed = 1;
  for (const auto &shape : shapes) {
    const int64_t N = shape[0], K = shape[1];
    std::vector<TernaryLayout> layouts = {layout(8, 1, 1)};
    for (int pd = 0; pd < 2; ++pd)
      for (int64_t block : {1, 2, 3, 4, 5, 8, 16})
        for (int R : {1, 2, 3, 4, 8})
          for (int64_t C : {0, 1, 2, 3, 4, 8})
            layouts.push_back(layout(2, pd, block, R, C));
    layouts.push_back(hfCheckpointLayout(N));
    for (const TernaryLayout &l : layouts) {
      if (!checkLayout(l, N, K, nullptr))
        continue;
      ++tested;
      SCOPED_TRACE(testing::Message()
                   << "N=" << N << " K=" << K << " bits=" << l.bits
                   << " pack_dim=" << l.pack_dim << " block=" << l.block
                   << " interleave=" << l.interleave << " chunk=" << l.chunk);
      // Every element gets its own (byte, slot): the layout is a bijection.
      std::set<std::pair<int64_t, int>> slots;
      const int64_t bytes = packedBytes(l, N, K);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < K; ++k) {
          int shift = -1;
          int64_t off = byteOffset(l, N, K, n, k, &shift);
          ASSERT_GE(off, 0);
          ASSERT_LT(off, bytes);
          slots.insert({off, shift});
        }
      ASSERT_EQ(static_cast<int64_t>(slots.size()), N * K);
      const std::vector<int64_t> shape2 = storageShape(l, N, K);
      ASSERT_EQ(shape2.size(), 2u);
      EXPECT_EQ(shape2[0] * shape2[1], bytes);

      std::vector<int8_t> W = randomTernary(N, K, seed++);
      std::vector<uint8_t> packed(static_cast<size_t>(bytes), 0xEE);
      packTernary(W.data(), N, K, l, packed.data());
      std::vector<int8_t> back(W.size(), 42);
      std::string err;
      ASSERT_TRUE(unpackTernary(packed.data(), N, K, l, back.data(), &err))
          << err;
      ASSERT_EQ(back, W);
    }
  }
  EXPECT_GT(tested, 200); // the loops really covered many layouts
}

TEST(TernaryLayout, UnpackRejectsCode3) {
  const int8_t W[8] = {0, 0, 0, 0, 0, 0, 0, 0}; // all code 1: bytes 0x55
  uint8_t packed[2];
  packTernary(W, 1, 8, TernaryLayout(), packed);
  ASSERT_EQ(packed[1], 0x55);
  packed[1] |= 0x30; // slot 2 of byte 1 -> code 3
  int8_t out[8];
  std::string err;
  EXPECT_FALSE(unpackTernary(packed, 1, 8, TernaryLayout(), out, &err));
  EXPECT_NE(err.find("invalid code 3 at byte offset 1"), std::string::npos)
      << err;
  EXPECT_NE(err.find("bits [4, 6)"), std::string::npos) << err;
}

TEST(TernaryLayout, Unpack8BitRejectsNonTernary) {
  const uint8_t packed[4] = {0x01, 0xFF, 0x02, 0x00};
  int8_t out[4];
  std::string err;
  EXPECT_FALSE(unpackTernary(packed, 1, 4, layout(8, 1, 1), out, &err));
  EXPECT_NE(err.find("byte offset 2"), std::string::npos) << err;
}

TEST(TernaryLayout, CheckLayoutErrors) {
  std::string err;
  EXPECT_FALSE(checkLayout(layout(3, 1, 1), 4, 4, &err));
  EXPECT_NE(err.find("bits must be 2 or 8, got 3"), std::string::npos) << err;

  EXPECT_FALSE(checkLayout(layout(8, 0, 1), 4, 4, &err));
  EXPECT_NE(err.find("bits = 8 requires"), std::string::npos) << err;

  EXPECT_FALSE(checkLayout(layout(2, 0, 1), 6, 4, &err));
  EXPECT_NE(err.find("N = 6 must be a multiple of 4*block = 4"),
            std::string::npos)
      << err;

  EXPECT_FALSE(checkLayout(layout(2, 1, 2), 4, 12, &err));
  EXPECT_NE(err.find("K = 12 must be a multiple of 4*block = 8"),
            std::string::npos)
      << err;

  EXPECT_FALSE(checkLayout(layout(2, 2, 1), 4, 4, &err));
  EXPECT_NE(err.find("pack_dim must be 0 or 1, got 2"), std::string::npos)
      << err;

  EXPECT_FALSE(checkLayout(layout(2, 0, 1, 2, 0), 8, 4, &err));
  EXPECT_NE(err.find("interleave/chunk require pack_dim = 1"),
            std::string::npos)
      << err;

  EXPECT_FALSE(checkLayout(layout(2, 1, 1, 3, 0), 8, 4, &err));
  EXPECT_NE(err.find("N = 8 must be a multiple of interleave = 3"),
            std::string::npos)
      << err;

  EXPECT_FALSE(checkLayout(layout(2, 1, 1, 1, 3), 4, 16, &err));
  EXPECT_NE(err.find("K/4 = 4 bytes per row must be a multiple of chunk = 3"),
            std::string::npos)
      << err;

  EXPECT_FALSE(checkLayout(layout(2, 1, 0), 4, 4, &err));
  EXPECT_NE(err.find("block must be >= 1"), std::string::npos) << err;

  EXPECT_FALSE(checkLayout(TernaryLayout(), 0, 4, &err));
  EXPECT_NE(err.find("shape must be positive"), std::string::npos) << err;
}

TEST(TernaryLayout, ShapesAndSizes) {
  EXPECT_EQ(storageShape(layout(2, 0, 1), 8, 12),
            (std::vector<int64_t>{2, 12}));
  EXPECT_EQ(storageShape(layout(2, 1, 1), 8, 12),
            (std::vector<int64_t>{8, 3}));
  EXPECT_EQ(storageShape(layout(2, 1, 1, 4, 1), 8, 12),
            (std::vector<int64_t>{2, 12}));
  EXPECT_EQ(packedBytes(layout(2, 1, 1, 4, 1), 8, 12), 24);
  EXPECT_EQ(packedBytes(layout(2, 0, 2), 8, 12), 24);
  EXPECT_EQ(packedBytes(layout(8, 1, 1), 8, 12), 96);
}

namespace tern {
namespace ref {
namespace {

TernaryLayout lutLayout(int g, int64_t v) {
  TernaryLayout l;
  l.lut = g;
  l.block = v;
  return l;
}

TEST(TernaryLayoutLut, RoundTripAndSizes) {
  uint64_t seed = 77;
  for (int g : {2, 3})
    for (int64_t v : {16, 32, 64})
      for (auto [N, K] : {std::pair<int64_t, int64_t>{1, 1}, {16, 3}, {17, 100},
                          {33, 2560}, {5, 7}}) {
        SCOPED_TRACE(testing::Message() << "g=" << g << " V=" << v << " N=" << N
                                        << " K=" << K);
        const TernaryLayout l = lutLayout(g, v);
        std::string err;
        ASSERT_TRUE(checkLayout(l, N, K, &err)) << err;
        const LutGeometry geo = lutGeometry(l, N, K);
        EXPECT_EQ(geo.groups, (K + g - 1) / g);
        EXPECT_EQ(geo.steps * 2 * (v / 16) >= geo.groups, true);
        EXPECT_EQ(geo.stepBytes, g == 3 ? v + v / 4 : v);
        const int64_t bytes = packedBytes(l, N, K);
        EXPECT_EQ(bytes, (N + 15) / 16 * geo.steps * geo.stepBytes);
        const std::vector<int64_t> shape = storageShape(l, N, K);
        EXPECT_EQ(shape[0] * shape[1], bytes);
        std::vector<int8_t> W = randomTernary(N, K, seed++);
        std::vector<uint8_t> packed(bytes, 0xEE);
        packTernary(W.data(), N, K, l, packed.data());
        std::vector<int8_t> back(W.size(), 42);
        ASSERT_TRUE(unpackTernary(packed.data(), N, K, l, back.data(), &err)) << err;
        ASSERT_EQ(back, W);
      }
}

TEST(TernaryLayoutLut, HandBytesTl2) {
  // One row, K = 3: (w0, w1, w2) = (1, -1, 0): v = 9*2 + 0 + 1 = 19 > 13, so
  // index 26 - 19 = 7 with the sign bit; (-1, 1, 0) is index 7 without it.
  const int8_t W[6] = {1, -1, 0, -1, 1, 0};
  const TernaryLayout l = lutLayout(3, 16);
  std::vector<uint8_t> packed(packedBytes(l, 2, 3));
  ASSERT_EQ(packed.size(), 20u); // one block, one step: 16 index + 4 sign bytes
  packTernary(W, 2, 3, l, packed.data());
  EXPECT_EQ(packed[0], 0x07 | (13 << 4)); // row 0: group 0 index 7; group 1 (padding) zero pattern
  EXPECT_EQ(packed[1], 0x07 | (13 << 4)); // row 1
  EXPECT_EQ(packed[2], 13 | (13 << 4));   // row 2 is padding
  EXPECT_EQ(packed[16], 0x01);            // sign array 0 (h = 0, rows 0..7): row 0 only
  EXPECT_EQ(packed[17] | packed[18] | packed[19], 0);
  // The table of a = (10, 20, 30): index 7 is (-1, 1, 0) -> 10.
  const int8_t a[3] = {10, 20, 30};
  EXPECT_EQ(lutEntry(3, 7, a), 10);
  EXPECT_EQ(lutEntry(3, 13, a), 0);
  EXPECT_EQ(lutEntry(3, 0, a), -60);
  EXPECT_EQ(lutEntry(3, 14, a), 0);
  EXPECT_EQ(lutEntry(2, 8, a), 30);
}

TEST(TernaryLayoutLut, UnpackRejectsUnusedIndex) {
  const int8_t W[3] = {0, 0, 0};
  const TernaryLayout l = lutLayout(3, 16);
  std::vector<uint8_t> packed(packedBytes(l, 1, 3));
  packTernary(W, 1, 3, l, packed.data());
  packed[0] = (packed[0] & 0xF0) | 14;
  int8_t out[3];
  std::string err;
  EXPECT_FALSE(unpackTernary(packed.data(), 1, 3, l, out, &err));
  EXPECT_NE(err.find("lookup-table index 14 at byte offset 0"), std::string::npos) << err;
}

TEST(TernaryLayoutLut, CheckLayoutErrors) {
  std::string err;
  EXPECT_FALSE(checkLayout(lutLayout(4, 64), 16, 16, &err));
  EXPECT_NE(err.find("lut must be 0 (2-bit codes), 2 or 3"), std::string::npos) << err;
  EXPECT_FALSE(checkLayout(lutLayout(3, 48), 16, 16, &err));
  EXPECT_NE(err.find("requires block = 16, 32 or 64"), std::string::npos) << err;
  TernaryLayout l = lutLayout(3, 64);
  l.interleave = 2;
  EXPECT_FALSE(checkLayout(l, 16, 16, &err));
  EXPECT_NE(err.find("interleave = 1"), std::string::npos) << err;
}

TEST(TernaryLayoutLut, TablesMatchEntries) {
  const TernaryLayout l = lutLayout(3, 32);
  const int64_t K = 10; // 4 groups, the last one with one activation
  const LutGeometry geo = lutGeometry(l, 1, K);
  const int8_t q[K] = {1, -2, 3, -128, 127, 0, 5, 6, 7, -9};
  std::vector<uint8_t> t(geo.tableBytes(), 0xCC);
  buildLutTables(geo, K, q, t.data());
  // Group 3 (a = -9, 0, 0) is step 0, j = 3: h = 1, lane 1.
  const uint8_t *lo = t.data() + 2 * 32 + 16, *hi = lo + 32;
  const int8_t a[3] = {-9, 0, 0};
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(int16_t(lo[i] | (hi[i] << 8)), lutEntry(3, i, a)) << i;
  // Group 1 (a = -128, 127, 0), h = 0, lane 1: index 2 is (-1, -1, 1) -> 1.
  EXPECT_EQ(int16_t(t[16 + 2] | (t[32 + 16 + 2] << 8)), 1);
}

// The layout knob's names (ScheduleSpace.h) and the layouts they stand for:
// the block from K and the vector width (or given), the chunk the block
// when rows interleave; names round-trip; others are refused by name.
TEST(TernaryLayoutNames, NamesAndLayoutsRoundTrip) {
  TernaryLayout l;
  std::string err;
  ASSERT_TRUE(layoutFromName("i2x4", 2560, 64, 0, &l, &err)) << err;
  EXPECT_EQ(l.block, 64); // 2560 = 10 * 256
  EXPECT_EQ(l.interleave, 4);
  EXPECT_EQ(l.chunk, 64);
  EXPECT_EQ(l.lut, 0);
  EXPECT_EQ(layoutName(l), "i2x4");
  ASSERT_TRUE(layoutFromName("i2x1", 6912, 64, 0, &l, &err)) << err;
  EXPECT_EQ(l.block, 64);
  EXPECT_EQ(l.chunk, 0);
  EXPECT_EQ(layoutName(l), "i2x1");
  ASSERT_TRUE(layoutFromName("i2x2", 128, 64, 0, &l, &err)) << err;
  EXPECT_EQ(l.block, 32); // 128 is not a multiple of 256
  ASSERT_TRUE(layoutFromName("i2x2", 2560, 16, 0, &l, &err)) << err;
  EXPECT_EQ(l.block, 16); // NEON
  ASSERT_TRUE(layoutFromName("tl2", 100, 32, 0, &l, &err)) << err;
  EXPECT_EQ(l.lut, 3);
  EXPECT_EQ(l.block, 32);
  EXPECT_EQ(layoutName(l), "tl2");
  ASSERT_TRUE(layoutFromName("tl1", 100, 64, 16, &l, &err)) << err;
  EXPECT_EQ(l.lut, 2);
  EXPECT_EQ(l.block, 16);
  EXPECT_EQ(layoutName(l), "tl1");
  // One row per 32-bit lane: R from the vector width, block and chunk 4.
  for (int64_t vb : {16, 32, 64}) {
    ASSERT_TRUE(layoutFromName("i2lane", 2560, vb, 0, &l, &err)) << err;
    EXPECT_EQ(l.block, 4);
    EXPECT_EQ(l.chunk, 4);
    EXPECT_EQ(l.interleave, vb / 4);
    EXPECT_EQ(layoutName(l), "i2lane");
    EXPECT_TRUE(checkLayout(l, 2560, 2560, &err)) << err;
  }
  EXPECT_FALSE(layoutFromName("i2lane", 2568, 64, 0, &l, &err));
  EXPECT_NE(err.find("K = 2568, which the layout i2lane cannot pack"), std::string::npos) << err;
  EXPECT_FALSE(layoutFromName("i2lane", 2560, 64, 16, &l, &err));
  EXPECT_NE(err.find("i2lane has block = 4"), std::string::npos) << err;
  for (const char *bad : {"i2", "i2lanes", "i2x0", "i2x", "tl3", "I2X2", "i2x-1", ""})
    EXPECT_FALSE(isLayoutName(bad)) << bad;
  EXPECT_FALSE(layoutFromName("i2x2", 96, 64, 0, &l, &err));
  EXPECT_NE(err.find("K = 96, which is not a multiple of 64"), std::string::npos) << err;
  EXPECT_FALSE(layoutFromName("tl2", 96, 64, 48, &l, &err));
  EXPECT_NE(err.find("tl2 needs block = 16, 32 or 64, got 48"), std::string::npos) << err;
  EXPECT_EQ(layoutName(hfCheckpointLayout(64)), ""); // pack_dim 0: no name
}

} // namespace
} // namespace ref
} // namespace tern
