// The naive reference of every kernel in kernels.h: plain loops in the most obvious order, one
// output element at a time, no threads, no vectors, no packing. Tests run each fast kernel
// against its reference on seeded random inputs, on every vector path and thread count.
// Floating-point contraction is off here, so each operation rounds as written: the references of
// the exact kernels (pooling, elementwise arithmetic, Adam) must agree with them bit for bit.
#if defined(__clang__)
#pragma clang fp contract(off)
#else
#pragma GCC optimize("fp-contract=off")
#endif
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels.h"

namespace lenet {

// ---- convolution -----------------------------------------------------------------------

void conv2d_forward_reference(float* y, const float* x, const float* f, const float* bias, int act,
                              const ConvGeometry& g) {
  for (long b = 0; b < g.batch; ++b)
    for (long oh = 0; oh < g.out_h; ++oh)
      for (long ow = 0; ow < g.out_w; ++ow)
        for (long co = 0; co < g.out_c; ++co) {
          float s = bias ? bias[co] : 0.0f;
          for (long kh = 0; kh < g.filter_h; ++kh) {
            const long ih = oh * g.stride_h - g.pad_top + kh;
            if (ih < 0 || ih >= g.in_h) continue;
            for (long kw = 0; kw < g.filter_w; ++kw) {
              const long iw = ow * g.stride_w - g.pad_left + kw;
              if (iw < 0 || iw >= g.in_w) continue;
              for (long ci = 0; ci < g.in_c; ++ci)
                s += x[((b * g.in_h + ih) * g.in_w + iw) * g.in_c + ci] *
                     f[((kh * g.filter_w + kw) * g.in_c + ci) * g.out_c + co];
            }
          }
          if (act == kRelu && s < 0) s = 0;
          y[((b * g.out_h + oh) * g.out_w + ow) * g.out_c + co] = s;
        }
}

void conv2d_backward_input_reference(float* dx, const float* dy, const float* f, const ConvGeometry& g) {
  std::fill(dx, dx + g.batch * g.in_h * g.in_w * g.in_c, 0.0f);
  for (long b = 0; b < g.batch; ++b)
    for (long oh = 0; oh < g.out_h; ++oh)
      for (long ow = 0; ow < g.out_w; ++ow)
        for (long kh = 0; kh < g.filter_h; ++kh) {
          const long ih = oh * g.stride_h - g.pad_top + kh;
          if (ih < 0 || ih >= g.in_h) continue;
          for (long kw = 0; kw < g.filter_w; ++kw) {
            const long iw = ow * g.stride_w - g.pad_left + kw;
            if (iw < 0 || iw >= g.in_w) continue;
            for (long ci = 0; ci < g.in_c; ++ci)
              for (long co = 0; co < g.out_c; ++co)
                dx[((b * g.in_h + ih) * g.in_w + iw) * g.in_c + ci] +=
                    dy[((b * g.out_h + oh) * g.out_w + ow) * g.out_c + co] *
                    f[((kh * g.filter_w + kw) * g.in_c + ci) * g.out_c + co];
          }
        }
}

void conv2d_backward_filter_reference(float* df, const float* x, const float* dy, const ConvGeometry& g) {
  std::fill(df, df + g.filter_h * g.filter_w * g.in_c * g.out_c, 0.0f);
  for (long b = 0; b < g.batch; ++b)
    for (long oh = 0; oh < g.out_h; ++oh)
      for (long ow = 0; ow < g.out_w; ++ow)
        for (long kh = 0; kh < g.filter_h; ++kh) {
          const long ih = oh * g.stride_h - g.pad_top + kh;
          if (ih < 0 || ih >= g.in_h) continue;
          for (long kw = 0; kw < g.filter_w; ++kw) {
            const long iw = ow * g.stride_w - g.pad_left + kw;
            if (iw < 0 || iw >= g.in_w) continue;
            for (long ci = 0; ci < g.in_c; ++ci)
              for (long co = 0; co < g.out_c; ++co)
                df[((kh * g.filter_w + kw) * g.in_c + ci) * g.out_c + co] +=
                    x[((b * g.in_h + ih) * g.in_w + iw) * g.in_c + ci] *
                    dy[((b * g.out_h + oh) * g.out_w + ow) * g.out_c + co];
          }
        }
}

// ---- max pooling -----------------------------------------------------------------------

void maxpool_forward_reference(float* y, const float* x, const PoolGeometry& g) {
  for (long b = 0; b < g.batch; ++b)
    for (long oh = 0; oh < g.out_h; ++oh)
      for (long ow = 0; ow < g.out_w; ++ow)
        for (long c = 0; c < g.channels; ++c) {
          float m = -std::numeric_limits<float>::infinity();
          for (long kh = 0; kh < g.filter_h; ++kh) {
            const long ih = oh * g.stride_h - g.pad_top + kh;
            if (ih < 0 || ih >= g.in_h) continue;
            for (long kw = 0; kw < g.filter_w; ++kw) {
              const long iw = ow * g.stride_w - g.pad_left + kw;
              if (iw < 0 || iw >= g.in_w) continue;
              const float v = x[((b * g.in_h + ih) * g.in_w + iw) * g.channels + c];
              if (v > m) m = v;
            }
          }
          y[((b * g.out_h + oh) * g.out_w + ow) * g.channels + c] = m;
        }
}

void maxpool_backward_reference(float* dx, const float* dy, const float* x, const PoolGeometry& g) {
  std::fill(dx, dx + g.batch * g.in_h * g.in_w * g.channels, 0.0f);
  for (long b = 0; b < g.batch; ++b)
    for (long oh = 0; oh < g.out_h; ++oh)
      for (long ow = 0; ow < g.out_w; ++ow)
        for (long c = 0; c < g.channels; ++c) {
          float m = -std::numeric_limits<float>::infinity();
          long first_max = -1;  // none: a window of -inf and NaN routes nothing
          for (long kh = 0; kh < g.filter_h; ++kh) {
            const long ih = oh * g.stride_h - g.pad_top + kh;
            if (ih < 0 || ih >= g.in_h) continue;
            for (long kw = 0; kw < g.filter_w; ++kw) {
              const long iw = ow * g.stride_w - g.pad_left + kw;
              if (iw < 0 || iw >= g.in_w) continue;
              const long i = ((b * g.in_h + ih) * g.in_w + iw) * g.channels + c;
              if (x[i] > m) {
                m = x[i];
                first_max = i;
              }
            }
          }
          if (first_max >= 0) dx[first_max] += dy[((b * g.out_h + oh) * g.out_w + ow) * g.channels + c];
        }
}

// ---- matrix product --------------------------------------------------------------------

void batch_matmul_reference(float* c, const float* a, const float* b, const float* bias, int act, int64_t batch_a,
                            int64_t batch_b, int64_t m, int64_t k, int64_t n, bool trans_a, bool trans_b) {
  const long batch = std::max(batch_a, batch_b);
  for (long i = 0; i < batch; ++i) {
    const float* ai = a + (batch_a == 1 ? 0 : i) * m * k;
    const float* bi = b + (batch_b == 1 ? 0 : i) * k * n;
    for (long r = 0; r < m; ++r)
      for (long j = 0; j < n; ++j) {
        float s = 0;
        for (long q = 0; q < k; ++q)
          s += (trans_a ? ai[q * m + r] : ai[r * k + q]) * (trans_b ? bi[j * k + q] : bi[q * n + j]);
        if (bias) s += bias[j];
        if (act == kRelu && s < 0) s = 0;
        c[(i * m + r) * n + j] = s;
      }
  }
}

// ---- elementwise -----------------------------------------------------------------------

void binary_op_reference(float* out, const float* a, const float* b, int op, int64_t n, int64_t na, int64_t nb) {
  for (int64_t i = 0; i < n; ++i) {
    const float p = a[i % na], q = b[i % nb];
    switch (op) {
      case kAdd: out[i] = p + q; break;
      case kSub: out[i] = p - q; break;
      case kMul: out[i] = p * q; break;
      case kDiv: out[i] = p / q; break;
      default: break;
    }
  }
}

void unary_op_reference(float* out, const float* x, int op, float alpha, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    switch (op) {
      case kReluOp: out[i] = v < 0.0f ? 0.0f : v; break;  // relu(NaN) = NaN, as tfjs
      case kStepOp: out[i] = std::isnan(v) ? v : v > 0.0f ? 1.0f : alpha; break;
      case kTanhOp: out[i] = std::tanh(v); break;
      case kSigmoidOp: out[i] = 1.0f / (1.0f + std::exp(-v)); break;
      case kSqrtOp: out[i] = std::sqrt(v); break;
      case kSquareOp: out[i] = v * v; break;
      case kNegOp: out[i] = -v; break;
      case kExpOp: out[i] = std::exp(v); break;
      case kLogOp: out[i] = std::log(v); break;
      default: break;
    }
  }
}

void softmax_rows_reference(float* out, const float* x, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    float m = xr[0];
    for (int64_t j = 1; j < cols; ++j) m = std::max(m, xr[j]);
    double sum = 0;
    for (int64_t j = 0; j < cols; ++j) {
      o[j] = std::exp(xr[j] - m);
      sum += o[j];
    }
    for (int64_t j = 0; j < cols; ++j) o[j] = o[j] / static_cast<float>(sum);
  }
}

// ---- sums ------------------------------------------------------------------------------

void sum_leading_reference(float* out, const float* x, int64_t rows, int64_t cols) {
  for (int64_t j = 0; j < cols; ++j) {
    double s = 0;
    for (int64_t r = 0; r < rows; ++r) s += x[r * cols + j];
    out[j] = static_cast<float>(s);
  }
}

void sum_trailing_reference(float* out, const float* x, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) s += x[r * cols + j];
    out[r] = static_cast<float>(s);
  }
}

// ---- Adam ------------------------------------------------------------------------------

// tfjs' AdamOptimizer.applyGradients, one float32 operation at a time:
//   m = m*b1 + g*(1-b1);  v = v*b2 + g*g*(1-b2);  x = (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps) * -lr + x
void adam_update_reference(float* value, float* m, float* v, const float* g, int64_t n, const AdamScalars& s) {
  for (int64_t i = 0; i < n; ++i) {
    m[i] = m[i] * s.beta1 + g[i] * s.one_minus_beta1;
    v[i] = v[i] * s.beta2 + (g[i] * g[i]) * s.one_minus_beta2;
    const float m_hat = m[i] / s.one_minus_acc_beta1;
    const float v_hat = v[i] / s.one_minus_acc_beta2;
    value[i] = (m_hat / (std::sqrt(v_hat) + s.epsilon)) * s.neg_lr + value[i];
  }
}

}  // namespace lenet
