//===- TuneReport.cpp - tern-tune --report: the landscape as a PNG --------===//
#include "tools/tern-tune/TuneReport.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "tools/common/ChartText.h"

namespace tern::tune {

namespace {

/// One panel: a record's candidates against one knob.
struct Panel {
  const Record *record = nullptr;
  std::string knob;
  std::vector<std::string> values; ///< in numeric order
};

bool numeric(const std::string &s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::vector<Panel> panelsOf(const Database &db) {
  std::vector<Panel> out;
  for (const Record &r : db.records()) {
    std::map<std::string, std::set<std::string>> seen;
    for (const CandidateResult &c : r.candidates())
      for (const auto &[k, v] : c.schedule())
        seen[k].insert(v.empty() ? "0" : v);
    for (const auto &[k, vs] : seen) {
      if (vs.size() < 2)
        continue; // fixed in this search
      Panel p{&r, k, {vs.begin(), vs.end()}};
      std::sort(p.values.begin(), p.values.end(), [](const std::string &a, const std::string &b) {
        if (numeric(a) && numeric(b))
          return std::stoll(a) < std::stoll(b);
        return a < b;
      });
      out.push_back(p);
    }
  }
  return out;
}

} // namespace

#ifdef TERN_HAVE_CAIRO
namespace {

constexpr double kPanelW = 420, kPanelH = 250, kMarginL = 70, kMarginR = 20, kMarginT = 42,
                 kMarginB = 46, kTitleH = 40;

using chart::text;

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
  return b;
}

/// Work per call: decode counts weight bytes (ternary: 2 bits packed; the
/// heads: their element's bytes, the layout field), prefill int8 ops;
/// `unit` says which.
double work(const Key &k, const char **unit) {
  if (k.kind() == "matmul" || k.kind() == "int8_matmul") {
    *unit = "GB/s (weights)";
    const double bytes = k.kind() == "int8_matmul" ? 1 : k.layout() == "f32" ? 4 : 2;
    return double(k.n()) * double(k.k()) * bytes;
  }
  if (k.kind() == "attention") { // no weights: calls per second
    *unit = "k calls/s";
    return 1e6;
  }
  if (k.tokens() == 0) { // the layout stage: decode + prefill per token
    *unit = "GB/s (2-bit weights, per decode + prefill token)";
    return double(k.n()) * double(k.k()) / 4;
  }
  if (k.tokens() == 1) {
    *unit = "GB/s (packed weights)";
    return double(k.n()) * double(k.k()) / 4;
  }
  *unit = "GOP/s";
  return 2.0 * double(k.n()) * double(k.k()) * double(k.tokens());
}

std::string valueOf(const CandidateResult &c, const std::string &knob) {
  auto it = c.schedule().find(knob);
  return it == c.schedule().end() || it->second.empty() ? "0" : it->second;
}

bool sameSchedule(const CandidateResult &c, const Record &r) {
  for (const auto &[k, v] : r.chosen())
    if (valueOf(c, k) != (v.empty() ? "0" : v))
      return false;
  return true;
}

void drawPanel(cairo_t *cr, const Panel &p, double x0, double y0) {
  const Record &r = *p.record;
  const char *unit = "";
  const double w = work(r.key(), &unit);
  double ymax = 0;
  for (const CandidateResult &c : r.candidates())
    if (c.failure().empty() && c.stats().p20_s() > 0)
      ymax = std::max(ymax, w / c.stats().p20_s() / 1e9);
  ymax = ymax > 0 ? ymax * 1.1 : 1;
  const double left = x0 + kMarginL, right = x0 + kPanelW - kMarginR, top = y0 + kMarginT,
               bottom = y0 + kPanelH - kMarginB;
  auto px = [&](size_t i) {
    return left + (right - left) * (double(i) + 0.5) / double(p.values.size());
  };
  auto py = [&](double v) { return bottom - (bottom - top) * v / ymax; };
  cairo_set_source_rgb(cr, 0, 0, 0);
  const std::string bucket = bucketName(r.key());
  text(cr, left, y0 + 18,
       r.key().kind() + " " + std::to_string(r.key().n()) + "x" + std::to_string(r.key().k()) +
           " " + bucket + ", " + std::to_string(r.key().threads()) + "T: " + p.knob,
       12);
  text(cr, left, y0 + 33, r.default_kept() ? "default kept" : "tuned", 10);
  // Axes, y grid in 5 steps.
  cairo_set_line_width(cr, 1);
  for (int i = 0; i <= 5; ++i) {
    const double v = ymax * i / 5, y = py(v);
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, left, y);
    cairo_line_to(cr, right, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, x0 + 8, y + 4, fmt(v), 10);
  }
  cairo_rectangle(cr, left, top, right - left, bottom - top);
  cairo_stroke(cr);
  for (size_t i = 0; i < p.values.size(); ++i)
    text(cr, px(i), bottom + 14, p.values[i], 11, true);
  text(cr, (left + right) / 2, bottom + 32, p.knob + "   (y: " + unit + ")", 11, true);
  // Candidates: spread bars and points, jittered within their column.
  std::map<std::string, int> perValue;
  for (const CandidateResult &c : r.candidates()) {
    const std::string v = valueOf(c, p.knob);
    const size_t col = size_t(std::find(p.values.begin(), p.values.end(), v) - p.values.begin());
    const int n = perValue[v]++;
    const double x = px(col) + (double(n % 7) - 3) * 5;
    const bool isDefault = c.origin() == "default";
    if (!c.failure().empty()) {
      cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
      cairo_set_line_width(cr, 1.5);
      cairo_move_to(cr, x - 4, bottom - 8);
      cairo_line_to(cr, x + 4, bottom);
      cairo_move_to(cr, x + 4, bottom - 8);
      cairo_line_to(cr, x - 4, bottom);
      cairo_stroke(cr);
      continue;
    }
    if (c.stats().median_s() <= 0)
      continue; // measured as another candidate's identical code
    const double ym = py(w / c.stats().median_s() / 1e9);
    const double ylo = py(w / c.stats().p80_s() / 1e9), yhi = py(w / c.stats().p20_s() / 1e9);
    if (isDefault)
      cairo_set_source_rgb(cr, 0.84, 0.15, 0.16);
    else
      cairo_set_source_rgb(cr, 0.12, 0.47, 0.71);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, x, ylo);
    cairo_line_to(cr, x, yhi);
    cairo_stroke(cr);
    cairo_arc(cr, x, ym, isDefault ? 4.5 : 3, 0, 2 * M_PI);
    cairo_fill(cr);
    if (sameSchedule(c, r)) {
      cairo_set_source_rgb(cr, 0.17, 0.63, 0.17);
      cairo_set_line_width(cr, 2);
      cairo_arc(cr, x, ym, 7, 0, 2 * M_PI);
      cairo_stroke(cr);
    }
  }
}

} // namespace
#endif

bool writeTuneReport(const Database &db, const std::string &path, int *panels, std::string *err) {
  const std::vector<Panel> ps = panelsOf(db);
  *panels = int(ps.size());
  if (ps.empty()) {
    *err = "--report: no record with a searched knob to draw";
    return false;
  }
#ifndef TERN_HAVE_CAIRO
  (void)path;
  *err = "this tern-tune was built without cairo (install libcairo2-dev and rebuild) and "
         "cannot draw --report";
  return false;
#else
  // Rows: one per record, its knobs side by side.
  std::vector<std::vector<const Panel *>> rows;
  for (const Panel &p : ps)
    if (rows.empty() || rows.back().front()->record != p.record)
      rows.push_back({&p});
    else
      rows.back().push_back(&p);
  size_t cols = 1;
  for (const auto &row : rows)
    cols = std::max(cols, row.size());
  const int width = int(kPanelW * double(cols)), height = int(kTitleH + kPanelH * double(rows.size()));
  if (height > 32000) {
    *err = "--report: " + std::to_string(rows.size()) + " records are too many for one image";
    return false;
  }
  cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create(surf);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_source_rgb(cr, 0, 0, 0);
  const Fingerprint &hw = db.records(0).key().hardware();
  text(cr, 12, 24,
       "tern-tune: every candidate (median, p20-p80) on " + hw.cpu_name() +
           (hw.gpu_name().empty() ? "" : " / " + hw.gpu_name()) +
           "; red: default, green ring: chosen, x: failed",
       13);
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j)
      drawPanel(cr, *rows[i][j], kPanelW * double(j), kTitleH + kPanelH * double(i));
  cairo_destroy(cr);
  const cairo_status_t st = cairo_surface_write_to_png(surf, path.c_str());
  cairo_surface_destroy(surf);
  if (st != CAIRO_STATUS_SUCCESS) {
    *err = "--report: cannot write '" + path + "': " + cairo_status_to_string(st);
    return false;
  }
  return true;
#endif
}

} // namespace tern::tune
