/**
 * Adam with one native call per variable: the variable and its two moments are updated in
 * place (no temporaries, no op dispatch). Same constructor, same getWeights()/setWeights()
 * state as tf's AdamOptimizer (checkpoints stay compatible), and the same float32 formula
 * with the same rounding. Only on the 'native' backend (NativeBackendCPU), which knows when
 * an array may be written in place (see privateFloat32); a variable whose buffer is shared
 * (refCount > 1) is updated with tf ops exactly as AdamOptimizer does, and on any other
 * backend the whole update is AdamOptimizer's.
 */
import {
  AdamOptimizer,
  add,
  backend as currentBackend,
  div,
  engine,
  mul,
  sqrt,
  square,
  sub,
  Tensor,
  tidy,
  Variable,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { loadNativeAddon } from './native-addon';
import { NativeBackendCPU } from './native-backend-cpu';

type VariableGradients = Parameters<AdamOptimizer['applyGradients']>[0];

/** The private state of tf's AdamOptimizer this class shares (same names, same format). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: Variable } | undefined>;
  incrementIterations(): void;
}

export class NativeAdamOptimizer extends AdamOptimizer {
  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) {
    super(learningRate, beta1, beta2, epsilon as number);
  }

  override applyGradients(variableGradients: VariableGradients): void {
    const addon = loadNativeAddon();
    const backend = currentBackend();
    if (addon == null || !(backend instanceof NativeBackendCPU)) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const f = Math.fround;
    const accBeta1 = backend.privateFloat32(self.accBeta1.dataId);
    const accBeta2 = backend.privateFloat32(self.accBeta2.dataId);
    if (accBeta1 == null || accBeta2 == null) {
      super.applyGradients(variableGradients);
      return;
    }
    const oneMinusAcc1 = f(1 - accBeta1[0]);
    const oneMinusAcc2 = f(1 - accBeta2[0]);
    const scalars = [
      f(self.beta1),
      f(1 - self.beta1),
      f(self.beta2),
      f(1 - self.beta2),
      oneMinusAcc1,
      oneMinusAcc2,
      f(self.epsilon),
      f(-self.learningRate),
    ];
    const inPlace = (t: Tensor): Float32Array | null => backend.privateFloat32(t.dataId);
    names.forEach((name, i) => {
      const value = engine().registeredVariables[name];
      if (self.accumulatedFirstMoment[i] == null) {
        self.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tidy(() => zerosLike(value).variable(false)) };
      }
      if (self.accumulatedSecondMoment[i] == null) {
        self.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tidy(() => zerosLike(value).variable(false)) };
      }
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      const m = self.accumulatedFirstMoment[i]!.variable;
      const v = self.accumulatedSecondMoment[i]!.variable;
      const xs = inPlace(value),
        ms = inPlace(m),
        vs = inPlace(v);
      const gs = gradient.dtype === 'float32' && backend.data.has(gradient.dataId) ? backend.data.get(gradient.dataId).values : null;
      if (xs && ms && vs && gs instanceof Float32Array && gs.length === xs.length && ms.length === xs.length && vs.length === xs.length) {
        addon.adamUpdate(xs, ms, vs, gs, scalars);
        return;
      }
      // tf's own update for this variable (AdamOptimizer.applyGradients, verbatim)
      tidy(() => {
        const newM = add(mul(m, self.beta1), mul(gradient, 1 - self.beta1));
        const newV = add(mul(v, self.beta2), mul(square(gradient), 1 - self.beta2));
        const mHat = div(newM, sub(1, self.accBeta1));
        const vHat = div(newV, sub(1, self.accBeta2));
        m.assign(newM);
        v.assign(newV);
        value.assign(add(mul(div(mHat, add(sqrt(vHat), self.epsilon)), -self.learningRate), value));
      });
    });
    accBeta1[0] = f(accBeta1[0] * f(self.beta1));
    accBeta2[0] = f(accBeta2[0] * f(self.beta2));
    self.incrementIterations();
  }
}
