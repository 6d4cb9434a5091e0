import type { MlModel, MlModelName, MlModelVersion, MlVersionList } from '@lyra/contracts';
import { ML_MODEL_NAMES } from '@lyra/contracts';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { AppError } from '../../lib/errors.js';
import { TtlCache } from '../../lib/versioned-cache.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { Actor } from '../auth/permissions.js';
import { toVersion, toVersionSummary } from './ml.mapper.js';
import { MODEL_SPECS } from './ml.models.js';
import type { MlRepository, ModelVersionRow } from './ml.repository.js';
import type { LoadedModel, ModelCache } from './scoring/loaded-model.js';

const ACTIVE_REF_TTL_MS = 1000;

export interface RegistryServiceDeps {
  ml: Pick<MlRepository, 'overview' | 'latestRuns' | 'listVersions' | 'findVersion' | 'activeRef' | 'hasAnyVersion'>;
  /** Activation moves the active flag and writes its audit entry in one transaction. */
  uow: UnitOfWork<{ ml: Pick<MlRepository, 'activeRef' | 'activate'>; audit: Pick<AuditRepository, 'record'> }>;
  models: ModelCache;
}

/**
 * The model registry: the three models, their immutable versions, which one is active, and the
 * active version loaded for scoring.
 */
export function createRegistryService(deps: RegistryServiceDeps) {
  const { ml, uow, models } = deps;
  // Which version is active is read once a second per model, not per prediction; this instance's own
  // activations clear it at once, another instance's show within the second.
  const activeRefs = new TtlCache<{ id: string; version: number } | null>(ACTIVE_REF_TTL_MS);

  async function versionOf(name: MlModelName, v: number): Promise<ModelVersionRow> {
    const row = await ml.findVersion(name, v);
    if (!row) throw AppError.notFound(`Version ${v} of ${name}`);
    return row;
  }

  async function activeRef(name: MlModelName): Promise<{ id: string; version: number } | null> {
    const hit = activeRefs.get(name);
    if (hit !== undefined) return hit;
    const ref = await ml.activeRef(name);
    activeRefs.set(name, ref);
    return ref;
  }

  async function getVersion(name: MlModelName, v: number): Promise<MlModelVersion> {
    const row = await versionOf(name, v);
    return toVersion(row, (await ml.latestRuns([row.id])).get(row.id));
  }

  return {
    async listModels(): Promise<{ count: number; results: MlModel[] }> {
      const o = await ml.overview();
      const runs = await ml.latestRuns([...o.active, ...o.latest].map((v) => v.id));
      const results = ML_MODEL_NAMES.map((name): MlModel => {
        const active = o.active.find((v) => v.modelName === name);
        const latest = o.latest.find((v) => v.modelName === name);
        return {
          name,
          description: MODEL_SPECS[name].description,
          label: MODEL_SPECS[name].label,
          active_version: active ? toVersionSummary(active, runs.get(active.id)) : null,
          latest_version: latest ? toVersionSummary(latest, runs.get(latest.id)) : null,
          versions: o.counts.get(name) ?? 0,
        };
      });
      return { count: results.length, results };
    },

    async listVersions(name: MlModelName, limit: number, offset: number): Promise<MlVersionList> {
      const { count, results } = await ml.listVersions(name, { limit, offset });
      const runs = await ml.latestRuns(results.map((r) => r.id));
      return { count, results: results.map((r) => toVersionSummary(r, runs.get(r.id))) };
    },

    getVersion,

    async activate(actor: Actor, name: MlModelName, v: number): Promise<MlModelVersion> {
      const row = await versionOf(name, v);
      if (row.status !== 'ready') throw AppError.conflict(`Version ${v} of ${name} is ${row.status}; only a ready version can be activated`, 'version_not_ready');
      if (!row.isActive) {
        await uow.transaction(async (tx) => {
          const before = await tx.ml.activeRef(name);
          await tx.ml.activate(name, row.id, actor.email);
          await tx.audit.record(actor, {
            action: 'activate', entityType: 'ml_model_version', entityId: row.id,
            before: before ? { model: name, active_version: before.version } : { model: name, active_version: null },
            after: { model: name, active_version: v },
          });
        });
        activeRefs.delete(name);
      }
      return getVersion(name, v);
    },

    hasAnyVersion: (name: MlModelName) => ml.hasAnyVersion(name),

    /** The active version, loaded once per process (409 no_active_model without one). */
    async activeModel(name: MlModelName): Promise<LoadedModel> {
      const ref = await activeRef(name);
      if (!ref) throw AppError.conflict(`No active version of ${name}: train one (POST /api/loyalty/v1/ml/models/${name}/train/) and activate it`, 'no_active_model');
      return models.get(ref.id);
    },

    /** Another part of this instance (a training's first version going live) changed the active version. */
    activeChanged(name: MlModelName): void {
      activeRefs.delete(name);
    },
  };
}
export type RegistryService = ReturnType<typeof createRegistryService>;
