#include "gemm.h"

#include <algorithm>

#include "cpu.h"
#include "threadpool.h"

namespace lenet {

long padded_width(long n) {
  const long w = simd().width;
  return (n + w - 1) / w * w;
}

std::vector<float> pack_b(const float* b, long k, long n, bool transposed, long ldb) {
  std::vector<float> out(static_cast<size_t>(k * ldb), 0.0f);
  for (long i = 0; i < k; ++i) {
    float* row = out.data() + i * ldb;
    if (!transposed) {
      std::copy(b + i * n, b + i * n + n, row);
    } else {
      for (long j = 0; j < n; ++j) row[j] = b[j * k + i];
    }
  }
  return out;
}

void run_gemm_nn(const GemmNN& g, long P) {
  if (P <= 0) return;
  const SimdTable& t = simd();
  const long work = P * g.k.nseg * g.k.seglen * g.ldb;
  // about 256k multiply-adds per task, rows a multiple of 24 (every tile height divides it)
  long rows = std::max<long>(24, (262144 / std::max<long>(1, work / P)) / 24 * 24);
  const long ntasks = (P + rows - 1) / rows;
  if (ntasks == 1) {
    t.gemm_nn(g, 0, P);
    return;
  }
  parallel_for(static_cast<int>(ntasks), [&](int i) {
    const long p0 = i * rows;
    t.gemm_nn(g, p0, std::min(P, p0 + rows));
  });
}

void run_gemm_tn(const GemmTN& g, long P, long M, float* c, long ldc) {
  if (M <= 0) return;
  const SimdTable& t = simd();
  if (P <= 0) {
    for (long m = 0; m < M; ++m) std::fill(c + m * ldc, c + m * ldc + g.n, 0.0f);
    return;
  }
  // The reduction over P is cut into at most 16 chunks of >= 2048 rows; M into blocks of 48.
  const long pchunks = std::clamp<long>(P / 2048, 1, 16);
  const long mblock = 48;
  const long mparts = (M + mblock - 1) / mblock;
  const long n = g.n;
  std::vector<float> partial;
  float* out = c;
  long ldo = ldc;
  if (pchunks > 1) {
    partial.assign(static_cast<size_t>(pchunks * M * n), 0.0f);
    out = partial.data();
    ldo = n;
  }
  auto task = [&](int i) {
    const long pc = i / mparts, mp = i % mparts;
    const long p0 = P * pc / pchunks, p1 = P * (pc + 1) / pchunks;
    const long m0 = mp * mblock, m1 = std::min(M, m0 + mblock);
    float* dst = out + (pc * M + m0) * ldo;
    t.gemm_tn(g, p0, p1, m0, m1, dst, ldo);
  };
  const long ntasks = pchunks * mparts;
  if (ntasks == 1 || P * M * n < 65536) {
    for (long i = 0; i < ntasks; ++i) task(static_cast<int>(i));
  } else {
    parallel_for(static_cast<int>(ntasks), task);
  }
  if (pchunks > 1) {
    for (long m = 0; m < M; ++m) {
      float* dst = c + m * ldc;
      const float* src = partial.data() + m * n;
      std::copy(src, src + n, dst);
      for (long pc = 1; pc < pchunks; ++pc) {
        const float* s = src + pc * M * n;
        for (long j = 0; j < n; ++j) dst[j] += s[j];
      }
    }
  }
}

}  // namespace lenet
