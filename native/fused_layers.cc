// The fast paths of the fused engine's layers (fused.h): the vector products of simd.h on one
// image or a few rows, called from inside the engine's parallel tasks (never parallel_for here).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "activations.h"
#include "cpu.h"
#include "fused.h"

namespace lenet {
namespace {

// xe[i][iw*cout + co] = x[i][iw], rows ld floats apart (the tail past in_w*cout is zero).
void expand_image(float* xe, long ld, const float* x, long h, long w, long cout) {
  for (long i = 0; i < h; ++i) {
    float* row = xe + i * ld;
    const float* src = x + i * w;
    for (long iw = 0; iw < w; ++iw) {
      const float v = src[iw];
      float* d = row + iw * cout;
      for (long co = 0; co < cout; ++co) d[co] = v;
    }
    std::fill(row + w * cout, row + ld, 0.0f);
  }
}

ConvLanes lanes_desc(const PackedConv& w, const ConvStage& s, const ConvScratch& t) {
  ConvLanes c{};
  c.xe = t.xe.data();
  c.ldxe = t.ldxe;
  c.fpat = w.fpat.data();
  c.bpat = w.bpat.data();
  c.np = w.lanes_np;
  c.fh = s.k;
  c.fw = s.k;
  c.cout = s.out_c;
  c.len = s.used_w() * s.out_c;
  c.stride_h = 1;
  c.act = kLinear;
  return c;
}

// One window's rows and columns of z, as a RowMap (positions) and SegMap (the filter window).
RowMap conv_rows(const ConvStage& s) { return RowMap{1, s.used_h(), s.used_w(), 0, s.in_w * s.in_c, s.in_c}; }
SegMap conv_window(const ConvStage& s) { return SegMap{s.k, s.k * s.in_c, s.in_w * s.in_c}; }

}  // namespace

// Max over each window of a = act(z), the first maximum in row-major window order winning
// (NaN never wins; a window with no winner keeps -inf and routes to its first cell). The
// winner's z goes to d, which then becomes act'(z) there.
static void pool_windows(float* y, float* d, int32_t* win, const float* z, const float* a, const ConvStage& s) {
  const long p = s.pool, co = s.out_c, uw = s.used_w();
  for (long ph = 0; ph < s.ph; ++ph)
    for (long pw = 0; pw < s.pw; ++pw) {
      float* yo = y + (ph * s.pw + pw) * co;
      float* dout = d + (ph * s.pw + pw) * co;
      int32_t* wo = win + (ph * s.pw + pw) * co;
      const long first = ((ph * p) * uw + pw * p) * co;
      for (long c = 0; c < co; ++c) {
        yo[c] = -std::numeric_limits<float>::infinity();
        wo[c] = static_cast<int32_t>(first + c);
      }
      for (long i = 0; i < p; ++i)
        for (long j = 0; j < p; ++j) {
          const long base = ((ph * p + i) * uw + pw * p + j) * co;
          for (long c = 0; c < co; ++c) {
            const float v = a[base + c];
            if (v > yo[c]) {
              yo[c] = v;
              wo[c] = static_cast<int32_t>(base + c);
            }
          }
        }
      for (long c = 0; c < co; ++c) dout[c] = z[wo[c]];
    }
}

void conv_stage_forward(float* y, float* d, int32_t* win, const float* x, const PackedConv& w, const ConvStage& s,
                        ConvScratch& t) {
  const SimdTable& tb = simd();
  float* z = t.z.data();
  if (w.lanes_np > 0) {
    expand_image(t.xe.data(), t.ldxe, x, s.in_h, s.in_w, s.out_c);
    ConvLanes c = lanes_desc(w, s, t);
    tb.conv_lanes_forward(c, z, 0, s.used_h());
  } else {
    GemmNN g{};
    g.a = x;
    g.rows = conv_rows(s);
    g.k = conv_window(s);
    g.b = w.fpack.data();
    g.ldb = w.ldb;
    g.n = s.out_c;
    g.c = z;
    g.ldc = s.out_c;
    g.bias = w.bpack.data();
    g.act = kLinear;
    tb.gemm_nn(g, 0, s.used_h() * s.used_w());
  }
  tb.act_forward(t.a.data(), z, s.z_size(), s.act);
  pool_windows(y, d, win, z, t.a.data(), s);
  tb.act_derivative(d, d, y, s.y_size(), s.act);
}

void pool_activation_backward(float* dz, const float* dy, const float* d, const int32_t* win, const ConvStage& s) {
  std::fill(dz, dz + s.z_size(), 0.0f);
  const long n = s.y_size();
  for (long i = 0; i < n; ++i) dz[win[i]] = dy[i] * d[i];
}

void conv_backward_filter(float* df, float* db, const float* x, const float* dz, const PackedConv& w,
                          const ConvStage& s, ConvScratch& t) {
  const SimdTable& tb = simd();
  const long co = s.out_c, P = s.used_h() * s.used_w();
  if (w.lanes_np > 0) {
    const long pw = w.lanes_np * tb.width, taps = s.k * s.k;
    expand_image(t.xe.data(), t.ldxe, x, s.in_h, s.in_w, co);
    ConvLanes c = lanes_desc(w, s, t);
    float* acc = t.acc.data();
    std::fill(acc, acc + taps * pw, 0.0f);
    tb.conv_lanes_filter(c, dz, 0, s.used_h(), acc);
    for (long k = 0; k < taps; ++k)
      for (long i = 0; i < pw; ++i) df[k * co + i % co] += acc[k * pw + i];
  } else {
    GemmTN g{};
    g.a = x;
    g.rows = conv_rows(s);
    g.m = conv_window(s);
    g.b = dz;
    g.ldb = co;
    g.blen = P * co;
    g.n = co;
    float* acc = t.acc.data();
    tb.gemm_tn(g, 0, P, 0, s.taps(), acc, co);
    const long n = s.taps() * co;
    for (long i = 0; i < n; ++i) df[i] += acc[i];
  }
  for (long p = 0; p < P; ++p)
    for (long c = 0; c < co; ++c) db[c] += dz[p * co + c];
}

void conv_backward_input(float* dx, const float* dz, const PackedConv& w, const ConvStage& s, ConvScratch& t) {
  const SimdTable& tb = simd();
  const long co = s.out_c, ci = s.in_c, uh = s.used_h(), uw = s.used_w(), P = uh * uw;
  GemmNN g{};
  g.a = dz;
  g.rows = RowMap{1, 1, P, 0, 0, co};
  g.k = SegMap{1, co, 0};
  g.b = w.ft.data();
  g.ldb = w.ldt;
  g.n = s.taps();
  g.c = t.g.data();
  g.ldc = w.ldt;
  g.bias = nullptr;
  g.act = kLinear;
  tb.gemm_nn(g, 0, P);
  std::fill(dx, dx + s.x_size(), 0.0f);
  const long seg = s.k * ci;
  for (long oh = 0; oh < uh; ++oh)
    for (long ow = 0; ow < uw; ++ow) {
      const float* grow = t.g.data() + (oh * uw + ow) * w.ldt;
      for (long kh = 0; kh < s.k; ++kh) {
        float* __restrict dst = dx + ((oh + kh) * s.in_w + ow) * ci;
        const float* __restrict src = grow + kh * seg;
        for (long j = 0; j < seg; ++j) dst[j] += src[j];
      }
    }
}

// ---- dense -----------------------------------------------------------------------------------

void dense_forward(float* y, float* d, const float* x, const PackedDense& w, long rows, long in, long out, int act) {
  const SimdTable& tb = simd();
  GemmNN g{};
  g.a = x;
  g.rows = RowMap{1, 1, rows, 0, 0, in};
  g.k = SegMap{1, in, 0};
  g.b = w.w.data();
  g.ldb = w.ldo;
  g.n = out;
  g.c = d != nullptr ? d : y;
  g.ldc = out;
  g.bias = w.b.data();
  g.act = kLinear;
  tb.gemm_nn(g, 0, rows);
  if (act < 0) return;
  tb.act_forward(y, g.c, rows * out, act);
  if (d != nullptr) tb.act_derivative(d, d, y, rows * out, act);
}

void dense_backward_input(float* dx, const float* dy, const float* dscale, const PackedDense& w, long rows, long in,
                          long out) {
  const SimdTable& tb = simd();
  GemmNN g{};
  g.a = dy;
  g.rows = RowMap{1, 1, rows, 0, 0, out};
  g.k = SegMap{1, out, 0};
  g.b = w.wt.data();
  g.ldb = w.ldi;
  g.n = in;
  g.c = dx;
  g.ldc = in;
  g.bias = nullptr;
  g.act = kLinear;
  tb.gemm_nn(g, 0, rows);
  if (dscale != nullptr) {
    const long n = rows * in;
    for (long i = 0; i < n; ++i) dx[i] *= dscale[i];
  }
}

void dense_backward_weights(float* dw, const float* x, const float* dy, long n, long in, long out, long i0, long i1) {
  if (i1 <= i0) return;
  GemmTN g{};
  g.a = x;
  g.rows = RowMap{1, 1, n, 0, 0, in};
  g.m = SegMap{1, in, 0};
  g.b = dy;
  g.ldb = out;
  g.blen = n * out;
  g.n = out;
  simd().gemm_tn(g, 0, n, i0, i1, dw + i0 * out, out);
}

void bias_gradient(float* db, const float* dy, long n, long out) {
  std::fill(db, db + out, 0.0f);
  for (long r = 0; r < n; ++r)
    for (long j = 0; j < out; ++j) db[j] += dy[r * out + j];
}

// ---- output ----------------------------------------------------------------------------------

void softmax_loss_backward(float* probs, float* dlogits, const float* logits, const uint8_t* labels, long rows,
                           long classes, long batch, int loss) {
  const SimdTable& tb = simd();
  float e[64];
  for (long r = 0; r < rows; ++r) {
    const float* x = logits + r * classes;
    float* p = probs + r * classes;
    float m = x[0];
    for (long k = 1; k < classes; ++k) m = x[k] > m ? x[k] : m;
    for (long k = 0; k < classes; ++k) e[k] = x[k] - m;
    tb.transcendental(e, e, classes, kExpPoly);
    double sum = 0;
    for (long k = 0; k < classes; ++k) sum += e[k];
    const float s = static_cast<float>(sum);
    for (long k = 0; k < classes; ++k) p[k] = e[k] / s;
    if (dlogits == nullptr) continue;
    float* g = dlogits + r * classes;
    const long label = labels[r];
    float gp[64];  // d loss / d p
    if (loss == kLossCrossentropy) {
      // neg -> mean -> sum -> mul(onehot) -> log -> clipByValue, whose gradient masks p outside [min, max]
      const float a = static_cast<float>(-1.0 / static_cast<double>(batch));
      const float pl = p[label];
      const bool inside = pl >= 1e-7f && pl <= 0.9999999f;
      for (long k = 0; k < classes; ++k) gp[k] = 0.0f;
      gp[label] = inside ? a / pl : 0.0f;
    } else {
      // softmax cross-entropy on p: (softmax(p) - onehot) / batch, softmax(p) = exp(p - logsumexp(p))
      const float c = static_cast<float>(1.0 / static_cast<double>(batch));
      float pm = p[0];
      for (long k = 1; k < classes; ++k) pm = p[k] > pm ? p[k] : pm;
      double se = 0;
      for (long k = 0; k < classes; ++k) se += std::exp(static_cast<double>(p[k] - pm));
      const float lse = pm + static_cast<float>(std::log(se));
      for (long k = 0; k < classes; ++k) {
        const float sm = static_cast<float>(std::exp(static_cast<double>(p[k] - lse)));
        gp[k] = c * (sm - (k == label ? 1.0f : 0.0f));
      }
    }
    // softmax's gradient: dy*y - sum(dy*y) * y
    double s2 = 0;
    for (long k = 0; k < classes; ++k) s2 += gp[k] * p[k];
    const float sy = static_cast<float>(s2);
    for (long k = 0; k < classes; ++k) g[k] = gp[k] * p[k] - sy * p[k];
  }
}

}  // namespace lenet
