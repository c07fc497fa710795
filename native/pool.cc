// MaxPool forward and backward, NHWC. Padding cells are skipped (never win), as in tfjs.
// Backward routes each dy to the first maximum of its window in row-major window order
// (strict >), the rule of tfjs-backend-cpu's maxPoolPositions; overlapping windows add.
#include <algorithm>
#include <limits>
#include <vector>

#include "kernels.h"
#include "threadpool.h"

namespace lenet {
namespace {

void run_rows(long nrows, long work_per_row, const std::function<void(long, long)>& fn) {
  const long rows = std::max<long>(1, 32768 / std::max<long>(1, work_per_row));
  const long ntasks = (nrows + rows - 1) / rows;
  if (ntasks <= 1) {
    fn(0, nrows);
    return;
  }
  parallel_for(static_cast<int>(ntasks), [&](int i) {
    const long r0 = i * rows;
    fn(r0, std::min(nrows, r0 + rows));
  });
}

}  // namespace

void maxpool_forward(float* y, const float* x, const PoolGeom& g) {
  const long C = g.channels;
  // one task row = one output row (b, oh)
  run_rows(g.batch * g.out_h, g.out_w * g.filter_h * g.filter_w * C, [&](long r0, long r1) {
    std::vector<float> best(static_cast<size_t>(C));
    for (long r = r0; r < r1; ++r) {
      const long b = r / g.out_h, oh = r % g.out_h;
      const long h0 = std::max<long>(0, oh * g.stride_h - g.pad_top);
      const long h1 = std::min<long>(g.in_h, oh * g.stride_h - g.pad_top + g.filter_h);
      for (long ow = 0; ow < g.out_w; ++ow) {
        const long w0 = std::max<long>(0, ow * g.stride_w - g.pad_left);
        const long w1 = std::min<long>(g.in_w, ow * g.stride_w - g.pad_left + g.filter_w);
        float* m = best.data();
        std::fill(m, m + C, -std::numeric_limits<float>::infinity());
        for (long ih = h0; ih < h1; ++ih)
          for (long iw = w0; iw < w1; ++iw) {
            const float* px = x + ((b * g.in_h + ih) * g.in_w + iw) * C;
            for (long c = 0; c < C; ++c) m[c] = px[c] > m[c] ? px[c] : m[c];
          }
        std::copy(m, m + C, y + ((b * g.out_h + oh) * g.out_w + ow) * C);
      }
    }
  });
}

void maxpool_backward(float* dx, const float* dy, const float* x, const PoolGeom& g) {
  const long C = g.channels;
  const long img = g.in_h * g.in_w * C;
  // one task row = one image: windows may overlap, and each image's dx is disjoint
  run_rows(g.batch, g.out_h * g.out_w * g.filter_h * g.filter_w * C, [&](long b0, long b1) {
    std::vector<float> best(static_cast<size_t>(C));
    std::vector<long> arg(static_cast<size_t>(C));
    for (long b = b0; b < b1; ++b) {
      std::fill(dx + b * img, dx + (b + 1) * img, 0.0f);
      for (long oh = 0; oh < g.out_h; ++oh) {
        const long h0 = std::max<long>(0, oh * g.stride_h - g.pad_top);
        const long h1 = std::min<long>(g.in_h, oh * g.stride_h - g.pad_top + g.filter_h);
        for (long ow = 0; ow < g.out_w; ++ow) {
          const long w0 = std::max<long>(0, ow * g.stride_w - g.pad_left);
          const long w1 = std::min<long>(g.in_w, ow * g.stride_w - g.pad_left + g.filter_w);
          float* m = best.data();
          long* a = arg.data();
          std::fill(m, m + C, -std::numeric_limits<float>::infinity());
          std::fill(a, a + C, -1L);
          for (long ih = h0; ih < h1; ++ih)
            for (long iw = w0; iw < w1; ++iw) {
              const long off = ((b * g.in_h + ih) * g.in_w + iw) * C;
              const float* px = x + off;
              for (long c = 0; c < C; ++c) {
                const bool win = px[c] > m[c];
                m[c] = win ? px[c] : m[c];
                a[c] = win ? off + c : a[c];
              }
            }
          const float* d = dy + ((b * g.out_h + oh) * g.out_w + ow) * C;
          for (long c = 0; c < C; ++c)
            if (a[c] >= 0) dx[a[c]] += d[c];
        }
      }
    }
  });
}

}  // namespace lenet
