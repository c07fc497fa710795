// Conv2D forward and its two gradients, NHWC, any stride, explicit padding, dilation 1.
// All three are one of the two products of simd.h ("implicit GEMM", no im2col buffer):
//   forward          y[p][co]  = sum_k  xwin(p)[k] * f[k][co]        k = (kh, kw, ci)
//   backward input   dx[q][ci] = sum_k' dwin(q)[k'] * frot[k'][ci]   a stride-1 valid conv
//                    of the zero-stuffed, padded dy with the flipped filter
//   backward filter  df[k][co] = sum_p  xwin(p)[k] * dy[p][co]       (reduction over pixels)
// In NHWC a filter row of the window, (kw, ci), is fw*Cin contiguous floats: one SegMap segment.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu.h"
#include "gemm.h"
#include "kernels.h"
#include "threadpool.h"

namespace lenet {
namespace {

// x zero-padded so that every window of a valid conv is in bounds.
struct PaddedInput {
  const float* data;
  long h, w;
  std::vector<float> storage;
};

PaddedInput pad_input(const float* x, const ConvGeom& g) {
  const long hp = (g.out_h - 1) * g.stride_h + g.filter_h;
  const long wp = (g.out_w - 1) * g.stride_w + g.filter_w;
  if (g.pad_top == 0 && g.pad_left == 0 && hp <= g.in_h && wp <= g.in_w) {
    return PaddedInput{x, g.in_h, g.in_w, {}};
  }
  PaddedInput p{nullptr, hp, wp, std::vector<float>(static_cast<size_t>(g.batch * hp * wp * g.in_c), 0.0f)};
  const long c = g.in_c;
  for (long b = 0; b < g.batch; ++b) {
    for (long i = 0; i < hp; ++i) {
      const long ih = i - g.pad_top;
      if (ih < 0 || ih >= g.in_h) continue;
      for (long j = 0; j < wp; ++j) {
        const long iw = j - g.pad_left;
        if (iw < 0 || iw >= g.in_w) continue;
        std::memcpy(&p.storage[((b * hp + i) * wp + j) * c], x + ((b * g.in_h + ih) * g.in_w + iw) * c,
                    sizeof(float) * c);
      }
    }
  }
  p.data = p.storage.data();
  return p;
}

// ---- one input channel with (ow, co) in the vector lanes (ConvLanes in simd.h) ----------
// Used when Cin = 1, stride 1 along w and Cout is not a multiple of the vector width (the
// channels-in-lanes products would leave lanes idle: LeNet's first layer has 6 channels).

// np = lcm(W, cout) / W, or 0 when the lanes layout does not apply (or would not help).
long lanes_patterns(const ConvGeom& g) {
  const long w = simd().width, cout = g.out_c;
  if (g.in_c != 1 || g.stride_w != 1 || cout % w == 0) return 0;
  long a = w, b = cout;
  while (b != 0) {
    const long r = a % b;
    a = b;
    b = r;
  }
  const long np = cout / a;  // lcm(w, cout) / w
  return np <= 4 ? np : 0;
}

// Expanded image rows: xe[i][iw*cout + co] = xp[i][iw] for one (padded) image of [hp][wp].
struct Expanded {
  std::vector<float> data;
  long ld;
};

Expanded make_expanded(long hp, long wp, long cout) {
  const long w = simd().width;
  Expanded e;
  e.ld = wp * cout + std::max<long>(w, 8);  // loads reach W floats past a row; the stores below 8
  e.data.assign(static_cast<size_t>(hp * e.ld), 0.0f);
  return e;
}

void expand_image(Expanded& e, const float* xp, long hp, long wp, long cout) {
  for (long i = 0; i < hp; ++i) {
    float* row = e.data.data() + i * e.ld;
    const float* src = xp + i * wp;
    if (cout <= 8) {
      // 8 copies per pixel, each store's tail overwritten by the next pixel's (one vector store)
      for (long iw = 0; iw < wp; ++iw) {
        const float v = src[iw];
        float* d = row + iw * cout;
        for (int k = 0; k < 8; ++k) d[k] = v;
      }
    } else {
      for (long iw = 0; iw < wp; ++iw)
        for (long co = 0; co < cout; ++co) row[iw * cout + co] = src[iw];
    }
    std::fill(row + wp * cout, row + e.ld, 0.0f);
  }
}

// [fh*fw][np*W]: pattern[t][i] = v[t*cout + i % cout]
std::vector<float> lane_pattern(const float* v, long taps, long cout, long np) {
  const long pw = np * simd().width;
  std::vector<float> p(static_cast<size_t>(taps * pw));
  for (long t = 0; t < taps; ++t)
    for (long i = 0; i < pw; ++i) p[t * pw + i] = v[t * cout + i % cout];
  return p;
}

ConvLanes lanes_desc(const ConvGeom& g, long np, long ldxe) {
  ConvLanes c{};
  c.ldxe = ldxe;
  c.np = np;
  c.fh = g.filter_h;
  c.fw = g.filter_w;
  c.cout = g.out_c;
  c.len = g.out_w * g.out_c;
  c.stride_h = g.stride_h;
  c.act = kLinear;
  return c;
}

// images per task: a fixed function of the batch (at most 16 tasks)
long images_per_task(long batch) { return std::max<long>(1, (batch + 15) / 16); }

void forward_lanes(float* y, const PaddedInput& xp, const float* f, const float* bias, int act, const ConvGeom& g,
                   long np) {
  const long cout = g.out_c;
  const std::vector<float> fpat = lane_pattern(f, g.filter_h * g.filter_w, cout, np);
  const std::vector<float> bpat = bias ? lane_pattern(bias, 1, cout, np) : std::vector<float>();
  const SimdTable& t = simd();
  const long per_task = images_per_task(g.batch);
  const long ntasks = (g.batch + per_task - 1) / per_task;
  const long img_y = g.out_h * g.out_w * cout;
  auto task = [&](int i) {
    Expanded e = make_expanded(xp.h, xp.w, cout);
    ConvLanes c = lanes_desc(g, np, e.ld);
    c.xe = e.data.data();
    c.fpat = fpat.data();
    c.bpat = bias ? bpat.data() : nullptr;
    c.act = act;
    const long b1 = std::min(g.batch, (i + 1) * per_task);
    for (long b = i * per_task; b < b1; ++b) {
      expand_image(e, xp.data + b * xp.h * xp.w, xp.h, xp.w, cout);
      t.conv_lanes_forward(c, y + b * img_y, 0, g.out_h);
    }
  };
  if (ntasks == 1) task(0);
  else parallel_for(static_cast<int>(ntasks), task);
}

void filter_lanes(float* df, const PaddedInput& xp, const float* dy, const ConvGeom& g, long np) {
  const long cout = g.out_c, taps = g.filter_h * g.filter_w;
  const long pw = np * simd().width;
  const SimdTable& t = simd();
  const long per_task = images_per_task(g.batch);
  const long ntasks = (g.batch + per_task - 1) / per_task;
  const long img_dy = g.out_h * g.out_w * cout;
  std::vector<float> partial(static_cast<size_t>(ntasks * taps * pw), 0.0f);  // per task, added in task order
  auto task = [&](int i) {
    Expanded e = make_expanded(xp.h, xp.w, cout);
    ConvLanes c = lanes_desc(g, np, e.ld);
    c.xe = e.data.data();
    const long b1 = std::min(g.batch, (i + 1) * per_task);
    for (long b = i * per_task; b < b1; ++b) {
      expand_image(e, xp.data + b * xp.h * xp.w, xp.h, xp.w, cout);
      t.conv_lanes_filter(c, dy + b * img_dy, 0, g.out_h, partial.data() + i * taps * pw);
    }
  };
  if (ntasks == 1) task(0);
  else parallel_for(static_cast<int>(ntasks), task);
  // df[t][co] = sum over tasks, then over the lanes i of the pattern with i % cout == co
  for (long k = 0; k < taps; ++k) {
    float* d = df + k * cout;
    std::fill(d, d + cout, 0.0f);
    for (long i = 0; i < pw; ++i) {
      float s = 0.0f;
      for (long task_i = 0; task_i < ntasks; ++task_i) s += partial[(task_i * taps + k) * pw + i];
      d[i % cout] += s;
    }
  }
}

}  // namespace

void conv2d_forward(float* y, const float* x, const float* f, const float* bias, int act, const ConvGeom& g) {
  const PaddedInput xp = pad_input(x, g);
  if (const long np = lanes_patterns(g)) {
    forward_lanes(y, xp, f, bias, act, g, np);
    return;
  }
  const long cin = g.in_c, cout = g.out_c;
  const long K = g.filter_h * g.filter_w * cin;
  const long ldb = padded_width(cout);
  const std::vector<float> fpack = pack_b(f, K, cout, false, ldb);
  std::vector<float> bpad;
  if (bias) {
    bpad.assign(static_cast<size_t>(ldb), 0.0f);
    std::copy(bias, bias + cout, bpad.begin());
  }
  GemmNN nn{};
  nn.a = xp.data;
  nn.rows = RowMap{g.batch, g.out_h, g.out_w, xp.h * xp.w * cin, g.stride_h * xp.w * cin, g.stride_w * cin};
  nn.k = SegMap{g.filter_h, g.filter_w * cin, xp.w * cin};
  nn.b = fpack.data();
  nn.ldb = ldb;
  nn.n = cout;
  nn.c = y;
  nn.ldc = cout;
  nn.bias = bias ? bpad.data() : nullptr;
  nn.act = act;
  run_gemm_nn(nn, g.batch * g.out_h * g.out_w);
}

namespace {

// dx image by image: G = dy_b * f^T ([OH*OW][fh*fw*Cin], a plain product with all of
// fh*fw*Cin in the vector lanes), then col2im: each G row adds into its window of dx.
// Better than the flipped-filter conv when Cin is narrower than a vector (LeNet's 6).
void backward_input_col2im(float* dx, const float* dy, const float* f, const ConvGeom& g) {
  const long fh = g.filter_h, fw = g.filter_w, cin = g.in_c, cout = g.out_c;
  const long K = fh * fw * cin, P = g.out_h * g.out_w;
  const long ldb = padded_width(K);
  const std::vector<float> ft = pack_b(f, cout, K, true, ldb);  // ft[co][k] = f[k][co]
  const SimdTable& t = simd();
  const long img = g.in_h * g.in_w * cin;
  // images per task: enough tasks to share, few enough that each G buffer is reused
  const long per_task = std::max<long>(1, std::min<long>(8192 / std::max<long>(1, P), (g.batch + 7) / 8));
  const long ntasks = (g.batch + per_task - 1) / per_task;
  auto task = [&](int i) {
    std::vector<float> G(static_cast<size_t>(P * ldb));
    const long b1 = std::min(g.batch, (i + 1) * per_task);
    for (long b = i * per_task; b < b1; ++b) {
      GemmNN nn{};
      nn.a = dy + b * P * cout;
      nn.rows = RowMap{1, 1, P, 0, 0, cout};
      nn.k = SegMap{1, cout, 0};
      nn.b = ft.data();
      nn.ldb = ldb;
      nn.n = K;
      nn.c = G.data();
      nn.ldc = ldb;
      nn.bias = nullptr;
      nn.act = kLinear;
      t.gemm_nn(nn, 0, P);
      float* dxb = dx + b * img;
      std::fill(dxb, dxb + img, 0.0f);
      for (long oh = 0; oh < g.out_h; ++oh)
        for (long ow = 0; ow < g.out_w; ++ow) {
          const long iw0 = ow * g.stride_w - g.pad_left;
          const long kw0 = std::max<long>(0, -iw0), kw1 = std::min<long>(fw, g.in_w - iw0);
          if (kw0 >= kw1) continue;
          const float* grow = G.data() + (oh * g.out_w + ow) * ldb;
          for (long kh = 0; kh < fh; ++kh) {
            const long ih = oh * g.stride_h - g.pad_top + kh;
            if (ih < 0 || ih >= g.in_h) continue;
            float* __restrict d = dxb + (ih * g.in_w + iw0 + kw0) * cin;
            const float* __restrict s = grow + (kh * fw + kw0) * cin;
            const long len = (kw1 - kw0) * cin;
            for (long j = 0; j < len; ++j) d[j] += s[j];
          }
        }
    }
  };
  if (ntasks == 1) task(0);
  else parallel_for(static_cast<int>(ntasks), task);
}

// One input channel, stride 1 along w (a first layer, whose input gradient tfjs' fused
// conv2d computes even though nothing uses it): the transposed product
// G^T[k][p] = sum_co f[k][co] * dy[p][co] puts output pixels in the vector lanes, and the
// col2im adds then run along image rows, contiguous in both G^T and dx.
void backward_input_single_channel(float* dx, const float* dy, const float* f, const ConvGeom& g) {
  const long fh = g.filter_h, fw = g.filter_w, cout = g.out_c;
  const long K = fh * fw, P = g.out_h * g.out_w;
  const long ldb = padded_width(P);
  const SimdTable& t = simd();
  const long img = g.in_h * g.in_w;
  const long per_task = std::max<long>(1, (g.batch + 15) / 16);
  const long ntasks = (g.batch + per_task - 1) / per_task;
  auto task = [&](int i) {
    std::vector<float> dyt(static_cast<size_t>(cout * ldb), 0.0f), gt(static_cast<size_t>(K * ldb));
    const long b1 = std::min(g.batch, (i + 1) * per_task);
    for (long b = i * per_task; b < b1; ++b) {
      const float* dyb = dy + b * P * cout;
      for (long p = 0; p < P; ++p)
        for (long co = 0; co < cout; ++co) dyt[co * ldb + p] = dyb[p * cout + co];
      GemmNN nn{};
      nn.a = f;  // [K][cout]
      nn.rows = RowMap{1, 1, K, 0, 0, cout};
      nn.k = SegMap{1, cout, 0};
      nn.b = dyt.data();
      nn.ldb = ldb;
      nn.n = P;
      nn.c = gt.data();
      nn.ldc = ldb;
      nn.bias = nullptr;
      nn.act = kLinear;
      t.gemm_nn(nn, 0, K);
      float* dxb = dx + b * img;
      std::fill(dxb, dxb + img, 0.0f);
      for (long kh = 0; kh < fh; ++kh)
        for (long kw = 0; kw < fw; ++kw) {
          const long ow0 = std::max<long>(0, g.pad_left - kw);
          const long ow1 = std::min<long>(g.out_w, g.in_w + g.pad_left - kw);
          if (ow0 >= ow1) continue;
          const float* grow = gt.data() + (kh * fw + kw) * ldb;
          for (long oh = 0; oh < g.out_h; ++oh) {
            const long ih = oh * g.stride_h - g.pad_top + kh;
            if (ih < 0 || ih >= g.in_h) continue;
            float* __restrict d = dxb + ih * g.in_w + (ow0 - g.pad_left + kw);
            const float* __restrict s = grow + oh * g.out_w + ow0;
            for (long j = 0; j < ow1 - ow0; ++j) d[j] += s[j];
          }
        }
    }
  };
  if (ntasks == 1) task(0);
  else parallel_for(static_cast<int>(ntasks), task);
}

}  // namespace

void conv2d_backward_input(float* dx, const float* dy, const float* f, const ConvGeom& g) {
  if (g.in_c == 1 && g.stride_w == 1) {
    backward_input_single_channel(dx, dy, f, g);
    return;
  }
  const long fh = g.filter_h, fw = g.filter_w, cin = g.in_c, cout = g.out_c;
  // vector-lane work of the two ways (col2im adds counted once per element)
  const long w = simd().width;
  const double flipped = double(g.in_h * g.in_w) * fh * fw * cout * padded_width(cin);
  const double col2im = double(g.out_h * g.out_w) * (cout * padded_width(fh * fw * cin) + fh * fw * cin);
  if (col2im < flipped && fh * fw * cin <= 4096 * w) {
    backward_input_col2im(dx, dy, f, g);
    return;
  }
  // dpad[b][t][u] = dy[b][oh][ow] at t = oh*sh + fh-1-pad_top, u = ow*sw + fw-1-pad_left, else 0
  const long hq = g.in_h + fh - 1, wq = g.in_w + fw - 1;
  std::vector<float> dpad(static_cast<size_t>(g.batch * hq * wq * cout));
  auto fill_image = [&](int b) {
    float* img = dpad.data() + b * hq * wq * cout;
    std::fill(img, img + hq * wq * cout, 0.0f);
    for (long oh = 0; oh < g.out_h; ++oh) {
      const long t = oh * g.stride_h + fh - 1 - g.pad_top;
      if (t < 0 || t >= hq) continue;
      for (long ow = 0; ow < g.out_w; ++ow) {
        const long u = ow * g.stride_w + fw - 1 - g.pad_left;
        if (u < 0 || u >= wq) continue;
        std::memcpy(img + (t * wq + u) * cout, dy + ((b * g.out_h + oh) * g.out_w + ow) * cout, sizeof(float) * cout);
      }
    }
  };
  if (g.batch * hq * wq * cout < 65536) {
    for (long b = 0; b < g.batch; ++b) fill_image(static_cast<int>(b));
  } else {
    parallel_for(static_cast<int>(g.batch), fill_image);
  }
  // frot[kh][kw][co][ci] = f[fh-1-kh][fw-1-kw][ci][co]
  const long K = fh * fw * cout;
  const long ldb = padded_width(cin);
  std::vector<float> frot(static_cast<size_t>(K * ldb), 0.0f);
  for (long kh = 0; kh < fh; ++kh)
    for (long kw = 0; kw < fw; ++kw)
      for (long co = 0; co < cout; ++co)
        for (long ci = 0; ci < cin; ++ci)
          frot[((kh * fw + kw) * cout + co) * ldb + ci] =
              f[(((fh - 1 - kh) * fw + (fw - 1 - kw)) * cin + ci) * cout + co];
  GemmNN nn{};
  nn.a = dpad.data();
  nn.rows = RowMap{g.batch, g.in_h, g.in_w, hq * wq * cout, wq * cout, cout};
  nn.k = SegMap{fh, fw * cout, wq * cout};
  nn.b = frot.data();
  nn.ldb = ldb;
  nn.n = cin;
  nn.c = dx;
  nn.ldc = cin;
  nn.bias = nullptr;
  nn.act = kLinear;
  run_gemm_nn(nn, g.batch * g.in_h * g.in_w);
}

void conv2d_backward_filter(float* df, const float* x, const float* dy, const ConvGeom& g) {
  const PaddedInput xp = pad_input(x, g);
  if (const long np = lanes_patterns(g)) {
    filter_lanes(df, xp, dy, g, np);
    return;
  }
  const long cin = g.in_c, cout = g.out_c;
  const long P = g.batch * g.out_h * g.out_w;
  GemmTN tn{};
  tn.a = xp.data;
  tn.rows = RowMap{g.batch, g.out_h, g.out_w, xp.h * xp.w * cin, g.stride_h * xp.w * cin, g.stride_w * cin};
  tn.m = SegMap{g.filter_h, g.filter_w * cin, xp.w * cin};
  tn.b = dy;
  tn.ldb = cout;
  tn.blen = P * cout;
  tn.n = cout;
  run_gemm_tn(tn, P, g.filter_h * g.filter_w * cin, df, cout);
}

// ---- naive references (tests compare the fast paths against these) ---------------------

void conv2d_forward_reference(float* y, const float* x, const float* f, const float* bias, int act, const ConvGeom& g) {
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

void conv2d_backward_input_reference(float* dx, const float* dy, const float* f, const ConvGeom& g) {
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

void conv2d_backward_filter_reference(float* df, const float* x, const float* dy, const ConvGeom& g) {
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

}  // namespace lenet
