#include "cpu.h"

namespace lenet {
namespace {

bool has_avx2_fma() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool has_avx512f() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && has_avx2_fma();
#else
  return false;
#endif
}

const SimdTable* best() {
  if (has_avx512f() && simd_table_avx512()) return simd_table_avx512();
  if (has_avx2_fma() && simd_table_avx2()) return simd_table_avx2();
  return simd_table_generic();
}

const SimdTable* g_current = nullptr;

}  // namespace

const SimdTable& simd() {
  if (g_current == nullptr) g_current = best();
  return *g_current;
}

std::vector<std::string> cpu_features() {
  std::vector<std::string> f;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) f.push_back("sse4.2");
  if (__builtin_cpu_supports("avx")) f.push_back("avx");
  if (__builtin_cpu_supports("avx2")) f.push_back("avx2");
  if (__builtin_cpu_supports("fma")) f.push_back("fma");
  if (__builtin_cpu_supports("avx512f")) f.push_back("avx512f");
#elif defined(__aarch64__)
  f.push_back("neon");
#endif
  return f;
}

std::vector<std::string> available_simd() {
  std::vector<std::string> v{"generic"};
  if (has_avx2_fma() && simd_table_avx2()) v.push_back("avx2");
  if (has_avx512f() && simd_table_avx512()) v.push_back("avx512");
  return v;
}

bool force_simd(const std::string& name) {
  if (name.empty()) {
    g_current = best();
    return true;
  }
  if (name == "generic") {
    g_current = simd_table_generic();
    return true;
  }
  if (name == "avx2" && has_avx2_fma() && simd_table_avx2()) {
    g_current = simd_table_avx2();
    return true;
  }
  if (name == "avx512" && has_avx512f() && simd_table_avx512()) {
    g_current = simd_table_avx512();
    return true;
  }
  return false;
}

}  // namespace lenet
