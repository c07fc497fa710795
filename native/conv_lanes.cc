// Convolutions of one input channel (a first layer: LeNet's conv1 is 1 -> 6 channels), whose
// vectors run along output pixels instead of channels: conv.cc's channels-in-lanes products
// would leave most lanes idle when Cout is narrower than a vector or not a multiple of it.
//   forward, filter gradient: an output row's (ow, co) pairs in the lanes (ConvLanes, simd.h)
//   input gradient:           G^T = f * dy^T with output pixels in the lanes, then col2im
#include "conv_lanes.h"

#include <algorithm>
#include <vector>

#include "cpu.h"
#include "gemm.h"
#include "threadpool.h"

namespace lenet {
namespace {

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

ConvLanes lanes_desc(const ConvGeometry& g, long np, long ldxe) {
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

}  // namespace

long lanes_patterns(const ConvGeometry& g) {
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

void conv2d_forward_lanes(float* y, const float* xp, long hp, long wp, const float* f, const float* bias, int act,
                          const ConvGeometry& g, long np) {
  const long cout = g.out_c;
  const std::vector<float> fpat = lane_pattern(f, g.filter_h * g.filter_w, cout, np);
  const std::vector<float> bpat = bias ? lane_pattern(bias, 1, cout, np) : std::vector<float>();
  const SimdTable& t = simd();
  const long per_task = images_per_task(g.batch);
  const long ntasks = (g.batch + per_task - 1) / per_task;
  const long img_y = g.out_h * g.out_w * cout;
  auto task = [&](int i) {
    Expanded e = make_expanded(hp, wp, cout);
    ConvLanes c = lanes_desc(g, np, e.ld);
    c.xe = e.data.data();
    c.fpat = fpat.data();
    c.bpat = bias ? bpat.data() : nullptr;
    c.act = act;
    const long b1 = std::min(g.batch, (i + 1) * per_task);
    for (long b = i * per_task; b < b1; ++b) {
      expand_image(e, xp + b * hp * wp, hp, wp, cout);
      t.conv_lanes_forward(c, y + b * img_y, 0, g.out_h);
    }
  };
  if (ntasks == 1) task(0);
  else parallel_for(static_cast<int>(ntasks), task);
}

void conv2d_backward_filter_lanes(float* df, const float* xp, long hp, long wp, const float* dy, const ConvGeometry& g,
                                  long np) {
  const long cout = g.out_c, taps = g.filter_h * g.filter_w;
  const long pw = np * simd().width;
  const SimdTable& t = simd();
  const long per_task = images_per_task(g.batch);
  const long ntasks = (g.batch + per_task - 1) / per_task;
  const long img_dy = g.out_h * g.out_w * cout;
  std::vector<float> partial(static_cast<size_t>(ntasks * taps * pw), 0.0f);  // per task, added in task order
  auto task = [&](int i) {
    Expanded e = make_expanded(hp, wp, cout);
    ConvLanes c = lanes_desc(g, np, e.ld);
    c.xe = e.data.data();
    const long b1 = std::min(g.batch, (i + 1) * per_task);
    for (long b = i * per_task; b < b1; ++b) {
      expand_image(e, xp + b * hp * wp, hp, wp, cout);
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

// The transposed product G^T[k][p] = sum_co f[k][co] * dy[p][co] puts output pixels in the
// vector lanes, and the col2im adds then run along image rows, contiguous in both G^T and dx.
// (tfjs' fused conv2d computes a first layer's input gradient even though nothing uses it;
// the native backend defers it until read: native-backend-cpu.ts.)
void conv2d_backward_input_single_channel(float* dx, const float* dy, const float* f, const ConvGeometry& g) {
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

}  // namespace lenet
