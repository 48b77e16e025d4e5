/**
 * The monitoring examples (deploy/prometheus/alerts.yml, deploy/grafana/opensts.json, docs/monitoring.md) against
 * what a server's /metrics really prints: a renamed metric breaks the test, not a production alert that then never
 * fires.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { call } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Series Prometheus itself adds to every target: allowed in expressions though no server prints them. */
const PROMETHEUS_SERIES = new Set(['up']);
const KEYWORDS = new Set([
  'by',
  'without',
  'and',
  'or',
  'unless',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** The series names a PromQL expression reads (functions, label names, strings and ranges left out). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w:.$])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (m[2] === undefined && !KEYWORDS.has(m[1]!.toLowerCase())) names.add(m[1]!);
  }
  return [...names];
}

/** Every sample name /metrics can print: the TYPE lines, with a histogram's _bucket, _sum and _count. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(name! + s);
  }
  return names;
}

let server: TestServer;
let exposed: Set<string>;
let typed: string[];
before(async () => {
  server = await startTestServer({ store: 'sqlite', metricsPort: 0 });
  await call(server, 'GetCallerIdentity', {}, server.root);
  const text = await (await fetch(server.running.metricsUrl!)).text();
  exposed = exposedNames(text);
  typed = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
});
after(() => server.close());

const unknownNames = (expr: string) => metricNames(expr).filter((n) => !exposed.has(n) && !PROMETHEUS_SERIES.has(n));

test('the expression reader finds series names and nothing else', () => {
  assert.deepEqual(
    metricNames('histogram_quantile(0.99, sum by (instance, le) (rate(a_bucket{code!="OK", x=~"$i"}[5m]))) > 0.25'),
    ['a_bucket'],
  );
  assert.deepEqual(
    metricNames('sum(rate(b_total[$__rate_interval])) / on (instance) group_left c and up == 0 offset 5m'),
    ['b_total', 'c', 'up'],
  );
  assert.deepEqual(unknownNames('rate(opensts_requests_totl[5m])'), ['opensts_requests_totl']);
});

test('every alert rule reads metrics the server exposes and has what Prometheus and the on-call need', () => {
  const doc = parse(readFileSync('deploy/prometheus/alerts.yml', 'utf8')) as {
    groups: { name: string; rules: Record<string, unknown>[] }[];
  };
  const rules = doc.groups.flatMap((g) => {
    assert.ok(g.name, 'every group has a name');
    return g.rules;
  });
  const names = rules.map((r) => r.alert);
  assert.equal(new Set(names).size, names.length, 'alert names are unique');
  for (const want of [
    'OpenSTSDown',
    'OpenSTSInternalFailures',
    'OpenSTSHighErrorRate',
    'OpenSTSThrottling',
    'OpenSTSSlowRequests',
    'OpenSTSRestarting',
    'OpenSTSEventLoopLag',
  ]) {
    assert.ok(names.includes(want), `${want} is missing`);
  }
  for (const rule of rules) {
    const { alert, expr, labels, annotations } = rule as {
      alert: string;
      expr: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    assert.match(alert, /^[A-Za-z][A-Za-z0-9]*$/);
    assert.equal(typeof expr, 'string', `${alert}: expr`);
    assert.ok(metricNames(expr).length > 0, `${alert}: reads no metric`);
    assert.deepEqual(unknownNames(expr), [], `${alert}: metrics the server does not expose`);
    assert.ok(['critical', 'warning'].includes(labels?.severity ?? ''), `${alert}: labels.severity`);
    assert.ok(annotations?.summary && annotations.description, `${alert}: annotations.summary and description`);
    if (rule.for !== undefined) assert.match(String(rule.for), /^\d+[smh]$/, `${alert}: for`);
    assert.deepEqual(
      Object.keys(rule).filter((k) => !['alert', 'expr', 'for', 'labels', 'annotations'].includes(k)),
      [],
      `${alert}: unknown fields`,
    );
  }
});

test('every Grafana panel queries metrics the server exposes', () => {
  const dash = JSON.parse(readFileSync('deploy/grafana/opensts.json', 'utf8')) as {
    uid: string;
    title: string;
    panels: { id: number; title: string; targets?: { refId: string; expr: string }[] }[];
    templating: { list: { name: string; query: string | { query: string } }[] };
  };
  assert.ok(dash.uid && dash.title);
  assert.equal(new Set(dash.panels.map((p) => p.id)).size, dash.panels.length, 'panel ids are unique');
  const used = new Set<string>();
  for (const panel of dash.panels) {
    assert.ok(panel.targets?.length, `${panel.title}: no query`);
    for (const t of panel.targets!) {
      assert.ok(t.refId, `${panel.title}: refId`);
      assert.deepEqual(unknownNames(t.expr), [], `${panel.title}: metrics the server does not expose`);
      for (const n of metricNames(t.expr)) used.add(n);
    }
  }
  for (const v of dash.templating.list) {
    const q = typeof v.query === 'string' ? v.query : v.query.query;
    const series = /^label_values\(([^,]+),/.exec(q)?.[1];
    if (series !== undefined) assert.deepEqual(unknownNames(series), [], `variable ${v.name}`);
  }
  for (const ours of [
    'opensts_requests_total',
    'opensts_request_duration_seconds_bucket',
    'opensts_throttled_requests_total',
  ]) {
    assert.ok(used.has(ours), `no panel shows ${ours}`);
  }
});

test('docs/monitoring.md explains every metric /metrics prints', () => {
  const doc = readFileSync('docs/monitoring.md', 'utf8');
  assert.ok(typed.length > 20);
  assert.deepEqual(
    typed.filter((n) => !doc.includes('`' + n + '`')),
    [],
  );
});
