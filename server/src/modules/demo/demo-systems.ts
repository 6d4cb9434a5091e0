import type { AllSimulators } from '@lyra/simulators';
import { SYSTEM_ACTOR } from '../auth/permissions.js';
import type { ExternalSystemsService } from '../catalog-sync/external-systems.service.js';

/**
 * The demo's three external systems, configured against the built-in simulators so "Sync now"
 * works out of the box. Existing systems keep their settings; only a moved simulator URL is updated.
 * A type that already has a system of the operator's gets no simulator beside it.
 */
export async function ensureDemoSystems(systems: Pick<ExternalSystemsService, 'list' | 'create' | 'update'>, sims: AllSimulators): Promise<{ id: string; name: string; systemType: 'xiva' | 'crm' | 'billing' }[]> {
  const wanted = [
    {
      name: 'Xiva BSS (simulator)', system_type: 'xiva' as const, base_url: `${sims.xiva.url}/api`, api_version: 'v5' as const,
      auth: { type: 'jwt' as const, username: sims.xiva.credentials.email, secret: sims.xiva.credentials.password },
      sync_frequency: 'daily' as const, full_sync_every: 7,
    },
    {
      name: 'CRM (simulator)', system_type: 'crm' as const, base_url: sims.crm.url, api_version: null,
      auth: { type: 'oauth2_client_credentials' as const, username: sims.crm.credentials.clientId, secret: sims.crm.credentials.clientSecret },
      sync_frequency: 'every_n_days' as const, sync_interval_days: 3, full_sync_every: 1,
    },
    {
      name: 'Billing OCS (simulator)', system_type: 'billing' as const, base_url: sims.billing.url, api_version: null,
      auth: { type: 'api_key' as const, secret: sims.billing.credentials.apiKey },
      sync_frequency: 'weekly' as const, full_sync_every: 1,
    },
  ];
  const existing = await systems.list();
  const created: { id: string; name: string; systemType: 'xiva' | 'crm' | 'billing' }[] = [];
  for (const w of wanted) {
    const found = existing.find((s) => s.name === w.name) ?? existing.find((s) => s.system_type === w.system_type);
    if (!found) {
      const system = await systems.create(SYSTEM_ACTOR, {
        default_currency: null, timeout_ms: 15_000, max_retries: 5, rate_limit_per_minute: 0, is_active: true,
        sync_interval_days: null, sync_cron: null, retire_guard_percent: 20, ...w,
      });
      created.push({ id: system.id, name: w.name, systemType: w.system_type });
    } else if (found.name === w.name && found.base_url !== w.base_url) {
      await systems.update(SYSTEM_ACTOR, found.id, { base_url: w.base_url });
    }
  }
  return created;
}
