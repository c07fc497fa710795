#!/usr/bin/env bash
# The study of docs/table2.md: which deviation from Table 1's stated protocol brings lenet's
# numbers to the paper's Table 2? Three stages into one sweep folder (finished cells are skipped,
# so the script can be rerun or resumed at any point):
#   1. screening: one factor at a time from the stated protocol, 20 epochs, 1 seed;
#   2. the promising combinations: every combination of the levels that, alone, came closer to
#      Table 2 than the protocol (at most the best 3 factors), 1 seed;
#   3. the closest 3 variants again with seeds 2 and 3.
# Then `lenet report` writes report.md, factors.md and table2-distance.csv.
# Usage: experiments/table2-study.sh [OUT]   (OUT default runs/table2-study; JOBS=auto)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lenet() { node "$here/../bin/lenet.js" "$@"; }
out="${1:-runs/table2-study}"
jobs="${JOBS:-auto}"
schedules=sigmoid,tanh,relu,tanh-relu
# The factors in a fixed order, base level first (Table 1 and tfjs' defaults).
factors=(
  input-scale=unit,raw
  init=glorot-uniform,tutorial,he-normal
  shuffle=epoch,off
  loss=crossentropy,paper
  optimizer=adam,sgd,momentum
  lr=0.0001,0.001,0.00001,0.00002,0.00003
)
common=(--activations "$schedules" --epochs 20 --jobs "$jobs" --out "$out/screen" --quiet)
vary_args() { for f in "$@"; do printf '%s\n' --vary "$f"; done; }

echo "stage 1: one factor at a time" >&2
mapfile -t args < <(vary_args "${factors[@]}")
lenet sweep --design ofat "${args[@]}" --seeds 1 "${common[@]}"

# The levels to combine, and later the closest variants, from the ranking lenet wrote.
plan() {
  node - "$out/screen/table2-distance.csv" "$1" "${factors[@]}" <<'JS'
const fs = require('node:fs');
const [file, what, ...factors] = process.argv.slice(2);
const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
// variant, measured_as, distance, ...: the best distance of each variant over the three measures
const best = new Map();
for (const line of lines) {
  const [variant, , d] = line.split(',');
  if (d === '') continue;
  const v = variant.replace(/^"|"$/g, '');
  if (!best.has(v) || Number(d) < best.get(v)) best.set(v, Number(d));
}
const base = best.get('base') ?? Infinity;
const parsed = factors.map((f) => { const [k, vs] = f.split('='); return { k, levels: vs.split(',') }; });
if (what === 'combine') {
  // each factor's closest single level, when closer than the protocol; the best 3 such factors
  const picks = [];
  for (const f of parsed) {
    let top = null;
    for (const l of f.levels.slice(1)) { const d = best.get(`${f.k}=${l}`); if (d !== undefined && d < base && (!top || d < top.d)) top = { l, d }; }
    if (top) picks.push({ f, top });
  }
  picks.sort((a, b) => a.top.d - b.top.d);
  const chosen = picks.slice(0, 3);
  for (const f of parsed) {
    const c = chosen.find((p) => p.f === f);
    console.log(`${f.k}=${c ? `${f.levels[0]},${c.top.l}` : f.levels[0]}`);
  }
} else {
  // the closest 3 variants, each as one --vary list of single levels
  const top = [...best.entries()].sort((a, b) => a[1] - b[1]).slice(0, 3).map(([v]) => v);
  for (const v of top) {
    const levels = Object.fromEntries(v === 'base' ? [] : v.split(' ').map((kv) => kv.split('=')));
    console.log(parsed.map((f) => `${f.k}=${levels[f.k] ?? f.levels[0]}`).join(' '));
  }
}
JS
}

echo "stage 2: the promising combinations" >&2
mapfile -t combine < <(plan combine)
mapfile -t args < <(vary_args "${combine[@]}")
lenet sweep --design cross "${args[@]}" --seeds 1 "${common[@]}"

echo "stage 3: the closest variants with 3 seeds" >&2
mapfile -t closest < <(plan closest)
for variant in "${closest[@]}"; do
  read -r -a levels <<<"$variant"
  mapfile -t args < <(vary_args "${levels[@]}")
  lenet sweep --design cross "${args[@]}" --seeds 1,2,3 "${common[@]}"
done

lenet report "$out/screen" --quiet
echo "done: $out/screen/report.md, factors.md, table2-distance.csv" >&2
