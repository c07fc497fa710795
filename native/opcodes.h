// The op codes JavaScript passes to the addon, in one table. Each entry is
// X(enumerator, name): the name is the one JavaScript sees — the tfjs kernel an elementwise op
// implements, or the tfjs fused activation. The enums below are generated from the table, the
// addon reports the same table (binding.cc: `opCodes`), and src/backend/native-opcodes.ts takes
// its codes from that report (a test checks the two agree).
#pragma once

#define LENET_ACTIVATIONS(X) \
  X(kLinear, "linear")       \
  X(kRelu, "relu")

#define LENET_BINARY_OPS(X) \
  X(kAdd, "Add")            \
  X(kSub, "Sub")            \
  X(kMul, "Multiply")       \
  X(kDiv, "RealDiv")

#define LENET_UNARY_OPS(X) \
  X(kReluOp, "Relu")       \
  X(kStepOp, "Step")       \
  X(kTanhOp, "Tanh")       \
  X(kSigmoidOp, "Sigmoid") \
  X(kSqrtOp, "Sqrt")       \
  X(kSquareOp, "Square")   \
  X(kNegOp, "Neg")         \
  X(kExpOp, "Exp")         \
  X(kLogOp, "Log")

namespace lenet {

#define LENET_ENUMERATOR(id, name) id,
enum Activation { LENET_ACTIVATIONS(LENET_ENUMERATOR) kActivationCount };
enum BinaryOp { LENET_BINARY_OPS(LENET_ENUMERATOR) kBinaryOpCount };
enum UnaryOp { LENET_UNARY_OPS(LENET_ENUMERATOR) kUnaryOpCount };
#undef LENET_ENUMERATOR

// The names, indexed by code.
#define LENET_NAME(id, name) name,
constexpr const char* kActivationNames[] = {LENET_ACTIVATIONS(LENET_NAME)};
constexpr const char* kBinaryOpNames[] = {LENET_BINARY_OPS(LENET_NAME)};
constexpr const char* kUnaryOpNames[] = {LENET_UNARY_OPS(LENET_NAME)};
#undef LENET_NAME

}  // namespace lenet
