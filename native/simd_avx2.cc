// AVX2 + FMA: 8-float vectors, 16 registers. Only called when the CPU reports both.
#if defined(__x86_64__)
#pragma GCC target("avx2,fma")
#define LENET_ISA avx2
#define LENET_ISA_NAME "avx2"
#define LENET_W 8
#define LENET_R1 8
#define LENET_R2 6
#define LENET_R3 4
#define LENET_R4 3
#include "simd_impl.h"

namespace lenet {
const SimdTable* simd_table_avx2() { return &avx2::kTable; }
}  // namespace lenet
#else
#include "simd.h"
namespace lenet {
const SimdTable* simd_table_avx2() { return nullptr; }
}  // namespace lenet
#endif
