// The eight activations of the fused engine, one value at a time, with tfjs' definitions: the
// forward of each tfjs-backend-cpu kernel (computed in double and rounded once, as the cpu
// kernels compute in JS numbers) and the derivative its gradient applies (tfjs-core gradients):
//   sigmoid   1 / (1 + e^-x)                       d = y (1 - y)
//   tanh      tanh x                               d = 1 - y^2
//   relu      x < 0 ? 0 : x                        d = step(x) = x > 0 ? 1 : 0
//   elu       x >= 0 ? x : e^x - 1                 d = y >= 0 ? 1 : y + 1          (EluGrad)
//   selu      x >= 0 ? s x : sa (e^x - 1)          d = x > 0 ? s : sa e^x          (its mask is x > 0)
//   softplus  x > -T ? x : x < T ? e^x : ln(1+e^x), T = ln(2^-23) + 2;   d = sigmoid(x)
//   swish     sigmoid(x) x                         d = s + x s (1 - s)             (s = sigmoid(x))
//   mish      x tanh(softplus(x))                  d = t + x (1 - t^2) sigmoid(x)  (t = tanh(softplus(x)))
// The engine's vector paths (simd_impl.h) compute the same functions with polynomials; these are
// the references they are tested against. The derivative of a layer's output y = act(x) takes both.
#pragma once
#include <cmath>

#include "opcodes.h"

namespace lenet {

constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluScaleAlpha = 1.7580993408473768599402175208123;
// tfjs' softplus: above -kSoftplusThreshold softplus(x) = x, below kSoftplusThreshold = e^x
constexpr double kSoftplusThreshold = -13.942385152878742;  // ln(1.1920928955078125e-7) + 2

inline double sigmoid_d(double x) { return 1.0 / (1.0 + std::exp(-x)); }

inline float softplus_ref(float x) {
  const double v = x;
  if (v < kSoftplusThreshold) return static_cast<float>(std::exp(v));
  if (v > -kSoftplusThreshold) return x;
  return static_cast<float>(std::log(1.0 + std::exp(v)));
}

inline float act_forward_ref(int act, float x) {
  const double v = x;
  switch (act) {
    case kActSigmoid: return static_cast<float>(sigmoid_d(v));
    case kActTanh: return static_cast<float>(std::tanh(v));
    case kActRelu: return x < 0.0f ? 0.0f : x;
    case kActElu: return x >= 0.0f ? x : static_cast<float>(std::exp(v) - 1.0);
    case kActSelu: return static_cast<float>(x >= 0.0f ? kSeluScale * v : kSeluScaleAlpha * (std::exp(v) - 1.0));
    case kActSwish: return static_cast<float>(sigmoid_d(v)) * x;
    case kActSoftplus: return softplus_ref(x);
    case kActMish: return x * static_cast<float>(std::tanh(static_cast<double>(softplus_ref(x))));
    default: return x;
  }
}

// d act / dx at x, where y = act_forward_ref(act, x).
inline float act_derivative_ref(int act, float x, float y) {
  switch (act) {
    case kActSigmoid: return y * (1.0f - y);
    case kActTanh: return 1.0f - y * y;
    case kActRelu: return x != x ? x : (x > 0.0f ? 1.0f : 0.0f);
    case kActElu: return y >= 0.0f ? 1.0f : y + 1.0f;
    case kActSelu:
      return x > 0.0f ? static_cast<float>(kSeluScale)
                      : static_cast<float>(kSeluScaleAlpha) * static_cast<float>(std::exp(static_cast<double>(x)));
    case kActSoftplus: return static_cast<float>(sigmoid_d(x));
    case kActSwish: {
      const float s = static_cast<float>(sigmoid_d(x));
      return s + x * (s * (1.0f - s));
    }
    case kActMish: {
      const float t = static_cast<float>(std::tanh(static_cast<double>(softplus_ref(x))));
      return t + x * ((1.0f - t * t) * static_cast<float>(sigmoid_d(x)));
    }
    default: return 1.0f;
  }
}

}  // namespace lenet
