import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

const root = path.resolve(__dirname, '../..');
const rulesDir = path.join(root, 'monitoring/prometheus-rules');
const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p));

type Rule = { alert?: string; record?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> };
type Group = { name: string; rules: Rule[] };
const groups: Group[] = fs.readdirSync(rulesDir).filter((f) => f.endsWith('.yaml')).sort()
  .flatMap((f) => yaml.load(fs.readFileSync(path.join(rulesDir, f), 'utf8')) as Group[]);
const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert);

function promtoolRun(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(promtool!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { code: err.status ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('alert rules', () => {
  test('every alert has a severity, a summary and a description that says what to do', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(17);
    for (const a of alerts) {
      expect(a.labels?.severity_level).toMatch(/^[1-9]$/);
      expect(a.annotations?.summary?.length).toBeGreaterThan(10);
      expect(a.annotations?.description?.length).toBeGreaterThan(40);
    }
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
  });

  const withPromtool = promtool ? test : test.skip;

  withPromtool('promtool check rules accepts them, and promtool test rules fires every alert from sample series', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metallb-rules-'));
    try {
      const rulesFile = path.join(dir, 'rules.yaml');
      fs.writeFileSync(rulesFile, yaml.dump({ groups }));
      const check = promtoolRun(['check', 'rules', rulesFile]);
      expect(check.out).toContain(`SUCCESS: ${alerts.length} rules found`);
      expect(check.code).toBe(0);

      const tests = yaml.load(fs.readFileSync(path.join(__dirname, 'alerts.test-rules.yaml'), 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
      const fired = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname)));
      expect([...fired].sort()).toEqual(alerts.map((a) => a.alert!).sort());

      // Run 1: the cases that spell out annotations check the rendered text against the real rules.
      // Run 2: every case checks firing and labels against the rules without annotations.
      type Case = { exp_alerts: Array<{ exp_annotations?: unknown }> };
      const withText = { ...tests, tests: tests.tests.filter((t) => t.alert_rule_test.some((c) => (c as Case).exp_alerts.some((a) => a.exp_annotations))) };
      const bare = { groups: groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _a, ...r }) => r) })) };
      const bareFile = path.join(dir, 'bare.yaml');
      fs.writeFileSync(bareFile, yaml.dump(bare));
      const labelsOnly = JSON.parse(JSON.stringify(tests), (k, v) => (k === 'exp_annotations' ? undefined : v)) as typeof tests;
      expect(withText.tests.length).toBeGreaterThan(0);
      for (const [rules, t] of [[rulesFile, withText], [bareFile, labelsOnly]] as const) {
        const testFile = path.join(dir, 'tests.yaml');
        fs.writeFileSync(testFile, yaml.dump({ rule_files: [rules], ...t }, { lineWidth: -1 }));
        const run = promtoolRun(['test', 'rules', testFile]);
        expect(run.out).toContain('SUCCESS');
        expect(run.code).toBe(0);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  if (!promtool) test.skip('promtool is not installed (Debian package prometheus, installed by scripts/setup.sh)', () => undefined);
});

describe('dashboards', () => {
  const dir = path.join(root, 'monitoring/grafana-dashboards/kubernetes-cluster');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

  test('the overview, pools, L2 and BGP dashboards exist, parse, and query Prometheus through the datasource variable', () => {
    expect(files).toEqual(['metallb-bgp.json', 'metallb-l2.json', 'metallb-pools.json', 'metallb.json']);
    for (const f of files) {
      const d = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { uid: string; panels: Array<{ id: number; targets: Array<{ expr: string }>; datasource: { uid: string } }> };
      expect(d.uid).toBe(f.replace('.json', ''));
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of d.panels) {
        expect(p.datasource.uid).toBe('${ds_prometheus}');
        expect(p.targets.length).toBeGreaterThan(0);
        for (const t of p.targets) expect(t.expr).toMatch(/(metallb|d8_metallb)_/);
      }
    }
  });
});

describe('metric names', () => {
  /** Source files that register or emit metrics (tests excluded). */
  function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(p);
      return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
    });
  }
  const code = ['lib', 'hooks/src', 'images'].flatMap((d) => sources(path.join(root, d))).map((f) => fs.readFileSync(f, 'utf8')).join('\n');

  /** A name is produced when it appears literally, or as `prefix_${...}` with its suffix quoted next to that template. */
  function produced(name: string): boolean {
    if (code.includes(`'${name}'`) || code.includes(`"${name}"`) || code.includes('`' + name + '`')) return true;
    const m = /^(metallb_[a-z0-9]+_)(.+)$/.exec(name);
    return !!m && code.includes('`' + m[1] + '${') && code.includes(`'${m[2]}'`);
  }

  test('every metric the alerts and dashboards query is produced by the module', () => {
    const rules = fs.readdirSync(rulesDir).map((f) => fs.readFileSync(path.join(rulesDir, f), 'utf8'));
    const boardsDir = path.join(root, 'monitoring/grafana-dashboards/kubernetes-cluster');
    const boards = fs.readdirSync(boardsDir).map((f) => fs.readFileSync(path.join(boardsDir, f), 'utf8'));
    const names = new Set([...rules, ...boards].flatMap((t) => [...t.matchAll(/\b((?:d8_)?metallb_[a-z0-9_]+)\b/g)].map((m) => m[1]!)));
    expect(names.size).toBeGreaterThan(20);
    expect([...names].filter((n) => !produced(n)).sort()).toEqual([]);
  });
});
