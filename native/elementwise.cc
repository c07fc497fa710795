// Elementwise ops: binary (add, sub, mul, div) with the broadcasts a training step uses
// (same shape, scalar, a period along the trailing axes such as a bias), and unary
// activations with their tfjs semantics (relu(NaN) = NaN, step(NaN) = NaN). Memory-bound:
// plain loops the compiler vectorises, cut into fixed chunks for the pool.
#include <algorithm>
#include <cmath>

#include "cpu.h"
#include "kernels.h"
#include "threadpool.h"

namespace lenet {
namespace {

constexpr int64_t kChunk = 16384;  // elements per task

void for_chunks(int64_t n, const std::function<void(int64_t, int64_t)>& fn) { lenet::for_chunks(n, kChunk, fn); }

template <typename Op>
void binary_loop(float* out_, const float* a_, const float* b_, int64_t n, int64_t na, int64_t nb, Op op_) {
  // copies and __restrict: the loops must not reload op state through possibly aliased memory
  for_chunks(n, [=](int64_t i0, int64_t i1) {
    float* __restrict out = out_;
    const float* __restrict a = a_;
    const float* __restrict b = b_;
    const Op op = op_;
    if (na == n && nb == n) {
      for (int64_t i = i0; i < i1; ++i) out[i] = op(a[i], b[i]);
    } else if (nb == 1) {
      const float s = b[0];
      for (int64_t i = i0; i < i1; ++i) out[i] = op(a[i], s);
    } else if (na == 1) {
      const float s = a[0];
      for (int64_t i = i0; i < i1; ++i) out[i] = op(s, b[i]);
    } else if (na == n && nb < 256 && i1 - i0 >= 512) {
      // a short period (a bias): repeat b into a block of whole periods >= 256 floats, so the
      // inner loop is long and vectorises
      float rep[512];
      const int64_t R = nb * (256 / nb + 1);
      for (int64_t k = 0; k < R; ++k) rep[k] = b[k % nb];
      int64_t i = i0;
      for (; i < i1 && i % nb != 0; ++i) out[i] = op(a[i], b[i % nb]);
      for (; i + R <= i1; i += R)
        for (int64_t k = 0; k < R; ++k) out[i + k] = op(a[i + k], rep[k]);
      for (; i < i1; ++i) out[i] = op(a[i], b[i % nb]);
    } else if (na == n) {  // b repeats with period nb
      for (int64_t i = i0; i < i1;) {
        const int64_t j0 = i % nb, len = std::min(nb - j0, i1 - i);
        const float* bb = b + j0 - i;
        for (int64_t k = i; k < i + len; ++k) out[k] = op(a[k], bb[k]);
        i += len;
      }
    } else {  // a repeats with period na
      for (int64_t i = i0; i < i1;) {
        const int64_t j0 = i % na, len = std::min(na - j0, i1 - i);
        const float* aa = a + j0 - i;
        for (int64_t k = i; k < i + len; ++k) out[k] = op(aa[k], b[k]);
        i += len;
      }
    }
  });
}

template <typename Op>
void unary_loop(float* out_, const float* x_, int64_t n, Op op_) {
  for_chunks(n, [=](int64_t i0, int64_t i1) {
    float* __restrict out = out_;
    const float* __restrict x = x_;
    const Op op = op_;
    for (int64_t i = i0; i < i1; ++i) out[i] = op(x[i]);
  });
}

void transcendental(float* out, const float* x, int64_t n, int op) {
  const SimdTable& t = simd();
  for_chunks(n, [&](int64_t i0, int64_t i1) { t.transcendental(out + i0, x + i0, i1 - i0, op); });
}

}  // namespace

void binary_op(float* out, const float* a, const float* b, int op, int64_t n, int64_t na, int64_t nb) {
  switch (op) {
    case kAdd: binary_loop(out, a, b, n, na, nb, [](float x, float y) { return x + y; }); break;
    case kSub: binary_loop(out, a, b, n, na, nb, [](float x, float y) { return x - y; }); break;
    case kMul: binary_loop(out, a, b, n, na, nb, [](float x, float y) { return x * y; }); break;
    case kDiv: binary_loop(out, a, b, n, na, nb, [](float x, float y) { return x / y; }); break;
    default: break;
  }
}

void unary_op(float* out, const float* x, int op, float alpha, int64_t n) {
  switch (op) {
    case kReluOp: unary_loop(out, x, n, [](float v) { return v < 0.0f ? 0.0f : v; }); break;
    case kStepOp:
      unary_loop(out, x, n, [alpha](float v) {
        const float r = v > 0.0f ? 1.0f : alpha;
        return v != v ? v : r;
      });
      break;
    case kTanhOp: transcendental(out, x, n, kTanhPoly); break;
    case kSigmoidOp: transcendental(out, x, n, kSigmoidPoly); break;
    case kSqrtOp: unary_loop(out, x, n, [](float v) { return std::sqrt(v); }); break;
    case kSquareOp: unary_loop(out, x, n, [](float v) { return v * v; }); break;
    case kNegOp: unary_loop(out, x, n, [](float v) { return -v; }); break;
    case kExpOp: transcendental(out, x, n, kExpPoly); break;
    case kLogOp: unary_loop(out, x, n, [](float v) { return std::log(v); }); break;
    default: break;
  }
}

void softmax_rows(float* out, const float* x, int64_t rows, int64_t cols) {
  const SimdTable& t = simd();
  auto range = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * cols;
      float* o = out + r * cols;
      float m = xr[0];
      for (int64_t j = 1; j < cols; ++j) m = xr[j] > m ? xr[j] : m;
      for (int64_t j = 0; j < cols; ++j) o[j] = xr[j] - m;
      t.transcendental(o, o, cols, kExpPoly);
      double sum = 0;
      for (int64_t j = 0; j < cols; ++j) sum += o[j];
      const float s = static_cast<float>(sum);
      for (int64_t j = 0; j < cols; ++j) o[j] = o[j] / s;
    }
  };
  for_chunks(rows, std::max<int64_t>(1, kChunk / std::max<int64_t>(1, cols)), range);
}

}  // namespace lenet
