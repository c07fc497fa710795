// MaxPool forward and backward, NHWC. Padding cells are skipped (never win), as in tfjs.
// Backward routes each dy to the first maximum of its window in row-major window order, the
// rule of tfjs-backend-cpu's maxPoolPositions; overlapping windows add. Both are written
// branch-free over channels (random data makes "if (v > best)" mispredict half the time),
// with the channel count a compile-time constant for the LeNet widths.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "cpu.h"
#include "kernels.h"
#include "threadpool.h"

namespace lenet {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

inline uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Pooling splits even two chunks across the pool: its rows are cheap to hand out.
void run_rows(long nrows, long work_per_row, const std::function<void(long, long)>& fn) {
  const long rows = std::max<long>(1, 32768 / std::max<long>(1, work_per_row));
  for_chunks(
      nrows, rows, [&](int64_t r0, int64_t r1) { fn(static_cast<long>(r0), static_cast<long>(r1)); }, 1);
}

// No input cell lies in two windows.
inline bool windows_disjoint(const PoolGeometry& g) { return g.stride_h >= g.filter_h && g.stride_w >= g.filter_w; }

// Every input cell lies in exactly one window (dx needs no zero fill first).
inline bool windows_tile(const PoolGeometry& g) {
  return g.stride_h == g.filter_h && g.stride_w == g.filter_w && g.pad_top == 0 && g.pad_left == 0 &&
         g.out_h * g.stride_h == g.in_h && g.out_w * g.stride_w == g.in_w;
}

struct Window {
  long h0, h1, w0, w1;
};

inline Window window(const PoolGeometry& g, long oh, long ow) {
  return Window{std::max<long>(0, oh * g.stride_h - g.pad_top),
                std::min<long>(g.in_h, oh * g.stride_h - g.pad_top + g.filter_h),
                std::max<long>(0, ow * g.stride_w - g.pad_left),
                std::min<long>(g.in_w, ow * g.stride_w - g.pad_left + g.filter_w)};
}

// y rows r0..r1 (one row = one (b, oh)); CC = channels, or 0 for g.channels
template <int CC>
void forward_rows(float* __restrict y, const float* __restrict x, const PoolGeometry& g, long r0, long r1) {
  const long C = CC ? CC : g.channels;
  float local[CC ? CC : 1];
  std::vector<float> best(CC ? 0 : static_cast<size_t>(C));
  float* __restrict m = CC ? local : best.data();
  for (long r = r0; r < r1; ++r) {
    const long b = r / g.out_h, oh = r % g.out_h;
    for (long ow = 0; ow < g.out_w; ++ow) {
      const Window w = window(g, oh, ow);
      for (long c = 0; c < C; ++c) m[c] = kNegInf;
      for (long ih = w.h0; ih < w.h1; ++ih)
        for (long iw = w.w0; iw < w.w1; ++iw) {
          const float* px = x + ((b * g.in_h + ih) * g.in_w + iw) * C;
          for (long c = 0; c < C; ++c) m[c] = px[c] > m[c] ? px[c] : m[c];
        }
      float* py = y + ((b * g.out_h + oh) * g.out_w + ow) * C;
      for (long c = 0; c < C; ++c) py[c] = m[c];
    }
  }
}

// Per window and channel, everything stays in registers: the max, then a second scan in
// which the first position equal to it takes dy. Scalar but branch-free.
template <int CC>
void backward_images(float* __restrict dx, const float* __restrict dy, const float* __restrict x, const PoolGeometry& g,
                     long b0, long b1) {
  const long C = CC ? CC : g.channels;
  const long img = g.in_h * g.in_w * C;
  const bool disjoint = windows_disjoint(g), tiled = windows_tile(g);
  for (long b = b0; b < b1; ++b) {
    if (!tiled) std::fill(dx + b * img, dx + (b + 1) * img, 0.0f);
    for (long oh = 0; oh < g.out_h; ++oh)
      for (long ow = 0; ow < g.out_w; ++ow) {
        const Window w = window(g, oh, ow);
        const float* d = dy + ((b * g.out_h + oh) * g.out_w + ow) * C;
        const long base = ((b * g.in_h + w.h0) * g.in_w + w.w0) * C;
        const long row = g.in_w * C;
        for (long c = 0; c < C; ++c) {
          float m = kNegInf;
          for (long ih = 0; ih < w.h1 - w.h0; ++ih)
            for (long iw = 0; iw < w.w1 - w.w0; ++iw) m = std::max(m, x[base + ih * row + iw * C + c]);
          // The first position holding m takes dy; a window of -inf/NaN routes nothing (as
          // tfjs). Integer masks on the bit patterns: compilers turn float selects back into
          // branches, which random data mispredicts half the time.
          const uint32_t mb = bits(m);
          uint32_t open = m > kNegInf ? ~0u : 0u;
          const uint32_t db = bits(d[c]);
          for (long ih = 0; ih < w.h1 - w.h0; ++ih)
            for (long iw = 0; iw < w.w1 - w.w0; ++iw) {
              const long off = base + ih * row + iw * C + c;
              const uint32_t hit = open & (0u - static_cast<uint32_t>(bits(x[off]) == mb));
              if (disjoint) dx[off] = from_bits(db & hit);  // each cell in one window at most
              else dx[off] += from_bits(db & hit);
              open &= ~hit;
            }
        }
      }
  }
}

// Channel-vectorised variant for wide fixed channel counts (the compiler keeps CC lanes in
// vector registers, and vector selects stay branch-free).
template <int CC>
void backward_images_vec(float* __restrict dx, const float* __restrict dy, const float* __restrict x,
                         const PoolGeometry& g, long b0, long b1) {
  const long img = g.in_h * g.in_w * CC;
  float m[CC], tk[CC];
  for (long b = b0; b < b1; ++b) {
    std::fill(dx + b * img, dx + (b + 1) * img, 0.0f);
    for (long oh = 0; oh < g.out_h; ++oh)
      for (long ow = 0; ow < g.out_w; ++ow) {
        const Window w = window(g, oh, ow);
        for (int c = 0; c < CC; ++c) m[c] = kNegInf;
        for (long ih = w.h0; ih < w.h1; ++ih)
          for (long iw = w.w0; iw < w.w1; ++iw) {
            const float* px = x + ((b * g.in_h + ih) * g.in_w + iw) * CC;
            for (int c = 0; c < CC; ++c) m[c] = px[c] > m[c] ? px[c] : m[c];
          }
        const float* d = dy + ((b * g.out_h + oh) * g.out_w + ow) * CC;
        for (int c = 0; c < CC; ++c) tk[c] = m[c] > kNegInf ? 0.0f : 1.0f;
        for (long ih = w.h0; ih < w.h1; ++ih)
          for (long iw = w.w0; iw < w.w1; ++iw) {
            const long off = ((b * g.in_h + ih) * g.in_w + iw) * CC;
            for (int c = 0; c < CC; ++c) {
              const float hit = (x[off + c] == m[c] ? 1.0f : 0.0f) * (1.0f - tk[c]);
              dx[off + c] += hit * d[c];
              tk[c] += hit;
            }
          }
      }
  }
}

}  // namespace

void maxpool_forward(float* y, const float* x, const PoolGeometry& g) {
  run_rows(g.batch * g.out_h, g.out_w * g.filter_h * g.filter_w * g.channels, [&](long r0, long r1) {
    switch (g.channels) {
      case 6: forward_rows<6>(y, x, g, r0, r1); break;
      case 16: forward_rows<16>(y, x, g, r0, r1); break;
      default: forward_rows<0>(y, x, g, r0, r1); break;
    }
  });
}

void maxpool_backward(float* dx, const float* dy, const float* x, const PoolGeometry& g) {
  // 2x2 windows tiling the input, channels the vector variants below do not cover (LeNet's 6):
  // lanes along whole input rows (simd.h)
  const long C = g.channels;
  if (windows_tile(g) && g.filter_h == 2 && g.filter_w == 2 && C != 8 && C != 16 && C != 32) {
    const SimdTable& t = simd();
    const long L = g.in_w * C, scratch = 4 * (L + 2 * C + t.width);
    run_rows(g.batch * g.out_h, 4 * L, [&](long r0, long r1) {
      std::vector<float> buf(static_cast<size_t>(scratch));
      t.maxpool2x2_grad(dx, dy, x, C, g.in_w, r0, r1, buf.data());
    });
    return;
  }
  // one task row = one image: windows may overlap, and each image's dx is disjoint
  run_rows(g.batch, g.out_h * g.out_w * g.filter_h * g.filter_w * g.channels, [&](long b0, long b1) {
    switch (g.channels) {
      case 8: backward_images_vec<8>(dx, dy, x, g, b0, b1); break;
      case 16: backward_images_vec<16>(dx, dy, x, g, b0, b1); break;
      case 32: backward_images_vec<32>(dx, dy, x, g, b0, b1); break;
      case 6: backward_images<6>(dx, dy, x, g, b0, b1); break;
      default: backward_images<0>(dx, dy, x, g, b0, b1); break;
    }
  });
}

}  // namespace lenet
