import { AudiencePreview, AudiencePreviewRequest } from '../campaign-audience.js';
import { API_BASE, errorsOf, route } from '../http.js';

const tags = ['campaigns'];
const errors = errorsOf(400, 401, 403);

/**
 * The audience of a campaign being built, previewed before it is saved: the builder's live
 * funnel. A stored campaign previews its own definition (and salt) through the campaigns routes.
 */
export const AudienceRoutes = {
  preview: route({
    method: 'POST', path: `${API_BASE}/audiences/preview/`, tags,
    summary: 'Preview an audience: count after each rule, treated and control sizes, per-offer eligibility, sample, expected responders, cost, score warnings',
    body: AudiencePreviewRequest, response: AudiencePreview, errors,
  }),
};
