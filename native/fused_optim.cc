// The fused engine's optimizer step (fused.h): tfjs' float32 formulas with every operation
// rounded, so contraction into fused multiply-adds is off here; the loops vectorise as written
// (division and square root are exact vector operations), on x86-64 also with AVX2 where the CPU
// has it. Must equal its reference bit for bit.
#if defined(__clang__)
#pragma clang fp contract(off)
#else
#pragma GCC optimize("fp-contract=off")
#endif
#include <cmath>

#include "cpu.h"
#include "fused.h"

namespace lenet {
namespace {

#define LENET_OPTIMIZER_BODY                                                                    \
  const float neg_lr = sc.neg_lr;                                                               \
  if (sc.kind == kOptAdam) {                                                                    \
    const float b1 = sc.beta1, c1 = sc.one_minus_beta1, b2 = sc.beta2, c2 = sc.one_minus_beta2; \
    const float a1 = sc.one_minus_acc_beta1, a2 = sc.one_minus_acc_beta2, eps = sc.epsilon;     \
    for (long i = 0; i < n; ++i) {                                                              \
      const float gi = g[i];                                                                    \
      const float m = s1[i] * b1 + gi * c1;                                                     \
      const float v = s2[i] * b2 + (gi * gi) * c2;                                              \
      s1[i] = m;                                                                                \
      s2[i] = v;                                                                                \
      value[i] = ((m / a1) / (std::sqrt(v / a2) + eps)) * neg_lr + value[i];                    \
    }                                                                                           \
  } else if (sc.kind == kOptMomentum) {                                                         \
    const float mom = sc.momentum;                                                              \
    for (long i = 0; i < n; ++i) {                                                              \
      const float a = s1[i] * mom + g[i];                                                       \
      s1[i] = a;                                                                                \
      value[i] = neg_lr * a + value[i];                                                         \
    }                                                                                           \
  } else {                                                                                      \
    for (long i = 0; i < n; ++i) value[i] = neg_lr * g[i] + value[i];                           \
  }

void update_portable(float* __restrict value, float* __restrict s1, float* __restrict s2, const float* __restrict g,
                     long n, const OptimizerScalars& sc) {
  LENET_OPTIMIZER_BODY
}

#if defined(__x86_64__) && !defined(__clang__)
__attribute__((target("avx2"))) void update_avx2(float* __restrict value, float* __restrict s1, float* __restrict s2,
                                                 const float* __restrict g, long n, const OptimizerScalars& sc) {
  LENET_OPTIMIZER_BODY
}
#endif

}  // namespace

void optimizer_update(float* value, float* s1, float* s2, const float* g, long n, const OptimizerScalars& sc) {
#if defined(__x86_64__) && !defined(__clang__)
  if (simd().width >= 8) {
    update_avx2(value, s1, s2, g, n, sc);
    return;
  }
#endif
  update_portable(value, s1, s2, g, n, sc);
}

}  // namespace lenet
