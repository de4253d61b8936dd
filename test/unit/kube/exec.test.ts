import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { SharedSecureContext, commandNotFound, exitCodeOf, withSharedTls } from '../../../src/kube/exec.ts';

test('exit codes are read from a kubelet status and from kwok’s plain failure', () => {
  assert.equal(exitCodeOf({ status: 'Success' }), 0);
  assert.equal(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } }), 7);
  assert.equal(exitCodeOf({ status: 'Failure', message: 'cmd wait: rss-dummy status : exit status 8' }), 8);
  assert.equal(exitCodeOf({ status: 'Failure', message: 'cmd wait: sh -c exit 1: exit status 1\nsome stderr' }), 1, 'stderr appended after the code');
  assert.equal(exitCodeOf({ status: 'Failure', message: 'cmd wait: sh -c echo exit status 5: exit status 2' }), 2, 'the code at the end of the line, not one in the argv');
  assert.equal(exitCodeOf({ status: 'Failure', message: 'container not found ("main")' }), undefined);
  assert.equal(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: 'x' }] } }), undefined);
});

test('every exec connection shares one TLS context while the certificates stay the same', async () => {
  const kc = new KubeConfig();
  const caData = (text: string) => Buffer.from(text).toString('base64');
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: caData('ca one'), skipTLSVerify: false }],
    users: [{ name: 'u', token: 'secret' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const shared = new SharedSecureContext();
  const view = withSharedTls(kc, shared);
  assert.equal(view.getCurrentCluster()?.server, 'https://127.0.0.1:6443', 'the view delegates to the kubeconfig');
  const first: Record<string, unknown> = {};
  const second: Record<string, unknown> = {};
  await view.applyToHTTPSOptions(first);
  await view.applyToHTTPSOptions(second);
  assert.ok(first.secureContext, 'the connection options carry a TLS context');
  assert.equal(first.secureContext, second.secureContext, 'the same one for the next exec');
  assert.notEqual(first.ca, second.ca, 'although the CA was read afresh');
  assert.equal((first.headers as Record<string, string>).Authorization, 'Bearer secret', 'credentials are still applied to each exec');
  assert.equal(first.perMessageDeflate, false);
  assert.equal(shared.built, 1);

  // New certificates (a rotated CA or client certificate): a new context, kept from then on.
  kc.clusters[0] = { ...kc.clusters[0]!, caData: caData('ca two') };
  const third: Record<string, unknown> = {};
  const fourth: Record<string, unknown> = {};
  await view.applyToHTTPSOptions(third);
  await view.applyToHTTPSOptions(fourth);
  assert.notEqual(third.secureContext, first.secureContext);
  assert.equal(third.secureContext, fourth.secureContext);
  assert.equal(shared.built, 2);
});

test('commandNotFound recognises a program that cannot be started, in kwok\'s and runc\'s words', () => {
  assert.match(commandNotFound('Internal error occurred: error executing command in container: cmd start: x : exec: "x": executable file not found in $PATH') ?? '', /exec: "x": executable file not found/);
  assert.match(commandNotFound('cmd start: /no/such : fork/exec /no/such: no such file or directory') ?? '', /fork\/exec \/no\/such: no such file or directory/);
  assert.match(commandNotFound('OCI runtime exec failed: exec failed: unable to start container process: exec: "/check.sh": stat /check.sh: no such file or directory: unknown') ?? '', /stat \/check.sh/);
  assert.equal(commandNotFound('error dialing backend: connection refused'), undefined);
});
