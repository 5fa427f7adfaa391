//===- ChartText.h - text on the tools' cairo charts --------------*- C++ -*-===//
//
// What tern-bench --plot (RooflinePlot.cpp) and tern-tune --report
// (TuneReport.cpp) both draw: a label at a point, left-aligned or centred.
// Only where cairo is (TERN_HAVE_CAIRO, tern_use_cairo() in
// tools/CMakeLists.txt). Header-only.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_COMMON_CHARTTEXT_H
#define TERN_TOOLS_COMMON_CHARTTEXT_H

#ifdef TERN_HAVE_CAIRO
#include <cairo.h>

#include <string>

namespace tern::chart {

/// `s` at (x, y) in `size`-point type; `center`: centred on x.
inline void text(cairo_t *cr, double x, double y, const std::string &s, double size,
                 bool center = false) {
  cairo_set_font_size(cr, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  cairo_move_to(cr, center ? x - e.width / 2 : x, y);
  cairo_show_text(cr, s.c_str());
}

} // namespace tern::chart

#endif
#endif
