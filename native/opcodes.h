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

// The fused training engine (fused_engine.h): a layer's activation (tfjs-layers' names), the loss
// (src/train/loss.ts) and the optimizer (src/train/optimizer.ts).
#define LENET_ENGINE_ACTIVATIONS(X) \
  X(kActSigmoid, "sigmoid")         \
  X(kActTanh, "tanh")               \
  X(kActRelu, "relu")               \
  X(kActElu, "elu")                 \
  X(kActSelu, "selu")               \
  X(kActSwish, "swish")             \
  X(kActSoftplus, "softplus")       \
  X(kActMish, "mish")

#define LENET_ENGINE_LOSSES(X)         \
  X(kLossCrossentropy, "crossentropy") \
  X(kLossPaper, "paper")

#define LENET_ENGINE_OPTIMIZERS(X) \
  X(kOptAdam, "adam")              \
  X(kOptSgd, "sgd")                \
  X(kOptMomentum, "momentum")

namespace lenet {

#define LENET_ENUMERATOR(id, name) id,
enum Activation { LENET_ACTIVATIONS(LENET_ENUMERATOR) kActivationCount };
enum BinaryOp { LENET_BINARY_OPS(LENET_ENUMERATOR) kBinaryOpCount };
enum UnaryOp { LENET_UNARY_OPS(LENET_ENUMERATOR) kUnaryOpCount };
enum EngineActivation { LENET_ENGINE_ACTIVATIONS(LENET_ENUMERATOR) kEngineActivationCount };
enum EngineLoss { LENET_ENGINE_LOSSES(LENET_ENUMERATOR) kEngineLossCount };
enum EngineOptimizer { LENET_ENGINE_OPTIMIZERS(LENET_ENUMERATOR) kEngineOptimizerCount };
#undef LENET_ENUMERATOR

// The names, indexed by code.
#define LENET_NAME(id, name) name,
constexpr const char* kActivationNames[] = {LENET_ACTIVATIONS(LENET_NAME)};
constexpr const char* kBinaryOpNames[] = {LENET_BINARY_OPS(LENET_NAME)};
constexpr const char* kUnaryOpNames[] = {LENET_UNARY_OPS(LENET_NAME)};
constexpr const char* kEngineActivationNames[] = {LENET_ENGINE_ACTIVATIONS(LENET_NAME)};
constexpr const char* kEngineLossNames[] = {LENET_ENGINE_LOSSES(LENET_NAME)};
constexpr const char* kEngineOptimizerNames[] = {LENET_ENGINE_OPTIMIZERS(LENET_NAME)};
#undef LENET_NAME

}  // namespace lenet
