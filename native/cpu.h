// Which vector path runs: detected once, can be forced (tests compare all paths).
#pragma once
#include <string>
#include <vector>

#include "simd.h"

namespace lenet {

const SimdTable& simd();                    // the path in use
std::vector<std::string> cpu_features();    // e.g. {"avx2", "fma", "avx512f"}
std::vector<std::string> available_simd();  // paths this CPU can run, best last
bool force_simd(const std::string& name);   // "" = best available; false if unusable

}  // namespace lenet
