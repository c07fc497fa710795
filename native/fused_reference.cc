// The naive references of the fused engine's layers (fused.h): plain loops in the most obvious
// order on the tfjs-layout weights, scalar activations of activations.h, no packing, no vectors,
// floating-point contraction off. The optimizer is exact: its fast path must match bit for bit.
#if defined(__clang__)
#pragma clang fp contract(off)
#else
#pragma GCC optimize("fp-contract=off")
#endif
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "activations.h"
#include "fused.h"

namespace lenet {

void conv_stage_forward_reference(float* y, float* d, int32_t* win, const float* x, const PackedConv& w,
                                  const ConvStage& s, ConvScratch&) {
  const long co = s.out_c, ci = s.in_c, k = s.k, p = s.pool;
  for (long ph = 0; ph < s.ph; ++ph)
    for (long pw = 0; pw < s.pw; ++pw)
      for (long c = 0; c < co; ++c) {
        float best = -std::numeric_limits<float>::infinity();
        float best_z = 0.0f;
        long best_at = 0;
        bool first = true;
        for (long i = 0; i < p; ++i)
          for (long j = 0; j < p; ++j) {
            const long oh = ph * p + i, ow = pw * p + j;
            float z = w.b[c];
            for (long kh = 0; kh < k; ++kh)
              for (long kw = 0; kw < k; ++kw)
                for (long q = 0; q < ci; ++q)
                  z += x[((oh + kh) * s.in_w + ow + kw) * ci + q] * w.f[((kh * k + kw) * ci + q) * co + c];
            const float a = act_forward_ref(s.act, z);
            if (first) best_z = z;
            first = false;
            if (a > best) {
              best = a;
              best_z = z;
              best_at = i * p + j;
            }
          }
        const long o = (ph * s.pw + pw) * co + c;
        y[o] = best;
        d[o] = act_derivative_ref(s.act, best_z, best);
        win[o] = static_cast<int32_t>(best_at);
      }
}

void conv_stage_backward_reference(float* dfacc, float* db, float* dx, const float* x, const float* dy, const float* d,
                                   const int32_t* win, const PackedConv& w, const ConvStage& s, ConvScratch&) {
  const long co = s.out_c, ci = s.in_c, k = s.k, uh = s.used_h(), uw = s.used_w();
  // the gradient at the conv output: dy * d at each window's winner, 0 elsewhere
  std::vector<float> dz(s.z_size(), 0.0f);
  const long p = s.pool;
  for (long ph = 0; ph < s.ph; ++ph)
    for (long pw = 0; pw < s.pw; ++pw)
      for (long c = 0; c < co; ++c) {
        const long o = (ph * s.pw + pw) * co + c, oh = ph * p + win[o] / p, ow = pw * p + win[o] % p;
        dz[(oh * uw + ow) * co + c] = dy[o] * d[o];
      }
  for (long kh = 0; kh < k; ++kh)
    for (long kw = 0; kw < k; ++kw)
      for (long q = 0; q < ci; ++q)
        for (long c = 0; c < co; ++c) {
          float g = 0.0f;
          for (long oh = 0; oh < uh; ++oh)
            for (long ow = 0; ow < uw; ++ow)
              g += x[((oh + kh) * s.in_w + ow + kw) * ci + q] * dz[(oh * uw + ow) * co + c];
          dfacc[((kh * k + kw) * ci + q) * co + c] += g;
        }
  for (long c = 0; c < co; ++c) {
    float g = 0.0f;
    for (long p = 0; p < uh * uw; ++p) g += dz[p * co + c];
    db[c] += g;
  }
  if (dx == nullptr) return;
  for (long ih = 0; ih < s.in_h; ++ih)
    for (long iw = 0; iw < s.in_w; ++iw)
      for (long q = 0; q < ci; ++q) {
        float g = 0.0f;
        for (long kh = 0; kh < k; ++kh)
          for (long kw = 0; kw < k; ++kw) {
            const long oh = ih - kh, ow = iw - kw;
            if (oh < 0 || ow < 0 || oh >= uh || ow >= uw) continue;
            for (long c = 0; c < co; ++c) g += dz[(oh * uw + ow) * co + c] * w.f[((kh * k + kw) * ci + q) * co + c];
          }
        dx[(ih * s.in_w + iw) * ci + q] = g;
      }
}

void dense_forward_reference(float* y, float* d, const float* x, const PackedDense& w, long rows, long in, long out,
                             int act) {
  for (long r = 0; r < rows; ++r)
    for (long o = 0; o < out; ++o) {
      float z = w.bsrc[o];
      for (long i = 0; i < in; ++i) z += x[r * in + i] * w.wsrc[i * out + o];
      if (act < 0) {
        y[r * out + o] = z;
        continue;
      }
      const float a = act_forward_ref(act, z);
      y[r * out + o] = a;
      if (d != nullptr) d[r * out + o] = act_derivative_ref(act, z, a);
    }
}

void dense_backward_input_reference(float* dx, const float* dy, const float* dscale, const PackedDense& w, long rows,
                                    long in, long out) {
  for (long r = 0; r < rows; ++r)
    for (long i = 0; i < in; ++i) {
      float g = 0.0f;
      for (long o = 0; o < out; ++o) g += dy[r * out + o] * w.wsrc[i * out + o];
      dx[r * in + i] = dscale != nullptr ? g * dscale[r * in + i] : g;
    }
}

void dense_backward_weights_reference(float* dw, const float* x, const float* dy, long n, long in, long out, long i0,
                                      long i1) {
  for (long i = i0; i < i1 && i < in; ++i)
    for (long o = 0; o < out; ++o) {
      float g = 0.0f;
      for (long r = 0; r < n; ++r) g += x[r * in + i] * dy[r * out + o];
      dw[i * out + o] = g;
    }
}

void softmax_loss_backward_reference(float* probs, float* dlogits, const float* logits, const uint8_t* labels,
                                     long rows, long classes, long batch, int loss) {
  for (long r = 0; r < rows; ++r) {
    const float* x = logits + r * classes;
    float* p = probs + r * classes;
    double m = x[0];
    for (long k = 1; k < classes; ++k) m = std::max(m, static_cast<double>(x[k]));
    double sum = 0;
    for (long k = 0; k < classes; ++k) sum += std::exp(x[k] - m);
    for (long k = 0; k < classes; ++k) p[k] = static_cast<float>(std::exp(x[k] - m) / sum);
    if (dlogits == nullptr) continue;
    const long label = labels[r];
    // d loss / d p, then through the softmax: dlogits[k] = p[k] (gp[k] - sum_j gp[j] p[j])
    double gp[64];
    if (loss == kLossCrossentropy) {
      for (long k = 0; k < classes; ++k) gp[k] = 0;
      const float pl = p[label];
      if (pl >= 1e-7f && pl <= 0.9999999f) gp[label] = -1.0 / (static_cast<double>(batch) * pl);
    } else {
      double pm = p[0];
      for (long k = 1; k < classes; ++k) pm = std::max(pm, static_cast<double>(p[k]));
      double se = 0;
      for (long k = 0; k < classes; ++k) se += std::exp(p[k] - pm);
      for (long k = 0; k < classes; ++k) gp[k] = (std::exp(p[k] - pm) / se - (k == label ? 1.0 : 0.0)) / batch;
    }
    double s = 0;
    for (long k = 0; k < classes; ++k) s += gp[k] * p[k];
    for (long k = 0; k < classes; ++k) dlogits[r * classes + k] = static_cast<float>(p[k] * (gp[k] - s));
  }
}

void optimizer_update_reference(float* value, float* s1, float* s2, const float* g, long n, const OptimizerScalars& s) {
  for (long i = 0; i < n; ++i) {
    if (s.kind == kOptAdam) {
      const float m = s1[i] * s.beta1 + g[i] * s.one_minus_beta1;
      const float v = s2[i] * s.beta2 + (g[i] * g[i]) * s.one_minus_beta2;
      s1[i] = m;
      s2[i] = v;
      const float mhat = m / s.one_minus_acc_beta1;
      const float vhat = v / s.one_minus_acc_beta2;
      value[i] = (mhat / (std::sqrt(vhat) + s.epsilon)) * s.neg_lr + value[i];
    } else if (s.kind == kOptMomentum) {
      const float a = s1[i] * s.momentum + g[i];
      s1[i] = a;
      value[i] = s.neg_lr * a + value[i];
    } else {
      value[i] = s.neg_lr * g[i] + value[i];
    }
  }
}

}  // namespace lenet
