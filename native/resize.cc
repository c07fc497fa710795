// The arithmetic of src/data/resize.ts, operation for operation in doubles, rounded once to
// float32 on store. Contraction into fused multiply-adds would change the bits: off here.
#if defined(__clang__)
#pragma clang fp contract(off)
#else
#pragma GCC optimize("fp-contract=off")
#endif
#include "resize.h"

#include <algorithm>
#include <cmath>

namespace lenet {
namespace {

constexpr double kInv255 = 1.0 / 255;

// half-pixel centres, clamped to the edge; the weight rounded to float32 (bilinearTaps)
void taps(long in, long out, std::vector<int32_t>& i0, std::vector<int32_t>& i1, std::vector<double>& w1) {
  i0.resize(out);
  i1.resize(out);
  w1.resize(out);
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (long o = 0; o < out; ++o) {
    double src = (static_cast<double>(o) + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    if (src > static_cast<double>(in - 1)) src = static_cast<double>(in - 1);
    const double lo = std::floor(src);
    i0[o] = static_cast<int32_t>(lo);
    i1[o] = static_cast<int32_t>(std::min<double>(lo + 1, static_cast<double>(in - 1)));
    w1[o] = static_cast<double>(static_cast<float>(src - lo));
  }
}

}  // namespace

bool ImageResizer::configure(long rows, long cols, long size, int mode) {
  if (rows < 1 || cols < 1 || size < 1) return false;
  if (mode == kResizePad && (size < rows || size < cols)) return false;
  rows_ = rows;
  cols_ = cols;
  size_ = size;
  mode_ = mode;
  if (mode == kResizeBilinear) {
    taps(cols, size, x0_, x1_, wx_);
    taps(rows, size, y0_, y1_, wy_);
  } else {
    first_ = ((size - rows) / 2) * size + (size - cols) / 2;
  }
  return true;
}

void ImageResizer::resize(float* out, const uint8_t* image, double* h) const {
  const long n = size_;
  if (mode_ == kResizePad) {
    std::fill(out, out + n * n, 0.0f);
    for (long r = 0; r < rows_; ++r)
      for (long c = 0; c < cols_; ++c)
        out[first_ + r * n + c] = static_cast<float>(static_cast<double>(image[r * cols_ + c]) * kInv255);
    return;
  }
  for (long r = 0; r < rows_; ++r) {
    const uint8_t* src = image + r * cols_;
    double* dst = h + r * n;
    for (long ox = 0; ox < n; ++ox) {
      const double p0 = src[x0_[ox]];
      dst[ox] = p0 + (static_cast<double>(src[x1_[ox]]) - p0) * wx_[ox];
    }
  }
  for (long oy = 0; oy < n; ++oy) {
    const double* r0 = h + y0_[oy] * n;
    const double* r1 = h + y1_[oy] * n;
    const double w = wy_[oy];
    float* o = out + oy * n;
    for (long ox = 0; ox < n; ++ox) {
      const double top = r0[ox];
      o[ox] = static_cast<float>((top + (r1[ox] - top) * w) * kInv255);
    }
  }
}

}  // namespace lenet
