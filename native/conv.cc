// Conv2D forward and its two gradients, NHWC, any stride, explicit padding, dilation 1, with
// the channels in the vector lanes. All three are one of the two products of simd.h ("implicit
// GEMM", no im2col buffer):
//   forward          y[p][co]  = sum_k  xwin(p)[k] * f[k][co]        k = (kh, kw, ci)
//   backward input   dx[q][ci] = sum_k' dwin(q)[k'] * frot[k'][ci]   a stride-1 valid conv
//                    of the zero-stuffed, padded dy with the flipped filter (or dy * f^T and col2im)
//   backward filter  df[k][co] = sum_p  xwin(p)[k] * dy[p][co]       (reduction over pixels)
// In NHWC a filter row of the window, (kw, ci), is fw*Cin contiguous floats: one SegMap segment.
// One input channel (a first layer) goes to conv_lanes.cc, which puts output pixels in the lanes.
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv_lanes.h"
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

PaddedInput pad_input(const float* x, const ConvGeometry& g) {
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

}  // namespace

void conv2d_forward(float* y, const float* x, const float* f, const float* bias, int act, const ConvGeometry& g) {
  const PaddedInput xp = pad_input(x, g);
  if (const long np = lanes_patterns(g)) {
    conv2d_forward_lanes(y, xp.data, xp.h, xp.w, f, bias, act, g, np);
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
void backward_input_col2im(float* dx, const float* dy, const float* f, const ConvGeometry& g) {
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

}  // namespace

void conv2d_backward_input(float* dx, const float* dy, const float* f, const ConvGeometry& g) {
  if (single_channel_applies(g)) {
    conv2d_backward_input_single_channel(dx, dy, f, g);
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

void conv2d_backward_filter(float* df, const float* x, const float* dy, const ConvGeometry& g) {
  const PaddedInput xp = pad_input(x, g);
  if (const long np = lanes_patterns(g)) {
    conv2d_backward_filter_lanes(df, xp.data, xp.h, xp.w, dy, g, np);
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

}  // namespace lenet
