//===- TernAttrs.cpp - tern attributes ------------------------------------===//
#include "dialect/TernAttrs.h"
#include "dialect/TernDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tern;

#include "dialect/TernEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "dialect/TernAttrs.cpp.inc"

void TernDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/TernAttrs.cpp.inc"
      >();
}

LogicalResult LayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t bits, int64_t packDim, int64_t block,
                                 int64_t interleave, int64_t chunk,
                                 int64_t lut) {
  if (bits != 2 && bits != 8)
    return emitError() << "layout bits must be 2 (packed codes) or 8 (plain "
                          "int8), got "
                       << bits;
  if (packDim != 0 && packDim != 1)
    return emitError() << "layout pack_dim must be 0 (output rows) or 1 "
                          "(input columns), got "
                       << packDim;
  // Bounds keep every size product of the layout formula within int64.
  constexpr int64_t kMaxBlock = int64_t(1) << 31, kMaxInterleave = 1 << 16;
  if (block < 1 || block > kMaxBlock)
    return emitError() << "layout block must be in [1, 2^31], got " << block;
  if (interleave < 1 || interleave > kMaxInterleave)
    return emitError() << "layout interleave must be in [1, 65536], got "
                       << interleave;
  if (chunk < 0 || chunk > kMaxBlock)
    return emitError() << "layout chunk must be in [0, 2^31] (0 = whole row), "
                          "got "
                       << chunk;
  if ((interleave != 1 || chunk != 0) && packDim != 1)
    return emitError() << "layout interleave/chunk need pack_dim = 1 (rows are "
                          "interleaved along the input dimension)";
  if (bits == 8 && (packDim != 1 || block != 1 || interleave != 1 || chunk != 0))
    return emitError() << "layout with bits = 8 is plain row-major int8: leave "
                          "pack_dim, block, interleave and chunk at defaults";
  if (lut != 0 && lut != 2 && lut != 3)
    return emitError() << "layout lut must be 0 (2-bit codes), 2 or 3 (weights "
                          "per table index), got "
                       << lut;
  if (lut != 0 && (bits != 2 || packDim != 1 || interleave != 1 || chunk != 0))
    return emitError() << "layout lut = " << lut
                       << " stores table indices along K: it needs bits = 2, "
                          "pack_dim = 1 and no interleave/chunk";
  if (lut != 0 && block != 16 && block != 32 && block != 64)
    return emitError() << "layout lut = " << lut
                       << " needs block = 16, 32 or 64 (index bytes per "
                          "step: 16-byte table lanes), got "
                       << block;
  return success();
}

::tern::ref::TernaryLayout LayoutAttr::toRuntime() const {
  ::tern::ref::TernaryLayout l;
  l.bits = static_cast<int>(getBits());
  l.pack_dim = static_cast<int>(getPackDim());
  l.block = getBlock();
  l.interleave = static_cast<int>(getInterleave());
  l.chunk = getChunk();
  l.lut = static_cast<int>(getLut());
  return l;
}

bool LayoutAttr::fits(int64_t n, int64_t k, std::string &why) const {
  return ::tern::ref::checkLayout(toRuntime(), n, k, &why);
}

LogicalResult ScheduleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   int64_t tileM, int64_t tileN, int64_t unroll,
                                   int64_t threads, int64_t prefetch,
                                   int64_t gemvTileN, StringRef mma, StringRef isa,
                                   StringRef layout) {
  std::pair<const char *, int64_t> knobs[] = {
      {"tile_m", tileM},     {"tile_n", tileN},       {"unroll", unroll},
      {"threads", threads}, {"prefetch", prefetch}, {"gemv_tile_n", gemvTileN}};
  for (auto [name, value] : knobs)
    if (value < 0)
      return emitError() << "schedule knob " << name
                         << " must be >= 0 (0 lets the target choose), got "
                         << value;
  if (!mma.empty() && mma != "dp4a" && mma != "mma_sync" && mma != "wgmma")
    return emitError() << "schedule mma must be \"dp4a\", \"mma_sync\" or "
                          "\"wgmma\" (or absent: the target chooses), got \""
                       << mma << "\"";
  if (!isa.empty() && isa != "generic" && isa != "avx2" && isa != "avx512-vnni" &&
      isa != "amx" && isa != "dotprod" && isa != "i8mm")
    return emitError() << "schedule isa must be \"generic\", \"avx2\", \"avx512-vnni\", "
                          "\"amx\", \"dotprod\" or \"i8mm\" (or absent: the target's own), got \""
                       << isa << "\"";
  if (!layout.empty() && !::tern::ref::isLayoutName(layout.str()))
    return emitError() << "schedule layout must be \"i2xR\" (2-bit codes, R >= 1 rows "
                          "interleaved), \"tl1\" or \"tl2\" (lookup tables), or absent "
                          "(the packing options decide), got \""
                       << layout << "\"";
  return success();
}
