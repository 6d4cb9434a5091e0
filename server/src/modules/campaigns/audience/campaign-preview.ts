import { AudienceDefinition, type AudiencePreview } from '@lyra/contracts';
import { zodIssuesToFields } from '../../../http/errors.plugin.js';
import { AppError } from '../../../lib/errors.js';
import type { CampaignsRepository } from '../campaigns.repository.js';
import type { AudiencePreviewService } from './audience-preview.js';

/**
 * A stored campaign's preview: its live definition, offers (each capped by its product's maximum
 * default risk), control share, salt (so the groups shown are the groups a launch makes) and budget.
 */
export function createCampaignPreview(deps: { campaigns: Pick<CampaignsRepository, 'findById' | 'offersOf'>; audiences: Pick<AudiencePreviewService, 'preview'> }) {
  return {
    async preview(id: string, opts: { costPerContact?: string } = {}): Promise<AudiencePreview> {
      const row = await deps.campaigns.findById(id);
      if (!row) throw AppError.notFound('Campaign');
      const parsed = AudienceDefinition.safeParse(row.audience);
      // A definition stored before the rule tree (or by hand) is named field by field, as on save.
      if (!parsed.success) throw AppError.validation(zodIssuesToFields(parsed.error.issues.map((i) => ({ ...i, path: ['audience', ...i.path] }))), 'The stored audience is not a valid definition');
      const offers = await deps.campaigns.offersOf([id]);
      if (offers.length === 0) throw AppError.validation({ offers: ['the campaign offers nothing yet: add an offer to preview its audience'] });
      const budget = {
        ...(row.budgetAmount !== null && { amount: row.budgetAmount }),
        ...(row.budgetCurrency !== null && { currency: row.budgetCurrency }),
        ...(row.budgetContacts !== null && { contacts: row.budgetContacts }),
      };
      return deps.audiences.preview({
        audience: parsed.data,
        offers: offers.map((o) => ({ product_id: o.productId })),
        controlShare: Number(row.controlShare),
        salt: row.salt,
        budget,
        ...(opts.costPerContact !== undefined && { costPerContact: opts.costPerContact }),
        excludeCampaignId: id,
      });
    },
  };
}
export type CampaignPreviewService = ReturnType<typeof createCampaignPreview>;
