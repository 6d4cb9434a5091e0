import { AudienceRoutes, CampaignRoutes } from '@lyra/contracts';
import { serve } from '../../../http/declared-route.js';
import type { App } from '../../../http/types.js';
import type { AudiencePreviewService } from './audience-preview.js';
import type { CampaignPreviewService } from './campaign-preview.js';

export function registerAudienceRoutes(app: App, deps: { audiences: Pick<AudiencePreviewService, 'preview'>; campaignPreview: CampaignPreviewService }) {
  serve(app, AudienceRoutes.preview, { config: { access: 'campaigns:read' } }, (req) => deps.audiences.preview({
    audience: req.body.audience,
    offers: req.body.offers,
    controlShare: req.body.control_share,
    ...(req.body.budget && { budget: req.body.budget }),
    ...(req.body.cost_per_contact !== undefined && { costPerContact: req.body.cost_per_contact }),
  }));
  serve(app, CampaignRoutes.preview, { config: { access: 'campaigns:read' } }, (req) => deps.campaignPreview.preview(req.params.id, {
    ...(req.body?.cost_per_contact !== undefined && { costPerContact: req.body.cost_per_contact }),
  }));
}
