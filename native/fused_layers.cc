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

long round_up(long n, long w) { return (n + w - 1) / w * w; }

long lcm_vectors(long width, long cout) {
  long a = width, b = cout;
  while (b != 0) {
    const long r = a % b;
    a = b;
    b = r;
  }
  return cout / a;  // lcm(width, cout) / width
}

// Row length of one expanded residue image: every pixel q*pool + res of a row, each repeated
// out_c times, with room for the furthest tap's vector loads.
long expanded_row(const ConvStage& s, long max_width) {
  // whole vectors of the widest path, so that rows start on vector boundaries
  return round_up((s.pw + (s.pool + s.k) / s.pool + 1) * s.out_c + max_width, max_width);
}

// The first float of t.xe on a 64-byte boundary (the buffer has 16 floats to spare).
float* aligned_xe(ConvScratch& t) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(t.xe.data());
  return t.xe.data() + ((64 - a % 64) % 64) / sizeof(float);
}

// The image expanded into the current slot (always by the forward; the backward of the same image
// reuses it), and the tap tables: tap (kh, kw) of residue j reads residue (j + kw) % pool,
// (j + kw) / pool pixels in.
void expand_image(ConvScratch& t, const float* x, const ConvStage& s, bool forward) {
  float* xe = aligned_xe(t) + t.slot * s.pool * s.in_h * t.ldxe;
  if (forward || t.expanded[t.slot] != x) simd().expand_residues(xe, t.ldxe, x, s.in_h, s.in_w, s.pool, s.out_c);
  t.expanded[t.slot] = x;
  const long p = s.pool, k = s.k;
  for (long j = 0; j < p; ++j)
    for (long kh = 0; kh < k; ++kh)
      for (long kw = 0; kw < k; ++kw)
        t.src[(j * k + kh) * k + kw] = xe + (((j + kw) % p) * s.in_h + kh) * t.ldxe + ((j + kw) / p) * s.out_c;
}

ConvLanesTaps lanes_desc(const PackedConv& w, const ConvStage& s, const ConvScratch& t, long j) {
  ConvLanesTaps c{};
  c.src = t.src.data() + j * s.k * s.k;
  c.ld = t.ldxe;
  c.fpat = w.fpat.data();
  c.bpat = w.bpat.data();
  c.np = w.lanes_np;
  c.ntaps = s.k * s.k;
  c.k = s.k;  // src[kh*k + kw] = src[kw] + kh*ld (expand_image)
  c.len = s.pw * s.out_c;
  return c;
}

// The fast path's conv output keeps each residue j = ow % pool apart: z[j][oh][pw][co], so that
// a pooling window's cells are p^2 contiguous runs of pw*out_c floats.
long residue_index(const ConvStage& s, long j, long oh) { return (j * s.used_h() + oh) * s.pw * s.out_c; }

}  // namespace

void pack_conv(PackedConv& p, const ConvStage& s, const float* f, const float* b, long width, bool reference,
               bool input_grad) {
  const long co = s.out_c, taps = s.taps();
  p.width = width;
  p.reference = reference;
  p.f = f;
  p.b = b;
  p.lanes_np = 0;
  if (reference) {
    p.grad_layout = kGradTfjs;
    p.acc_size = taps * co;
    return;
  }
  if (s.in_c == 1 && co % width != 0) {
    const long np = lcm_vectors(width, co);
    if (np <= 4) p.lanes_np = np;
  }
  if (p.lanes_np > 0) {
    const long pw = p.lanes_np * width, kk = s.k * s.k;
    p.fpat.resize(kk * pw);
    p.bpat.resize(pw);
    for (long t = 0; t < kk; ++t)
      for (long i = 0; i < pw; ++i) p.fpat[t * pw + i] = f[t * co + i % co];
    for (long i = 0; i < pw; ++i) p.bpat[i] = b[i % co];
    p.grad_layout = kGradLanes;
    p.acc_size = kk * pw;
  } else {
    p.ldb = round_up(co, width);
    p.fpack.resize(taps * p.ldb);
    p.bpack.resize(p.ldb);
    for (long t = 0; t < taps; ++t) {
      std::copy(f + t * co, f + t * co + co, p.fpack.begin() + t * p.ldb);
      std::fill(p.fpack.begin() + t * p.ldb + co, p.fpack.begin() + (t + 1) * p.ldb, 0.0f);
    }
    std::copy(b, b + co, p.bpack.begin());
    std::fill(p.bpack.begin() + co, p.bpack.end(), 0.0f);
    p.grad_layout = kGradSparse;
  }
  p.segpad = round_up(s.k * s.in_c, width);
  if (p.grad_layout == kGradSparse) p.acc_size = co * s.k * p.segpad;
  if (input_grad) {
    const long seg = s.k * s.in_c;
    p.ft.resize(co * s.k * p.segpad);
    for (long c = 0; c < co; ++c)
      for (long kh = 0; kh < s.k; ++kh) {
        float* dst = p.ft.data() + (c * s.k + kh) * p.segpad;
        for (long i = 0; i < seg; ++i) dst[i] = f[(kh * seg + i) * co + c];
        std::fill(dst + seg, dst + p.segpad, 0.0f);
      }
  }
}

void size_conv_scratch(ConvScratch& t, const ConvStage& s, long max_width, long slots) {
  t.ldxe = expanded_row(s, max_width);
  t.slots = slots;
  t.slot = 0;
  t.expanded.assign(slots, nullptr);
  // the lanes path needs lcm(width, out_c) <= 4 widths, so out_c <= 64
  const bool lanes = s.in_c == 1 && s.out_c <= 64;
  t.xe.assign(lanes ? slots * s.pool * s.in_h * t.ldxe + 16 : 0, 0.0f);
  t.src.assign(lanes ? s.pool * s.k * s.k : 0, nullptr);
  t.z.assign(s.z_size(), 0.0f);
  t.a.assign(s.z_size(), 0.0f);
  t.g.assign(s.y_size(), 0.0f);
  t.at.assign(s.y_size(), 0);
  t.order.assign(s.y_size(), 0);
  t.starts.assign(s.ph * s.pw * (s.pool * s.pool + 1), 0);
  t.xpad.assign(s.in_c == 1 ? s.x_size() + max_width : 0, 0.0f);
  t.off.assign(s.pool * s.pool, 0);
  t.rowsum.assign(s.pw * s.out_c, 0.0f);
  t.slot_at.assign(s.pool * s.pool, 0);
}

void conv_stage_forward(float* y, float* d, int32_t* win, const float* x, const PackedConv& w, const ConvStage& s,
                        ConvScratch& t) {
  const SimdTable& tb = simd();
  const long p = s.pool, uh = s.used_h(), len = s.pw * s.out_c;
  float* z = t.z.data();
  if (w.lanes_np > 0) {
    expand_image(t, x, s, true);
    for (long j = 0; j < p; ++j) {
      const ConvLanesTaps c = lanes_desc(w, s, t, j);
      tb.lanes_taps_forward(c, z + residue_index(s, j, 0), 0, uh);
    }
  } else {
    ConvRows c{};
    c.x = x;
    c.in_w = s.in_w;
    c.cin = s.in_c;
    c.k = s.k;
    c.pool = p;
    c.f = w.fpack.data();
    c.bias = w.bpack.data();
    c.ldb = w.ldb;
    c.n = s.out_c;
    c.z = z;
    c.ldz = s.out_c;
    c.uh = uh;
    c.pw = s.pw;
    tb.conv_rows_forward(c);
  }
  // sigmoid, tanh and elu take their derivative from the output alone, and relu's from the output as
  // well as the input (x > 0 exactly where relu(x) > 0, NaN where NaN): those activate in place
  const bool from_output = s.act == kActSigmoid || s.act == kActTanh || s.act == kActElu || s.act == kActRelu;
  float* a = from_output ? z : t.a.data();
  tb.act_forward(a, z, s.z_size(), s.act);
  for (long ph = 0; ph < s.ph; ++ph) {
    for (long i = 0; i < p; ++i)
      for (long j = 0; j < p; ++j) t.off[i * p + j] = residue_index(s, j, ph * p + i);
    tb.pool_max(y + ph * len, d + ph * len, win + ph * len, a, z, t.off.data(), p * p, len);
  }
  tb.act_derivative(d, d, y, s.y_size(), s.act);
}

void conv_stage_backward(float* dfacc, float* db, float* dx, const float* x, const float* dy, const float* d,
                         const int32_t* win, const PackedConv& w, const ConvStage& s, ConvScratch& t) {
  const SimdTable& tb = simd();
  const long n = s.y_size(), co = s.out_c, p = s.pool, uh = s.used_h();
  float* __restrict g = t.g.data();
  for (long i = 0; i < n; ++i) g[i] = dy[i] * d[i];
  // the bias gradient: the pooled rows summed lane by lane, then each row's pixels folded
  const long len = s.pw * co;
  float* __restrict rows = t.rowsum.data();
  std::copy(g, g + len, rows);
  for (long ph = 1; ph < s.ph; ++ph)
    for (long i = 0; i < len; ++i) rows[i] += g[ph * len + i];
  for (long pw = 0; pw < s.pw; ++pw)
    for (long c = 0; c < co; ++c) db[c] += rows[pw * co + c];
  // each winner's window: its input offset (top-left pixel)
  for (long i = 0; i < p; ++i)
    for (long j = 0; j < p; ++j) t.slot_at[i * p + j] = (i * s.in_w + j) * s.in_c;
  const long places = p * p;
  if (w.grad_layout == kGradSparse || dx != nullptr) {
    for (long ph = 0; ph < s.ph; ++ph)
      for (long pw = 0; pw < s.pw; ++pw) {
        const long o = (ph * s.pw + pw) * co, base = (ph * p * s.in_w + pw * p) * s.in_c;
        for (long c = 0; c < co; ++c) t.at[o + c] = static_cast<int32_t>(base + t.slot_at[win[o + c]]);
      }
  }
  if (dx != nullptr) {
    // each output's channels grouped by the place of their winner, in channel order within a place
    for (long px = 0; px < s.ph * s.pw; ++px) {
      const long o = px * co;
      int32_t* starts = t.starts.data() + px * (places + 1);
      std::fill(starts, starts + places + 1, 0);
      for (long c = 0; c < co; ++c) ++starts[win[o + c] + 1];
      for (long w = 0; w < places; ++w) starts[w + 1] += starts[w];
      for (long c = 0; c < co; ++c) t.order[o + starts[win[o + c]]++] = static_cast<int32_t>(c);  // counts to ends
      for (long w = places; w > 0; --w) starts[w] = starts[w - 1];
      starts[0] = 0;
    }
  }
  SparseConv sc{};
  sc.x = x;
  sc.in_w = s.in_w;
  sc.cin = s.in_c;
  sc.k = s.k;
  sc.segpad = w.segpad;
  sc.g = g;
  sc.at = t.at.data();
  sc.order = t.order.data();
  sc.starts = t.starts.data();
  sc.n = s.ph * s.pw;
  sc.cout = co;
  sc.windows = places;
  if (w.grad_layout == kGradLanes) {
    // the conv-output gradient is g where a place won, 0 elsewhere: formed in the kernel's registers
    expand_image(t, x, s, false);
    for (long j = 0; j < p; ++j) {
      ConvLanesTaps c = lanes_desc(w, s, t, j);
      c.win_g = g;
      c.win = win;
      c.pool = p;
      c.j = j;
      tb.lanes_taps_filter(c, nullptr, 0, uh, dfacc);
    }
  } else {
    if (!t.xpad.empty()) {  // the windows' vector loads may reach past a first layer's image
      std::copy(x, x + s.x_size(), t.xpad.begin());
      sc.x = t.xpad.data();
    }
    tb.sparse_filter(sc, dfacc);
  }
  if (dx == nullptr) return;
  std::fill(dx, dx + s.x_size(), 0.0f);
  tb.sparse_input(sc, w.ft.data(), dx);
}

void conv_filter_gradient_to_tfjs(float* df, const float* acc, const PackedConv& w, const ConvStage& s) {
  const long co = s.out_c, kk = s.k * s.k;
  if (w.grad_layout == kGradTfjs) {
    std::copy(acc, acc + s.taps() * co, df);
  } else if (w.grad_layout == kGradLanes) {
    const long pw = w.lanes_np * w.width;
    std::fill(df, df + kk * co, 0.0f);
    for (long q = 0; q < kk; ++q)
      for (long i = 0; i < pw; ++i) df[q * co + i % co] += acc[q * pw + i];
  } else {
    const long seg = s.k * s.in_c;
    for (long c = 0; c < co; ++c)
      for (long kh = 0; kh < s.k; ++kh)
        for (long i = 0; i < seg; ++i) df[(kh * seg + i) * co + c] = acc[(c * s.k + kh) * w.segpad + i];
  }
}

// ---- dense -----------------------------------------------------------------------------------

void dense_forward(float* y, float* d, const float* x, const PackedDense& w, long rows, long in, long out, int act) {
  const SimdTable& tb = simd();
  float* z = d != nullptr ? d : y;
  tb.dense_rows(z, out, x, in, rows, in, w.wsrc, out, out, w.bsrc);
  if (act < 0) return;
  tb.act_forward(y, z, rows * out, act);
  if (d != nullptr) tb.act_derivative(d, d, y, rows * out, act);
}

void dense_backward_input(float* dx, const float* dy, const float* dscale, const PackedDense& w, long rows, long in,
                          long out) {
  simd().dense_rows(dx, in, dy, out, rows, out, w.wt.data(), w.ldi, in, nullptr);
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
