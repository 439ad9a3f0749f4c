// `node bench/profile-summary.ts <file.cpuprofile | directory> [--top N]`: where a V8 CPU profile (from
// `BENCH_PROFILE=dir npm run bench`, or any `node --cpu-prof`) spent its samples. Prints the share of busy
// samples per package or source area, the heaviest functions by self time, and the heaviest Bulwark/bench
// source functions by inclusive time (self + callees). Idle samples are left out of every share.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

/** The package or source area a frame belongs to: `fastify`, `src/core/http`, `node:internal`, `(gc)`. */
export function areaOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(program)' || functionName === '(idle)') return functionName;
    return '(native)';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url;
  const match = /\/(src|bench|test)\/(.*)\/[^/]+$/.exec(url);
  if (match) return `${match[1]}/${match[2]}`;
  const file = /\/(src|bench|test)\/[^/]+$/.exec(url);
  return file ? `${file[1]}/` : url;
}

const frameName = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    ? `${url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/')}:${lineNumber + 1}`
    : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};

export interface Summary {
  readonly busySamples: number;
  readonly idleSamples: number;
  readonly byArea: readonly [string, number][];
  readonly bySelf: readonly [string, number][];
  readonly byInclusiveSource: readonly [string, number][];
}

/** Aggregates one or several profiles (their samples add up). Shares are fractions of busy samples. */
export function summarize(profiles: readonly CpuProfile[]): Summary {
  const area = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    for (const id of profile.samples) {
      const node = byId.get(id);
      if (!node) continue;
      if (node.callFrame.functionName === '(idle)') {
        idle++;
        continue;
      }
      busy++;
      const key = areaOf(node.callFrame.url, node.callFrame.functionName);
      area.set(key, (area.get(key) ?? 0) + 1);
      const name = frameName(node);
      self.set(name, (self.get(name) ?? 0) + 1);
      // Inclusive time of our own source functions: each counted once per sample, however deep it recurses.
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = byId.get(at)!;
        if (!/\/(src|bench)\//.test(frame.callFrame.url) || frame.callFrame.url.includes('/node_modules/'))
          continue;
        const fname = frameName(frame);
        if (seen.has(fname)) continue;
        seen.add(fname);
        inclusive.set(fname, (inclusive.get(fname) ?? 0) + 1);
      }
    }
  }
  const sorted = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, v / Math.max(busy, 1)] as [string, number]);
  return {
    busySamples: busy,
    idleSamples: idle,
    byArea: sorted(area),
    bySelf: sorted(self),
    byInclusiveSource: sorted(inclusive),
  };
}

async function profileFiles(target: string): Promise<string[]> {
  if ((await stat(target)).isDirectory()) {
    const names = (await readdir(target)).filter((n) => n.endsWith('.cpuprofile')).sort();
    return names.map((n) => path.join(target, n));
  }
  return [target];
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  const top = Number(values.top);
  if (positionals.length === 0) {
    process.stderr.write('usage: node bench/profile-summary.ts <file.cpuprofile | dir>... [--top N]\n');
    process.exit(2);
  }
  const files = (await Promise.all(positionals.map(profileFiles))).flat();
  const profiles = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as CpuProfile),
  );
  const s = summarize(profiles);
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`;
  const print = (title: string, rows: readonly [string, number][]) => {
    console.log(`\n${title}`);
    for (const [name, share] of rows.slice(0, top)) console.log(`  ${pct(share)}  ${name}`);
  };
  console.log(
    `${files.length} profile(s): ${s.busySamples} busy samples, ${s.idleSamples} idle ` +
      `(${pct(s.busySamples / Math.max(s.busySamples + s.idleSamples, 1)).trim()} busy)`,
  );
  print('Busy samples by area (self time):', s.byArea);
  print('Heaviest functions (self time):', s.bySelf);
  print('Bulwark and bench source functions (inclusive time):', s.byInclusiveSource);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
