//===- RooflinePlot.cpp - tern-bench --plot: a roofline chart -------------===//
#include "RooflinePlot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "tools/common/ChartText.h"

namespace tern::bench {

bool rooflinePlotAvailable() {
#ifdef TERN_HAVE_CAIRO
  return true;
#else
  return false;
#endif
}

#ifdef TERN_HAVE_CAIRO
namespace {

constexpr int kW = 1100, kH = 760;
constexpr double kLeft = 90, kRight = 300, kTop = 50, kBottom = 70;

struct Axes {
  double x0, x1, y0, y1; // log10 ranges
  double px(double x) const {
    return kLeft + (std::log10(x) - x0) / (x1 - x0) * (kW - kLeft - kRight);
  }
  double py(double y) const {
    return kH - kBottom - (std::log10(y) - y0) / (y1 - y0) * (kH - kTop - kBottom);
  }
};

void color(cairo_t *cr, int i) {
  static const double c[][3] = {{0.12, 0.47, 0.71}, {1.0, 0.50, 0.05},
                                {0.17, 0.63, 0.17}, {0.84, 0.15, 0.16},
                                {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29},
                                {0.89, 0.47, 0.76}, {0.50, 0.50, 0.50},
                                {0.74, 0.74, 0.13}, {0.09, 0.75, 0.81}};
  const double *v = c[i % 10];
  cairo_set_source_rgb(cr, v[0], v[1], v[2]);
}

using chart::text;

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, v >= 1 ? "%.0f" : "%.2g", v);
  return b;
}

} // namespace
#endif

bool writeRooflinePng(const std::string &path, const std::vector<Roof> &roofs,
                      const std::vector<RoofPoint> &points, std::string *err) {
#ifndef TERN_HAVE_CAIRO
  (void)path, (void)roofs, (void)points;
  *err = "this tern-bench was built without cairo (install libcairo2-dev and "
         "rebuild) and cannot draw --plot";
  return false;
#else
  // Ranges: every point and the ridge points, with a margin (log10).
  double xmin = 1e9, xmax = 0, ymin = 1e9, ymax = 0;
  for (const RoofPoint &p : points) {
    if (p.intensity <= 0 || p.gops <= 0)
      continue;
    xmin = std::min(xmin, p.intensity);
    xmax = std::max(xmax, p.intensity);
    ymin = std::min(ymin, p.gops);
    ymax = std::max(ymax, p.gops);
  }
  for (const Roof &r : roofs) {
    if (r.readGBs > 0 && r.peakGops > 0) {
      double ridge = r.peakGops / r.readGBs;
      xmin = std::min(xmin, ridge);
      xmax = std::max(xmax, ridge);
    }
    ymax = std::max(ymax, r.peakGops);
  }
  if (xmax <= 0 || ymax <= 0) {
    *err = "--plot: no kernel results to draw";
    return false;
  }
  Axes ax{std::floor(std::log10(xmin)) - 0.2, std::ceil(std::log10(xmax)) + 0.2,
          std::floor(std::log10(std::max(ymin, 1e-3))) - 0.2,
          std::ceil(std::log10(ymax)) + 0.2};

  cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, kW, kH);
  cairo_t *cr = cairo_create(surf);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         CAIRO_FONT_WEIGHT_NORMAL);
  // Grid and decade labels.
  cairo_set_line_width(cr, 1);
  for (int e = int(std::ceil(ax.x0)); e <= int(std::floor(ax.x1)); ++e) {
    double x = ax.px(std::pow(10.0, e));
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, x, kTop);
    cairo_line_to(cr, x, kH - kBottom);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, x, kH - kBottom + 18, fmt(std::pow(10.0, e)), 12, true);
  }
  for (int e = int(std::ceil(ax.y0)); e <= int(std::floor(ax.y1)); ++e) {
    double y = ax.py(std::pow(10.0, e));
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, kLeft, y);
    cairo_line_to(cr, kW - kRight, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, kLeft - 50, y + 4, fmt(std::pow(10.0, e)), 12);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, kLeft, kTop, kW - kLeft - kRight, kH - kTop - kBottom);
  cairo_stroke(cr);
  text(cr, (kLeft + kW - kRight) / 2, kH - 25,
       "arithmetic intensity (int8 ops per weight byte)", 14, true);
  cairo_save(cr);
  cairo_translate(cr, 30, (kTop + kH - kBottom) / 2);
  cairo_rotate(cr, -M_PI / 2);
  text(cr, 0, 0, "GOP/s", 14, true);
  cairo_restore(cr);
  text(cr, kLeft, 30, "tern-bench roofline: kernels vs this machine's measured "
                      "read bandwidth and int8 peak", 16);

  // Roofs: min(read * I, peak), dashed for 2+ threads.
  cairo_rectangle(cr, kLeft, kTop, kW - kLeft - kRight, kH - kTop - kBottom);
  cairo_save(cr);
  cairo_clip(cr);
  double legendY = kTop + 10;
  for (const Roof &r : roofs) {
    if (r.readGBs <= 0)
      continue;
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_set_line_width(cr, 2);
    double dash[] = {8, 5};
    cairo_set_dash(cr, dash, r.threads > 1 ? 2 : 0, 0);
    const int steps = 200;
    for (int i = 0; i <= steps; ++i) {
      double lx = ax.x0 + (ax.x1 - ax.x0) * i / steps;
      double x = std::pow(10.0, lx);
      double y = r.readGBs * x;
      if (r.peakGops > 0)
        y = std::min(y, r.peakGops);
      if (i == 0)
        cairo_move_to(cr, ax.px(x), ax.py(y));
      else
        cairo_line_to(cr, ax.px(x), ax.py(y));
    }
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
  }
  // Points, one color per family; hollow for 2+ threads.
  std::map<std::string, int> families;
  for (const RoofPoint &p : points)
    families.emplace(p.family, int(families.size()));
  for (const RoofPoint &p : points) {
    if (p.intensity <= 0 || p.gops <= 0)
      continue;
    color(cr, families[p.family]);
    cairo_arc(cr, ax.px(p.intensity), ax.py(p.gops), 5, 0, 2 * M_PI);
    if (p.threads > 1) {
      cairo_set_line_width(cr, 2);
      cairo_stroke(cr);
    } else {
      cairo_fill(cr);
    }
  }
  cairo_restore(cr);

  // Legend (right margin).
  double lx = kW - kRight + 20;
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (const Roof &r : roofs) {
    char b[160];
    std::snprintf(b, sizeof b, "%s %d thread%s: read %.1f GB/s, peak %.0f GOP/s",
                  r.threads > 1 ? "- -" : "---", r.threads, r.threads > 1 ? "s" : "",
                  r.readGBs, r.peakGops);
    text(cr, lx, legendY, b, 10);
    legendY += 16;
  }
  legendY += 6;
  text(cr, lx, legendY, "filled: 1 thread, ring: 2 threads", 10);
  legendY += 18;
  for (const auto &[name, i] : families) {
    color(cr, i);
    cairo_arc(cr, lx + 5, legendY - 4, 5, 0, 2 * M_PI);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, lx + 16, legendY, name, 12);
    legendY += 18;
  }

  cairo_destroy(cr);
  cairo_status_t st = cairo_surface_write_to_png(surf, path.c_str());
  cairo_surface_destroy(surf);
  if (st != CAIRO_STATUS_SUCCESS) {
    *err = "--plot: cannot write '" + path + "': " + cairo_status_to_string(st);
    return false;
  }
  return true;
#endif
}

} // namespace tern::bench
