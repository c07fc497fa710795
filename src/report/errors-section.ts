/**
 * The report's "where each schedule errs" section: per-class accuracy, one confusion matrix per
 * schedule (summed over the seeds whose models were saved) and the gallery of the most confident
 * errors. The numbers come in as plain arrays from whoever ran the models.
 */
import * as path from 'node:path';
import { pathComponent } from '../rundir/layout';
import { ConfusionMatrix, confusionAccuracy, confusionTotal, perClassAccuracy, writeConfusion } from './confusion';
import { GalleryRow, WrongDigit, writeGallery } from './gallery';
import { fixed, htmlEscape, htmlTable, markdownTable, mdInline } from './format';

export interface ScheduleErrors {
  label: string;
  /** Seeds whose saved models were run. */
  seeds: number[];
  /** Test images each model classified. */
  testImages: number;
  /** Summed over the seeds' models. */
  confusion: ConfusionMatrix;
  /** The most confident errors over those models, each test image once. */
  worst: WrongDigit[];
}

export interface ErrorAnalysis {
  schedules: ScheduleErrors[];
  /** Runs left out (no saved model) and other things a reader should know. */
  notes: string[];
  /**
   * Runs left out because their test images could not be checked against the SHA-256 their
   * config.json records (data missing or different), one line per problem naming the file: said
   * in the section itself, which is written with these lines alone when no run is left.
   */
  dataProblems: string[];
  /**
   * Runs left out because they diverged (their models are not what the schedule learns), one line
   * each: said in the section itself, as the tables say it.
   */
  diverged?: string[];
}

/** A file name for a schedule label: rundir's pathComponent ('relu,tanh,relu' → relu_tanh_relu; anything else safe and distinct). */
export function fileSlug(label: string): string {
  return pathComponent(label);
}

function stripXmlProlog(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

/** Writes the confusion files and the gallery into outDir; returns the section and the files. */
export async function writeErrorSection(
  outDir: string,
  analysis: ErrorAnalysis,
): Promise<{ title: string; md: string; html: string; files: string[] }> {
  const files: string[] = [];
  const list = analysis.schedules;
  const problems = analysis.dataProblems ?? [];
  const problemsIntro =
    list.length === 0
      ? "Left out: no run's test images could be checked against the SHA-256 its config.json records (numbers from other data would not be its own):"
      : 'Some runs are left out: their test images could not be checked against the SHA-256 their config.json records:';
  const diverged = analysis.diverged ?? [];
  const divergedIntro = 'Left out as diverged (a diverged model is not what its schedule learns; see the tables):';
  // Every line from a file or a folder name goes through mdInline (Markdown) or htmlEscape (HTML).
  const problemsMd = [
    ...(problems.length > 0 ? [problemsIntro, '', ...problems.map((p) => `- ${mdInline(p)}`), ''] : []),
    ...(diverged.length > 0 ? [divergedIntro, '', ...diverged.map((d) => `- ${mdInline(d)}`), ''] : []),
  ];
  const problemsHtml = [
    ...(problems.length > 0
      ? [`<p>${htmlEscape(problemsIntro)}</p>`, `<ul>${problems.map((p) => `<li>${htmlEscape(p)}</li>`).join('')}</ul>`]
      : []),
    ...(diverged.length > 0
      ? [`<p>${htmlEscape(divergedIntro)}</p>`, `<ul>${diverged.map((d) => `<li>${htmlEscape(d)}</li>`).join('')}</ul>`]
      : []),
  ];
  if (list.length === 0) {
    return { title: 'Where each schedule errs', md: problemsMd.join('\n'), html: problemsHtml.join('\n'), files };
  }
  const seedsText = (s: ScheduleErrors) => (s.seeds.length === 1 ? `seed ${s.seeds[0]}` : `${s.seeds.length} seeds summed`);
  const header = ['schedule', 'models', 'images', ...Array.from({ length: 10 }, (_, k) => String(k)), 'all'];
  const cells = list.map((s) => [
    s.label,
    seedsText(s),
    String(confusionTotal(s.confusion)),
    ...perClassAccuracy(s.confusion).map((a) => fixed(a, 4)),
    fixed(confusionAccuracy(s.confusion), 4),
  ]);
  const align = 'llr' + 'r'.repeat(11);
  const intro = [
    `Each schedule's saved models (one per seed) classify the run's own test images (${list[0]?.testImages ?? 0} per model);`,
    'the confusion matrix sums their predictions over the seeds, so its total is seeds × test images.',
    'Accuracy per true class (0-9) and overall:',
  ].join(' ');
  const figuresMd: string[] = [];
  const figuresHtml: string[] = [];
  for (const s of list) {
    const name = `confusion-${fileSlug(s.label)}`;
    const title = `${s.label}: confusion on the test images (${seedsText(s)}; rows true, columns predicted)`;
    const { chart, files: written } = await writeConfusion(outDir, s.confusion, title, name);
    files.push(...written);
    figuresMd.push(
      `### Confusion: ${mdInline(s.label)}\n\n![confusion of ${mdInline(s.label)}](${name}.png)\n\n[CSV](${name}.csv) · [SVG](${name}.svg)\n`,
    );
    figuresHtml.push(`<figure><figcaption>Confusion: ${htmlEscape(s.label)}</figcaption>\n${stripXmlProlog(chart.svg)}\n</figure>`);
  }
  const rows: GalleryRow[] = list.map((s) => ({
    label: s.label,
    digits: s.worst,
    predictions: confusionTotal(s.confusion),
    errors: confusionTotal(s.confusion) - s.confusion.reduce((d, row, i) => d + row[i], 0),
  }));
  const k = Math.max(0, ...list.map((s) => s.worst.length));
  const galleryTitle = `The ${k} test digits each schedule gets most confidently wrong (true → predicted, confidence, seed)`;
  const gallery = list.length > 0 ? writeGallery(outDir, rows, galleryTitle) : null;
  if (gallery) files.push(...gallery.files);
  const galleryNote =
    'Digits as stored (white on black, 28×28). A digit several seeds get wrong appears once, with its most confident error.';
  const md = [
    ...problemsMd,
    intro,
    '',
    markdownTable(header, cells, align),
    '',
    ...figuresMd,
    ...(gallery
      ? [
          `### Most confident errors`,
          '',
          galleryNote,
          '',
          `![most confident errors](${path.basename(gallery.files[1])})`,
          '',
          `[SVG](${path.basename(gallery.files[0])})`,
          '',
        ]
      : []),
  ].join('\n');
  const html = [
    ...problemsHtml,
    `<p>${htmlEscape(intro)}</p>`,
    htmlTable(header, cells, align),
    ...figuresHtml,
    ...(gallery
      ? [`<figure><figcaption>Most confident errors</figcaption>\n<p>${htmlEscape(galleryNote)}</p>\n${gallery.svg}\n</figure>`]
      : []),
  ].join('\n');
  return { title: 'Where each schedule errs', md, html, files };
}
