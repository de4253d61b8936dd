import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { sharingConnections } from '../../../src/manager/connections.ts';

function kubeConfig(ca: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from(ca).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', token: 'secret' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function dispatcherOf(kc: KubeConfig): Promise<{ dispatcher: unknown; authorization: string | undefined }> {
  const context = new RequestContext('https://127.0.0.1:6443/api/v1/pods', HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  return { dispatcher: context.getDispatcher(), authorization: context.getHeaders().Authorization };
}

test('API requests share one connection pool while the connection settings stay the same', async () => {
  const kc = kubeConfig('ca one');
  const plain = [await dispatcherOf(kc), await dispatcherOf(kc)];
  assert.notEqual(plain[0]!.dispatcher, plain[1]!.dispatcher, 'client-node alone builds one per request');

  const shared = sharingConnections(kc);
  const [a, b] = [await dispatcherOf(shared.kubeConfig), await dispatcherOf(shared.kubeConfig)];
  assert.ok(a.dispatcher);
  assert.equal(a.dispatcher, b.dispatcher);
  assert.equal(a.authorization, 'Bearer secret', 'credentials are still applied to each request');
  assert.equal(shared.built, 1);
  assert.equal(shared.kubeConfig.getCurrentCluster()?.server, 'https://127.0.0.1:6443');

  // A new CA (rotated): a new pool, shared from then on.
  kc.clusters[0] = { ...kc.clusters[0]!, caData: Buffer.from('ca two').toString('base64') };
  const [c, d] = [await dispatcherOf(shared.kubeConfig), await dispatcherOf(shared.kubeConfig)];
  assert.notEqual(c.dispatcher, a.dispatcher);
  assert.equal(c.dispatcher, d.dispatcher);
  assert.equal(shared.built, 2);
});
