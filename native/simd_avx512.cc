// AVX-512F (+FMA): 16-float vectors, 32 registers. Only called when the CPU reports avx512f.
#if defined(__x86_64__)
#pragma GCC target("avx512f,avx2,fma")
#define LENET_ISA avx512
#define LENET_ISA_NAME "avx512"
#define LENET_W 16
#define LENET_R1 12
#define LENET_R2 8
#define LENET_R3 6
#define LENET_R4 6
#include "simd_impl.h"

namespace lenet {
const SimdTable* simd_table_avx512() { return &avx512::kTable; }
}  // namespace lenet
#else
#include "simd.h"
namespace lenet {
const SimdTable* simd_table_avx512() { return nullptr; }
}  // namespace lenet
#endif
