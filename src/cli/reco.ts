// `bulwark reco evaluate`: the offline evaluation of every engine and the blend on a ratings file, with the
// Microsoft Recommenders protocol (see docs/OPERATIONS.md). Prints a Markdown table for bench/RESULTS.md.
import { parseArgs } from 'node:util';
import {
  evaluate,
  readItemsFile,
  readRatingsFile,
  type EvaluationReport,
} from '../modules/recommendations/index.ts';

export const RECO_USAGE =
  'Usage: bulwark reco evaluate --ratings FILE [--items FILE] [--split-seed N] [--json]\n' +
  '  --ratings: tab-separated "user item rating [timestamp]" lines (MovieLens u.data)\n' +
  '  --items:   MovieLens u.item (with u.genre beside it) for the content engine\n' +
  '  --split-seed: seed of the per-user 75/25 split (default 42)';

type Out = { write(chunk: string): unknown };

/** Runs `reco <subcommand>`; returns the exit status. */
export async function recoCommand(args: string[], stdout: Out, stderr: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'evaluate') {
    stderr.write(`bulwark: reco has one subcommand, evaluate\n${RECO_USAGE}\n`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      ratings: { type: 'string' },
      items: { type: 'string' },
      'split-seed': { type: 'string', default: '42' },
      json: { type: 'boolean', default: false },
    },
  });
  const seed = Number(values['split-seed']);
  if (!values.ratings || !Number.isInteger(seed) || seed < 0 || seed > 2 ** 31) {
    stderr.write(`bulwark: --ratings FILE is required and --split-seed takes 0..2^31\n${RECO_USAGE}\n`);
    return 2;
  }
  const ratings = await readRatingsFile(values.ratings);
  const texts = values.items ? await readItemsFile(values.items, ratings.itemIds) : null;
  const started = performance.now();
  const report = evaluate(ratings.data, texts, seed, (line) => stderr.write(`${line}\n`));
  stderr.write(`evaluation took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, seed));
  return 0;
}

/** The report as a Markdown table, one row per engine and one for the blend. */
export function formatReport(report: EvaluationReport, seed: number): string {
  const f = (v: number) => v.toFixed(4);
  const lines = [
    `${report.users} users, ${report.items} items, ${report.train} training / ${report.test} test interactions, split seed ${seed}`,
    `chosen on validation: λ=${report.options.lambda}, blend weights ${JSON.stringify(report.options.weights)}`,
    '',
    '| engine | precision@10 | recall@10 | NDCG@10 | MAP | coverage | training |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.rows.map(
      (r) =>
        `| ${r.engine} | ${f(r.precision)} | ${f(r.recall)} | ${f(r.ndcg)} | ${f(r.map)} | ${f(r.coverage)} | ${(r.trainingMs / 1000).toFixed(2)} s |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
