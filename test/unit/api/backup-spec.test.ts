// spec.backup, spec.bootstrap and the restore annotation: defaults, and problems that name their field.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { resolveSpec, type SpecProblem } from '../../../src/api/spec.ts';
import type { ReplicatedStatefulSet } from '../../../src/api/types.ts';

const storage = {
  s3: {
    endpoint: 'http://127.0.0.1:9000',
    bucket: 'backups',
    credentials: { accessKeyId: { name: 's3', key: 'id' }, secretAccessKey: { name: 's3', key: 'secret' } },
  },
};

// any: the edits write plain JSON as a user could, whatever the types say (the resolver trusts nothing).
function cluster(edit: (o: any) => void = () => undefined): ReplicatedStatefulSet {
  const o = parse(readFileSync(new URL('../../fixtures/original-cluster.yaml', import.meta.url), 'utf8')) as any;
  o.spec.pod.commands.backup = { command: ['/backup.sh'] };
  o.spec.pod.commands.restore = { command: ['/restore.sh'] };
  edit(o);
  return o as ReplicatedStatefulSet;
}

function problems(rss: ReplicatedStatefulSet): SpecProblem[] {
  const r = resolveSpec(rss);
  return r.ok ? [] : r.problems;
}

describe('spec.backup', () => {
  it('defaults: prefix backups/, region us-east-1, path-style with an endpoint, prefer-secondary, 1h timeouts', () => {
    const r = resolveSpec(cluster((o) => (o.spec.backup = { storage })));
    assert.ok(r.ok);
    assert.deepEqual(r.spec.backup, {
      storage: { endpoint: 'http://127.0.0.1:9000', bucket: 'backups', prefix: 'backups/', region: 'us-east-1', forcePathStyle: true, accessKeyId: { name: 's3', key: 'id' }, secretAccessKey: { name: 's3', key: 'secret' } },
      target: 'prefer-secondary',
      restoreOnDataLoss: false,
    });
    assert.equal(r.spec.commands.backup?.timeoutMs, 3_600_000);
    assert.equal(r.spec.commands.restore?.timeoutMs, 3_600_000);
  });

  it('names the field of each problem', () => {
    const found = problems(cluster((o) => (o.spec.backup = { storage: { s3: { endpoint: 'ftp://x', credentials: { accessKeyId: { name: 's3' } } } }, target: 'any' })));
    const fields = found.map((p) => p.field).sort();
    assert.deepEqual(fields, [
      'spec.backup.storage.s3.bucket',
      'spec.backup.storage.s3.credentials.accessKeyId.key',
      'spec.backup.storage.s3.credentials.secretAccessKey',
      'spec.backup.storage.s3.endpoint',
      'spec.backup.target',
    ]);
  });

  it('spec.bootstrap needs the restore command and the storage; name or objectKey, not both', () => {
    assert.deepEqual(problems(cluster((o) => { o.spec.bootstrap = { backup: { name: 'b' } }; })).map((p) => p.field), ['spec.bootstrap']);
    assert.match(problems(cluster((o) => { o.spec.backup = { storage }; delete o.spec.pod.commands.restore; o.spec.bootstrap = { backup: { name: 'b' } }; }))[0]?.message ?? '', /restore command/);
    assert.match(problems(cluster((o) => { o.spec.backup = { storage }; o.spec.bootstrap = { backup: { name: 'b', objectKey: 'k' } }; }))[0]?.message ?? '', /not both/);
    const r = resolveSpec(cluster((o) => { o.spec.backup = { storage }; o.spec.bootstrap = { backup: { objectKey: '/backups/ns/db/nightly' } }; }));
    assert.ok(r.ok);
    assert.deepEqual(r.spec.bootstrap, { objectKey: 'backups/ns/db/nightly' });
  });

  it('a restore annotation that cannot be carried out is a warning, and the cluster stays managed', () => {
    const r = resolveSpec(cluster((o) => { o.metadata.annotations = { 'rss.clusterlabs.org/restore': 'latest' }; }));
    assert.ok(r.ok);
    assert.equal(r.spec.restoreAnnotation, undefined);
    assert.match(r.spec.warnings.map((w) => `${w.field}: ${w.message}`).join('\n'), /rss.clusterlabs.org\/restore.*spec.backup.storage/);
    const withStorage = resolveSpec(cluster((o) => { o.spec.backup = { storage }; o.metadata.annotations = { 'rss.clusterlabs.org/restore': 'latest' }; }));
    assert.ok(withStorage.ok);
    assert.equal(withStorage.spec.restoreAnnotation, 'latest');
  });
});

describe('spec.replicas limit', () => {
  it('above the operator\'s limit: refused with the flag that raises it; raised, accepted', () => {
    const big = cluster((o) => (o.spec.replicas = 150));
    const found = problems(big);
    assert.equal(found.length, 1);
    assert.equal(found[0]?.field, 'spec.replicas');
    assert.match(found[0]?.message ?? '', /above this operator's limit of 100 members.*--max-replicas 150/);
    assert.ok(resolveSpec(big, { maxReplicas: 200 }).ok);
    assert.match(problems(cluster((o) => (o.spec.replicas = 100_000)))[0]?.message ?? '', /--max-replicas 1000/);
  });
});
