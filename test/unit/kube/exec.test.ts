import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeOf } from '../../../src/kube/exec.ts';

test('exit codes are read from a kubelet status and from kwok’s plain failure', () => {
  assert.equal(exitCodeOf({ status: 'Success' }), 0);
  assert.equal(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } }), 7);
  assert.equal(exitCodeOf({ status: 'Failure', message: 'cmd wait: rss-dummy status : exit status 8' }), 8);
  assert.equal(exitCodeOf({ status: 'Failure', message: 'cmd wait: sh -c exit 1: exit status 1\nsome stderr' }), 1, 'stderr appended after the code');
  assert.equal(exitCodeOf({ status: 'Failure', message: 'cmd wait: sh -c echo exit status 5: exit status 2' }), 2, 'the code at the end of the line, not one in the argv');
  assert.equal(exitCodeOf({ status: 'Failure', message: 'container not found ("main")' }), undefined);
  assert.equal(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: 'x' }] } }), undefined);
});
