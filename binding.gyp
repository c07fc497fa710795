{
  "targets": [
    {
      "target_name": "lenet_native",
      "sources": [
        "native/binding.cc",
        "native/threadpool.cc",
        "native/cpu.cc",
        "native/gemm.cc",
        "native/simd_generic.cc",
        "native/simd_avx2.cc",
        "native/simd_avx512.cc",
        "native/conv.cc",
        "native/conv_lanes.cc",
        "native/pool.cc",
        "native/matmul.cc",
        "native/elementwise.cc",
        "native/reduce.cc",
        "native/adam.cc",
        "native/reference.cc",
        "native/fused_layers.cc",
        "native/fused_reference.cc",
        "native/fused_optim.cc",
        "native/fused_engine.cc",
        "native/fused_binding.cc",
        "native/resize.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-O0"],
      "cflags": ["-O3", "-ffp-contract=fast", "-fno-trapping-math", "-fno-math-errno"],
      "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=fast", "-fno-trapping-math", "-fno-math-errno", "-fexceptions"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CFLAGS": ["-O3", "-ffp-contract=fast", "-fno-trapping-math", "-fno-math-errno"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } }
    }
  ]
}
