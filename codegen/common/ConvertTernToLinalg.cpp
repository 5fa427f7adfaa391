//===- ConvertTernToLinalg.cpp - tern graph ops to linalg -----------------===//
//
// Each pattern below rewrites one tern op into linalg.generic ops on tensors
// whose scalar bodies are the reference's arithmetic (runtime/reference).
//
//===----------------------------------------------------------------------===//

#include "codegen/common/Passes.h"
#include "dialect/TernOps.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::tern {
#define GEN_PASS_DEF_CONVERTTERNTOLINALG
#include "codegen/common/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {

/// An empty tensor shaped like `like` (dynamic sizes taken from it) but with
/// the given element type and, optionally, a replaced last dimension.
Value emptyLike(OpBuilder &b, Location loc, Value like, Type elementType,
                std::optional<int64_t> lastDim = std::nullopt) {
  auto type = cast<RankedTensorType>(like.getType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(tensor::getMixedSize(b, loc, like, d));
  if (lastDim)
    sizes.back() = b.getIndexAttr(*lastDim);
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

SmallVector<utils::IteratorType> parallelIterators(int64_t n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Emits the decode of a packed ternary matrix:
///   storage tensor<..xi8> (layout L)  ->  tensor<NxKxi8> of -1, 0, 1.
/// The index arithmetic is runtime/reference/ternary_layout's byteOffset.
Value emitUnpack(OpBuilder &b, Location loc, Value storage, TernaryType type) {
  LayoutAttr layout = type.getLayout();
  int64_t n = type.getRows(), k = type.getCols();
  auto i8 = b.getI8Type();
  Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{n, k}, i8);
  AffineMap id = b.getMultiDimIdentityMap(2);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{}, ValueRange{init},
      ArrayRef<AffineMap>{id}, parallelIterators(2),
      [&](OpBuilder &nb, Location l, ValueRange) {
        Value row = linalg::IndexOp::create(nb, l, 0);
        Value col = linalg::IndexOp::create(nb, l, 1);
        if (layout.getBits() == 8) {
          Value v = tensor::ExtractOp::create(nb, l, storage, ValueRange{row, col});
          linalg::YieldOp::create(nb, l, v);
          return;
        }
        auto c = [&](int64_t v) { return indexConst(nb, l, v); };
        int64_t block = layout.getBlock();
        // Position i along the packed dimension -> packed index p, slot s.
        Value i = layout.getPackDim() == 0 ? row : col;
        Value group = arith::DivUIOp::create(nb, l, i, c(4 * block));
        Value p = arith::AddIOp::create(
            nb, l, arith::MulIOp::create(nb, l, group, c(block)),
            arith::RemUIOp::create(nb, l, i, c(block)));
        Value slot = arith::RemUIOp::create(
            nb, l, arith::DivUIOp::create(nb, l, i, c(block)), c(4));
        Value sr, sc;
        if (layout.getPackDim() == 0) {
          sr = p;
          sc = col;
        } else {
          int64_t r = layout.getInterleave();
          int64_t rowBytes = k / 4;
          int64_t chunk = layout.getChunk() ? layout.getChunk() : rowBytes;
          // Storage [N/R][Kb/C][R][C] seen as 2-D [N/R, R*Kb].
          sr = arith::DivUIOp::create(nb, l, row, c(r));
          Value inGroup = arith::RemUIOp::create(nb, l, row, c(r));
          Value chunkIdx = arith::DivUIOp::create(nb, l, p, c(chunk));
          Value inChunk = arith::RemUIOp::create(nb, l, p, c(chunk));
          sc = arith::AddIOp::create(
              nb, l,
              arith::AddIOp::create(
                  nb, l, arith::MulIOp::create(nb, l, chunkIdx, c(r * chunk)),
                  arith::MulIOp::create(nb, l, inGroup, c(chunk))),
              inChunk);
        }
        Value byte = tensor::ExtractOp::create(nb, l, storage, ValueRange{sr, sc});
        Value shift = arith::IndexCastOp::create(
            nb, l, i8, arith::MulIOp::create(nb, l, slot, c(2)));
        Value code = arith::AndIOp::create(
            nb, l, arith::ShRUIOp::create(nb, l, byte, shift),
            arith::ConstantIntOp::create(nb, l, i8, 3));
        Value w = arith::SubIOp::create(nb, l, code,
                                        arith::ConstantIntOp::create(nb, l, i8, 1));
        linalg::YieldOp::create(nb, l, w);
      });
  return generic.getResult(0);
}

/// acc[t, n] = sum_k int32(q[t, k]) * int32(w[n, k])  (exact in int32).
Value emitTernaryContraction(OpBuilder &b, Location loc, Value q, Value w) {
  MLIRContext *ctx = b.getContext();
  auto i32 = b.getI32Type();
  int64_t n = cast<RankedTensorType>(w.getType()).getShape()[0];
  Value empty = emptyLike(b, loc, q, i32, n);
  Value zero = arith::ConstantIntOp::create(b, loc, i32, 0);
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  AffineExpr t, nn, k;
  bindDims(ctx, t, nn, k);
  auto maps = AffineMap::inferFromExprList(
      ArrayRef<ArrayRef<AffineExpr>>{{t, k}, {nn, k}, {t, nn}}, ctx);
  SmallVector<utils::IteratorType> iters = {utils::IteratorType::parallel,
                                            utils::IteratorType::parallel,
                                            utils::IteratorType::reduction};
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{q, w}, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value a = arith::ExtSIOp::create(nb, l, i32, args[0]);
        Value x = arith::ExtSIOp::create(nb, l, i32, args[1]);
        Value prod = arith::MulIOp::create(nb, l, a, x);
        linalg::YieldOp::create(nb, l,
                                Value(arith::AddIOp::create(nb, l, args[2], prod)));
      });
  return generic.getResult(0);
}

/// y[t, n] = float(acc) / s[t] * ws            (multiply)
/// y[t, n] = float(acc) / (s[t] * ws)          (divide)
/// in exactly the reference's order of operations.
Value emitRescale(OpBuilder &b, Location loc, Value acc, Value scale,
                  Value weightScale, ScaleMode mode) {
  MLIRContext *ctx = b.getContext();
  auto f32 = b.getF32Type();
  Value init = emptyLike(b, loc, acc, f32);
  AffineExpr t, n;
  bindDims(ctx, t, n);
  auto maps = AffineMap::inferFromExprList(
      ArrayRef<ArrayRef<AffineExpr>>{{t, n}, {t}, {t, n}}, ctx);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{acc, scale}, ValueRange{init}, maps,
      parallelIterators(2), [&](OpBuilder &nb, Location l, ValueRange args) {
        Value a = arith::SIToFPOp::create(nb, l, f32, args[0]);
        Value y;
        if (mode == ScaleMode::multiply)
          y = arith::MulFOp::create(nb, l, arith::DivFOp::create(nb, l, a, args[1]),
                                    weightScale);
        else
          y = arith::DivFOp::create(nb, l, a,
                                    arith::MulFOp::create(nb, l, args[1], weightScale));
        linalg::YieldOp::create(nb, l, y);
      });
  return generic.getResult(0);
}

/// tern.unpack %p  ->  the decode generic over %p's storage.
struct UnpackLowering : OpConversionPattern<UnpackOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(UnpackOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, emitUnpack(rewriter, op.getLoc(), adaptor.getInput(),
                                      op.getInput().getType()));
    return success();
  }
};

/// tern.bitlinear %q, %s, %w, %ws  ->  [unpack] + i32 contraction + rescale.
struct BitLinearLowering : OpConversionPattern<BitLinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BitLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value weight = adaptor.getWeight();
    if (auto ternary = dyn_cast<TernaryType>(op.getWeight().getType()))
      weight = emitUnpack(rewriter, loc, weight, ternary);
    Value acc = emitTernaryContraction(rewriter, loc, adaptor.getInput(), weight);
    Value y = emitRescale(rewriter, loc, acc, adaptor.getInputScale(),
                          adaptor.getWeightScale(), op.getScaleMode());
    // The result type may be more static than the input (?xK -> 4xN).
    if (y.getType() != op.getType())
      y = tensor::CastOp::create(rewriter, loc, op.getType(), y);
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// tern.relu2 / tern.silu / tern.mul / tern.add  ->  an elementwise linalg.generic.
template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ValueRange inputs = adaptor.getOperands();
    auto type = cast<RankedTensorType>(op.getType());
    Value init = emptyLike(rewriter, loc, inputs[0], type.getElementType());
    AffineMap id = rewriter.getMultiDimIdentityMap(type.getRank());
    SmallVector<AffineMap> maps(inputs.size() + 1, id);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, inputs, ValueRange{init}, maps,
        parallelIterators(type.getRank()),
        [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, scalarBody(b, l, args));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
  static Value scalarBody(OpBuilder &b, Location l, ValueRange args);
};

// relu2(x) = r * r with r = max(x, 0)   (maximumf: NaN propagates, like torch)
template <>
Value ElementwiseLowering<Relu2Op>::scalarBody(OpBuilder &b, Location l,
                                               ValueRange args) {
  Value zero = arith::ConstantOp::create(b, l, b.getF32FloatAttr(0.0f));
  Value r = arith::MaximumFOp::create(b, l, args[0], zero);
  return arith::MulFOp::create(b, l, r, r);
}
// silu(x) = x / (1 + exp(-x))   (torch's expression)
template <>
Value ElementwiseLowering<SiluOp>::scalarBody(OpBuilder &b, Location l,
                                              ValueRange args) {
  Value one = arith::ConstantOp::create(b, l, b.getF32FloatAttr(1.0f));
  Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, args[0]));
  return arith::DivFOp::create(b, l, args[0], arith::AddFOp::create(b, l, one, e));
}
template <>
Value ElementwiseLowering<MulOp>::scalarBody(OpBuilder &b, Location l,
                                             ValueRange args) {
  return arith::MulFOp::create(b, l, args[0], args[1]);
}
template <>
Value ElementwiseLowering<AddOp>::scalarBody(OpBuilder &b, Location l,
                                             ValueRange args) {
  return arith::AddFOp::create(b, l, args[0], args[1]);
}

struct ConvertTernToLinalgPass
    : mlir::tern::impl::ConvertTernToLinalgBase<ConvertTernToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    TypeConverter converter;
    converter.addConversion([](Type t) { return t; });
    converter.addConversion(
        [](TernaryType t) -> Type { return t.getStorageType(); });
    auto cast = [](OpBuilder &b, Type type, ValueRange inputs,
                   Location loc) -> Value {
      return UnrealizedConversionCastOp::create(b, loc, type, inputs)
          .getResult(0);
    };
    converter.addSourceMaterialization(cast);
    converter.addTargetMaterialization(cast);

    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    target.addIllegalOp<UnpackOp, BitLinearOp, Relu2Op, SiluOp, MulOp, AddOp>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return converter.isLegal(op); });
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });

    RewritePatternSet patterns(ctx);
    patterns.add<UnpackLowering, BitLinearLowering,
                 ElementwiseLowering<Relu2Op>, ElementwiseLowering<SiluOp>,
                 ElementwiseLowering<MulOp>,
                 ElementwiseLowering<AddOp>>(converter, ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
