import { usageError } from '../errors';
import { ACTIVATIONS, ActivationName, NAMED_SCHEDULES, PAPER_ACTIVATIONS, Schedule } from '../options/types';

// The names are the option types' (imported by every layer); what they mean to a model is here.
export { ACTIVATIONS, ActivationName, NAMED_SCHEDULES, PAPER_ACTIVATIONS, Schedule };

function isActivation(name: string): name is ActivationName {
  return (ACTIVATIONS as readonly string[]).includes(name);
}

/** `--activation NAME`: a named schedule. */
export function parseNamedSchedule(name: string): Schedule {
  const schedule = Object.hasOwn(NAMED_SCHEDULES, name.trim()) ? NAMED_SCHEDULES[name.trim()] : undefined;
  if (!schedule) {
    throw usageError(`unknown activation "${name}"; valid: ${Object.keys(NAMED_SCHEDULES).join(', ')}`);
  }
  return [...schedule] as Schedule;
}

/** `--schedule a1,a2,a3`: one activation per hidden layer. `option` names the flag in messages. */
export function parseScheduleList(list: string, option = '--schedule', separator = ','): Schedule {
  const parts = list.split(separator).map((p) => p.trim());
  if (parts.length !== 3) {
    throw usageError(`${option} needs 3 activations separated by "${separator}" (conv1${separator}conv2${separator}dense), got "${list}"`);
  }
  for (const p of parts) {
    if (!isActivation(p)) throw usageError(`unknown activation "${p}" in ${option} "${list}"; valid: ${ACTIVATIONS.join(', ')}`);
  }
  return parts as Schedule;
}

/** A label or a list: `tanh-relu` or `relu,tanh,relu` (used by compare and sweep). */
export function parseScheduleSpec(spec: string, option = '--schedule'): Schedule {
  return spec.includes(',') ? parseScheduleList(spec, option) : parseNamedSchedule(spec);
}

/** The label a schedule is reported under: its name if it has one, else `a1,a2,a3`. */
export function scheduleLabel(schedule: Schedule): string {
  for (const [name, s] of Object.entries(NAMED_SCHEDULES)) {
    if (s.every((a, i) => a === schedule[i])) return name;
  }
  return schedule.join(',');
}

/** Order of a sweep's grid: by the activation after conv1, then conv2, then dense (ACTIVATIONS order). */
export function compareActivations(a: { activations: readonly string[] }, b: { activations: readonly string[] }): number {
  const key = (acts: readonly string[]) => acts.map((x) => (ACTIVATIONS as readonly string[]).indexOf(x));
  const ka = key(a.activations);
  const kb = key(b.activations);
  for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
  return 0;
}

/** The canonical order of schedules: the paper's four first, then by activation per layer, then by label. */
export function compareLabels(
  a: { label: string; activations: readonly string[] },
  b: { label: string; activations: readonly string[] },
): number {
  const pa = PAPER_ACTIVATIONS.indexOf(a.label);
  const pb = PAPER_ACTIVATIONS.indexOf(b.label);
  if (pa >= 0 || pb >= 0) {
    if (pa < 0) return 1;
    if (pb < 0) return -1;
    return pa - pb;
  }
  return compareActivations(a, b) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}
