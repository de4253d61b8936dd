// An experiment, not a fix: preloaded into the operator process by
//   npm run bench -- scale --operator-node-options="--import ./bench/lib/what-if-shared-tls.ts"
// it gives every TLS connection that carries the same CA, client certificate and key one shared
// tls.SecureContext, instead of the new one Node builds (parsing the certificates and the key again) for
// each connection. The operator opens one TLS connection per exec (a WebSocket upgrade cannot share a
// connection), so this shows what building the context once in src/kube/exec.ts would save, in CPU and
// in memory, without changing the operator.
import { createHash } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import tls from 'node:tls';

const contexts = new Map<string, tls.SecureContext>();
const original = tls.connect;

function keyOf(o: tls.ConnectionOptions): string | undefined {
  if (!o.cert || !o.key) return undefined;
  const h = createHash('sha256');
  for (const part of [o.ca, o.cert, o.key]) h.update(String(part instanceof Buffer ? part.toString('base64') : JSON.stringify(part ?? '')));
  return h.digest('hex');
}

(tls as { connect: typeof tls.connect }).connect = function connect(this: unknown, ...args: unknown[]) {
  const options = args.find((a): a is tls.ConnectionOptions => typeof a === 'object' && a !== null);
  if (options && !options.secureContext) {
    const key = keyOf(options);
    if (key) {
      let context = contexts.get(key);
      if (!context) {
        context = tls.createSecureContext(options);
        contexts.set(key, context);
      }
      options.secureContext = context;
    }
  }
  return (original as (...a: unknown[]) => tls.TLSSocket).apply(this, args);
} as typeof tls.connect;
syncBuiltinESMExports();
