// The storage credentials of a cluster's backups, read from the Secrets its spec names. The operator reads
// them for each backup and restore (a rotated Secret is used at once); the application never sees them.
import type { CoreV1Api } from '@kubernetes/client-node';
import type { ResolvedS3Storage } from '../api/backup-spec.ts';
import type { SecretKeyRef } from '../api/backup-types.ts';
import { describeError } from '../kube/exec.ts';
import { StorageError, type StorageAccess } from './object-store.ts';

async function secretValue(core: CoreV1Api, namespace: string, ref: SecretKeyRef, field: string): Promise<string> {
  let data: Record<string, string> | undefined;
  try {
    data = (await core.readNamespacedSecret({ namespace, name: ref.name })).data;
  } catch (error) {
    const code = (error as { code?: number }).code;
    throw new StorageError(
      code === 404
        ? `${field}: Secret ${namespace}/${ref.name} not found`
        : `${field}: cannot read Secret ${namespace}/${ref.name} (${describeError(error)}); the operator needs get on secrets`,
    );
  }
  const value = data?.[ref.key];
  if (value === undefined) throw new StorageError(`${field}: Secret ${namespace}/${ref.name} has no key ${ref.key}`);
  return Buffer.from(value, 'base64').toString('utf8').trim();
}

export async function readStorageAccess(core: CoreV1Api, namespace: string, storage: ResolvedS3Storage): Promise<StorageAccess> {
  const f = 'spec.backup.storage.s3';
  const [accessKeyId, secretAccessKey, ca] = await Promise.all([
    secretValue(core, namespace, storage.accessKeyId, `${f}.credentials.accessKeyId`),
    secretValue(core, namespace, storage.secretAccessKey, `${f}.credentials.secretAccessKey`),
    storage.ca ? secretValue(core, namespace, storage.ca, `${f}.ca`) : Promise.resolve(undefined),
  ]);
  return { storage, accessKeyId, secretAccessKey, ...(ca !== undefined ? { ca } : {}) };
}
