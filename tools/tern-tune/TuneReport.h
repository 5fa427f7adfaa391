//===- TuneReport.h - tern-tune --report: the landscape as a PNG -*- C++ -*-===//
//
// One row of panels per record of a tuning database (a kernel and token
// bucket), one panel per knob its candidates varied: every measured
// candidate's speed (decode: GB/s of packed weights; prefill: GOP/s, 2 ops
// per weight per token) at that knob's value, with its p20-p80 bar; the
// default in red, the chosen schedule ringed in green, failures as grey
// crosses on the axis. Drawn with cairo.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_TERN_TUNE_TUNEREPORT_H
#define TERN_TOOLS_TERN_TUNE_TUNEREPORT_H

#include "codegen/common/TuneDb.h"

#include <string>

namespace tern::tune {

/// False and a message when there is nothing to draw, cairo is missing or
/// the file cannot be written; `panels` gets the number drawn.
bool writeTuneReport(const Database &db, const std::string &path, int *panels, std::string *err);

} // namespace tern::tune

#endif
