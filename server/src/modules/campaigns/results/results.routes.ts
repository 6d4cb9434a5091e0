import { CampaignRoutes } from '@lyra/contracts';
import { serve } from '../../../http/declared-route.js';
import type { App } from '../../../http/types.js';
import type { ResultsService } from './results.service.js';

export function registerCampaignResultsRoutes(app: App, deps: { results: Pick<ResultsService, 'report'> }) {
  serve(app, CampaignRoutes.report, { config: { access: 'campaigns:read' } }, (req) => deps.results.report(req.params.id, req.query));
}
