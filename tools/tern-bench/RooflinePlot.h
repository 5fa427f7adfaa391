//===- RooflinePlot.h - tern-bench --plot: a roofline chart -----*- C++ -*-===//
//
// Draws each kernel benchmark as a point (arithmetic intensity in int8 ops
// per weight byte, achieved GOP/s) under this machine's roofs, measured in
// the same run: memory (read GB/s times intensity) and int8 compute (the
// dot-product peak), one pair per thread count, log-log, into a PNG.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_TERN_BENCH_ROOFLINEPLOT_H
#define TERN_TOOLS_TERN_BENCH_ROOFLINEPLOT_H

#include <string>
#include <vector>

namespace tern::bench {

struct RoofPoint {
  std::string family; ///< legend entry: "gemv i2", "gemm128 tl2", "head bf16", ...
  int threads = 1;
  double intensity = 0; ///< ops per byte of weights
  double gops = 0;      ///< achieved
};

struct Roof {
  int threads = 1;
  double readGBs = 0;  ///< memory roof slope
  double peakGops = 0; ///< int8 compute roof
};

/// Writes the chart to `path` (PNG). False with a message in *err when the
/// file cannot be written or tern-bench was built without cairo.
bool writeRooflinePng(const std::string &path, const std::vector<Roof> &roofs,
                      const std::vector<RoofPoint> &points, std::string *err);

/// True when --plot can work (built with cairo).
bool rooflinePlotAvailable();

} // namespace tern::bench

#endif
