/**
 * The addon's op codes. The codes live in one table, native/opcodes.h; the addon reports it
 * (`opCodes`) and this side takes every code from that report. What this side knows is which
 * names it expects there: the tfjs kernels the elementwise ops replace, and the fused
 * activations the conv and matmul kernels apply, and the activations, losses and optimizers of the
 * fused training engine (tfjs-layers' and the CLI's names). An addon whose table has other names (a build
 * older or newer than this code) is refused when it loads, rather than run with wrong codes.
 */
export const ACTIVATION_NAMES = ['linear', 'relu'] as const;
export const BINARY_KERNELS = ['Add', 'Sub', 'Multiply', 'RealDiv'] as const;
export const UNARY_KERNELS = ['Relu', 'Step', 'Tanh', 'Sigmoid', 'Sqrt', 'Square', 'Neg', 'Exp', 'Log'] as const;
export const ENGINE_ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'elu', 'selu', 'swish', 'softplus', 'mish'] as const;
export const ENGINE_LOSSES = ['crossentropy', 'paper'] as const;
export const ENGINE_OPTIMIZERS = ['adam', 'sgd', 'momentum'] as const;

export type ActivationName = (typeof ACTIVATION_NAMES)[number];
export type BinaryKernel = (typeof BINARY_KERNELS)[number];
export type UnaryKernel = (typeof UNARY_KERNELS)[number];

/** The table as the addon reports it: name -> code, per group. */
export interface OpCodes {
  activation: Record<ActivationName, number>;
  binary: Record<BinaryKernel, number>;
  unary: Record<UnaryKernel, number>;
  engineActivation: Record<(typeof ENGINE_ACTIVATIONS)[number], number>;
  engineLoss: Record<(typeof ENGINE_LOSSES)[number], number>;
  engineOptimizer: Record<(typeof ENGINE_OPTIMIZERS)[number], number>;
}

const EXPECTED: Record<keyof OpCodes, readonly string[]> = {
  activation: ACTIVATION_NAMES,
  binary: BINARY_KERNELS,
  unary: UNARY_KERNELS,
  engineActivation: ENGINE_ACTIVATIONS,
  engineLoss: ENGINE_LOSSES,
  engineOptimizer: ENGINE_OPTIMIZERS,
};

/**
 * Why a reported table is not the one this side expects (other names in a group, codes that
 * are not distinct integers 0..n-1), or null when it is.
 */
export function opCodesMismatch(reported: unknown): string | null {
  if (reported == null || typeof reported !== 'object') return 'it reports no op-code table';
  const table = reported as Record<string, unknown>;
  for (const [group, names] of Object.entries(EXPECTED)) {
    const codes = table[group];
    if (codes == null || typeof codes !== 'object') return `its op-code table has no "${group}" group`;
    const got = Object.keys(codes).sort();
    const want = [...names].sort();
    if (got.join() !== want.join()) {
      return `its ${group} op codes name ${got.join(', ')} instead of ${want.join(', ')}`;
    }
    const values = Object.values(codes as Record<string, unknown>);
    const distinct = new Set(values);
    if (
      !values.every((v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < names.length) ||
      distinct.size !== values.length
    ) {
      return `its ${group} op codes are not distinct integers 0..${names.length - 1}`;
    }
  }
  return null;
}
