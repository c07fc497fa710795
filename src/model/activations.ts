import { usageError } from '../errors';

/** Functions a hidden layer may use; all are tfjs-layers built-in activations. */
export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'elu', 'selu', 'swish', 'softplus', 'mish'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** One activation per hidden layer: after conv1, after conv2, after the dense layer. */
export type Schedule = [ActivationName, ActivationName, ActivationName];

/** Named schedules. `tanh-relu` is the paper's combined function (Section 3). */
export const NAMED_SCHEDULES: Record<string, Schedule> = {
  sigmoid: ['sigmoid', 'sigmoid', 'sigmoid'],
  tanh: ['tanh', 'tanh', 'tanh'],
  relu: ['relu', 'relu', 'relu'],
  'tanh-relu': ['relu', 'tanh', 'relu'],
  elu: ['elu', 'elu', 'elu'],
  selu: ['selu', 'selu', 'selu'],
  swish: ['swish', 'swish', 'swish'],
  softplus: ['softplus', 'softplus', 'softplus'],
  mish: ['mish', 'mish', 'mish'],
};

/** The four activations the paper compares, in Table 2's order. */
export const PAPER_ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'tanh-relu'];

function isActivation(name: string): name is ActivationName {
  return (ACTIVATIONS as readonly string[]).includes(name);
}

/** `--activation NAME`: a named schedule. */
export function parseNamedSchedule(name: string): Schedule {
  const schedule = NAMED_SCHEDULES[name.trim()];
  if (!schedule) {
    throw usageError(`unknown activation "${name}"; valid: ${Object.keys(NAMED_SCHEDULES).join(', ')}`);
  }
  return [...schedule] as Schedule;
}

/** `--schedule a1,a2,a3`: one activation per hidden layer. */
export function parseScheduleList(list: string): Schedule {
  const parts = list.split(',').map((p) => p.trim());
  if (parts.length !== 3) {
    throw usageError(`--schedule needs 3 comma-separated activations (conv1,conv2,dense), got "${list}"`);
  }
  for (const p of parts) {
    if (!isActivation(p)) throw usageError(`unknown activation "${p}" in --schedule; valid: ${ACTIVATIONS.join(', ')}`);
  }
  return parts as Schedule;
}

/** A label or a list: `tanh-relu` or `relu,tanh,relu` (used by compare and sweep). */
export function parseScheduleSpec(spec: string): Schedule {
  return spec.includes(',') ? parseScheduleList(spec) : parseNamedSchedule(spec);
}

/** The label a schedule is reported under: its name if it has one, else `a1,a2,a3`. */
export function scheduleLabel(schedule: Schedule): string {
  for (const [name, s] of Object.entries(NAMED_SCHEDULES)) {
    if (s.every((a, i) => a === schedule[i])) return name;
  }
  return schedule.join(',');
}
