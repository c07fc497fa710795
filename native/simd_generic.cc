// The portable path: 4-float vectors (SSE2 on x86-64, NEON on arm64, scalar elsewhere).
#define LENET_ISA generic
#define LENET_ISA_NAME "generic"
#define LENET_W 4
#define LENET_R1 8
#define LENET_R2 6
#define LENET_R3 4
#define LENET_R4 3
#include "simd_impl.h"

namespace lenet {
const SimdTable* simd_table_generic() { return &generic::kTable; }
}  // namespace lenet
