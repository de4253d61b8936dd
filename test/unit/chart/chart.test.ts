// The Helm chart's files that can drift from the rest of the repository without helm noticing: the CRD copies,
// the versions, and the documentation of every value (values.yaml comments, values.schema.json, README).
// Rendering, linting and installing the chart are tested in test/e2e/helm.test.ts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isMap, isScalar, parse, parseDocument, type YAMLMap } from 'yaml';
import { DURATION_PATTERN } from '../../../src/api/duration.ts';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
type Schema = { type?: string; properties?: Record<string, Schema>; pattern?: string; additionalProperties?: unknown; enum?: unknown[] };

const schema = JSON.parse(read('charts/rss-operator/values.schema.json')) as Schema;
const values = parse(read('charts/rss-operator/values.yaml')) as Record<string, unknown>;

/**
 * The chart's values as the README documents them: a path per value, down to the objects the schema
 * leaves free-form (resources, securityContext, nodeSelector…), which are one value each.
 */
function leaves(node: Schema, value: unknown, prefix = ''): string[] {
  if (!node.properties) return [prefix];
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${prefix} is a map in values.yaml`);
  const inValues = Object.keys(value as object);
  const inSchema = Object.keys(node.properties).filter((k) => !(prefix === '' && k === 'global'));
  assert.deepEqual([...inValues].sort(), [...inSchema].sort(), `the keys of ${prefix || 'values.yaml'} and of its schema`);
  return inSchema.flatMap((k) => leaves(node.properties![k]!, (value as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k));
}

/** The comment above each key of values.yaml (yaml puts the one above a map's first key on the map). */
function comments(map: YAMLMap, prefix = '', out = new Map<string, string>()): Map<string, string> {
  map.items.forEach((pair, i) => {
    const key = `${prefix}${isScalar(pair.key) ? String(pair.key.value) : '?'}`;
    out.set(key, (pair.key as { commentBefore?: string }).commentBefore ?? (i === 0 ? (map.commentBefore ?? '') : ''));
    if (isMap(pair.value)) comments(pair.value, `${key}.`, out);
  });
  return out;
}

describe('charts/rss-operator', () => {
  it('ships the CRDs of deploy/, byte for byte', () => {
    for (const file of ['crd.yaml', 'crd-backup.yaml']) {
      assert.ok(read(`charts/rss-operator/files/${file}`) === read(`deploy/${file}`), `charts/rss-operator/files/${file} differs from deploy/${file}: copy deploy/${file} over it`);
    }
  });

  it('renders every CRD file it ships, and deploy/ installs the same files', () => {
    const template = read('charts/rss-operator/templates/crd.yaml');
    const shipped = readdirSync(new URL('../../../charts/rss-operator/files/', import.meta.url)).filter((f) => /^crd.*\.yaml$/.test(f)).sort();
    assert.deepEqual(shipped, ['crd-backup.yaml', 'crd.yaml']);
    for (const file of shipped) assert.ok(template.includes(`"files/${file}"`), `templates/crd.yaml renders files/${file}`);
    const kustomization = parse(read('deploy/kustomization.yaml')) as { resources: string[] };
    assert.deepEqual(kustomization.resources.filter((r) => /^crd.*\.yaml$/.test(r)).sort(), shipped, 'deploy/kustomization.yaml lists the CRD files');
  });

  it('is the operator\'s version: appVersion, the default image tag, deploy/operator.yaml', () => {
    const version = (JSON.parse(read('package.json')) as { version: string }).version;
    const chart = parse(read('charts/rss-operator/Chart.yaml')) as { apiVersion: string; name: string; appVersion: string; version: string };
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.name, 'rss-operator');
    assert.equal(chart.appVersion, version);
    assert.match(chart.version, /^\d+\.\d+\.\d+/);
    assert.match(read('deploy/operator.yaml'), new RegExp(`image: ${(values.image as { repository: string }).repository}:${version.replaceAll('.', '\\.')}\\n`));
  });

  it('documents every value: a comment in values.yaml, the schema, a row of the README\'s table', () => {
    const paths = leaves(schema, values);
    assert.ok(paths.length >= 40, `${paths.length} values`);
    const above = comments(parseDocument(read('charts/rss-operator/values.yaml')).contents as YAMLMap);
    const undocumented = paths.filter((p) => !/--\s+\S/.test(above.get(p) ?? ''));
    assert.deepEqual(undocumented, [], 'values without a `# -- …` comment in values.yaml');

    const readme = read('charts/rss-operator/README.md');
    const table = readme.slice(readme.indexOf('\n## Values\n'));
    const rows = [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
    assert.deepEqual(rows, paths, 'the README\'s values table lists every value, in the order of values.yaml');
  });

  it('checks what can be checked before rendering: unknown keys, the watch mode, durations as the operator parses them', () => {
    assert.equal(schema.additionalProperties, false);
    const props = schema.properties!;
    assert.deepEqual(props.watch!.properties!.mode!.enum, ['namespace', 'namespaces', 'cluster']);
    assert.equal(props.leaderElection!.properties!.leaseDuration!.pattern, DURATION_PATTERN);
    const watch = values.watch as { mode: string; namespaces: string[] };
    assert.deepEqual(watch, { mode: 'namespace', namespaces: [] });
    assert.equal(values.replicas, 2);
  });
});
