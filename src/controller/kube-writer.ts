// The reconciler's writes, against the API server.
import type { AppsV1Api, CoreV1Api, CustomObjectsApi, PolicyV1Api, V1PodCondition, V1PodDisruptionBudget, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { FIELD_MANAGER, GROUP, PLURAL, VERSION } from '../api/names.ts';
import type { ReplicatedStatefulSetStatus } from '../api/types.ts';
import type { ClusterWriter } from './ports.ts';

function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

export class KubeClusterWriter implements ClusterWriter {
  private readonly api: { core: CoreV1Api; apps: AppsV1Api; custom: CustomObjectsApi; policy: PolicyV1Api };

  constructor(api: { core: CoreV1Api; apps: AppsV1Api; custom: CustomObjectsApi; policy: PolicyV1Api }) {
    this.api = api;
  }

  /** Server-side apply: the operator owns exactly the fields it sets, and re-applying is harmless. */
  async applyService(namespace: string, body: V1Service): Promise<void> {
    await this.api.core.patchNamespacedService({ name: body.metadata!.name!, namespace, body, fieldManager: FIELD_MANAGER, force: true }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
  }

  async applyStatefulSet(namespace: string, body: V1StatefulSet): Promise<void> {
    await this.api.apps.patchNamespacedStatefulSet({ name: body.metadata!.name!, namespace, body, fieldManager: FIELD_MANAGER, force: true }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
  }

  async applyPodDisruptionBudget(namespace: string, body: V1PodDisruptionBudget): Promise<void> {
    await this.api.policy.patchNamespacedPodDisruptionBudget({ name: body.metadata!.name!, namespace, body, fieldManager: FIELD_MANAGER, force: true }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
  }

  async deletePodDisruptionBudget(namespace: string, name: string): Promise<void> {
    try {
      await this.api.policy.deleteNamespacedPodDisruptionBudget({ name, namespace });
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
  }

  /** A strategic merge patch of pods/status: conditions merge by type, so only this one is touched. */
  async setPodCondition(namespace: string, name: string, condition: V1PodCondition): Promise<void> {
    const body = { status: { conditions: [{ lastTransitionTime: new Date().toISOString(), ...condition }] } };
    try {
      await this.api.core.patchNamespacedPodStatus({ name, namespace, body, fieldManager: FIELD_MANAGER }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    try {
      await this.api.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
  }

  async labelPod(namespace: string, name: string, labels: Record<string, string>): Promise<void> {
    try {
      await this.api.core.patchNamespacedPod({ name, namespace, body: { metadata: { labels } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
  }

  async patchStatus(namespace: string, name: string, status: ReplicatedStatefulSetStatus): Promise<boolean> {
    try {
      // A merge patch of the status subresource: no read-modify-write, so no conflict to lose.
      await this.api.custom.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { status }, fieldManager: FIELD_MANAGER },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return true;
    } catch (error) {
      if (statusCode(error) === 404) return false;
      throw error;
    }
  }

  async removeAnnotation(namespace: string, name: string, key: string): Promise<void> {
    await this.api.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { metadata: { annotations: { [key]: null } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}
