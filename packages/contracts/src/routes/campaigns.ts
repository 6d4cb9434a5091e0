import { z } from 'zod';
import {
  CAMPAIGN_TARGET_CSV_COLUMNS, Campaign, CampaignActionBody, CampaignCreate, CampaignList, CampaignListQuery, CampaignPatch, CampaignVersionList, CampaignVersionParam,
  Segment, SegmentCreate, SegmentList, SegmentListQuery, SegmentPatch, type CampaignAction,
} from '../campaigns.js';
import { AudiencePreview, CampaignPreviewBody } from '../campaign-audience.js';
import { CampaignReport, CampaignReportQuery } from '../campaign-results.js';
import { IdParam } from '../common.js';
import { API_BASE, COMMON_ERRORS, route } from '../http.js';

const campaigns = `${API_BASE}/campaigns`;
const tags = ['campaigns'];
const errors = COMMON_ERRORS;

/**
 * One route per status action, so each names its own permission (approve and reject are the
 * approver's). `launch` answers 202: the launch is a job (audience snapshot, control, contacts ledger).
 */
const action = <const A extends CampaignAction>(name: A, summary: string) =>
  route({ method: 'POST', path: `${campaigns}/:id/${name}/`, tags, summary, params: IdParam, body: CampaignActionBody.nullish(), response: Campaign, errors });

export const CampaignRoutes = {
  list: route({ method: 'GET', path: `${campaigns}/`, tags, summary: 'List campaigns (status, dates, offers, audience size)', query: CampaignListQuery, response: CampaignList, errors }),
  create: route({ method: 'POST', path: `${campaigns}/`, tags, summary: 'Create a draft campaign', body: CampaignCreate, status: 201, response: Campaign, errors }),
  get: route({ method: 'GET', path: `${campaigns}/:id/`, tags, summary: 'A campaign with every offer\'s product details', params: IdParam, response: Campaign, errors }),
  update: route({
    method: 'PATCH', path: `${campaigns}/:id/`, tags,
    summary: 'Change a campaign: drafts in place; submitted or scheduled ones go back to draft; running or paused ones get a new version needing approval',
    params: IdParam, body: CampaignPatch, response: Campaign, errors,
  }),
  versions: route({ method: 'GET', path: `${campaigns}/:id/versions/`, tags, summary: 'Every saved version of the definition', params: IdParam, response: CampaignVersionList, errors }),
  approveVersion: route({
    method: 'POST', path: `${campaigns}/:id/versions/:version/approve/`, tags, summary: 'Approve a running campaign\'s pending version (not by its author)',
    params: CampaignVersionParam, response: Campaign, errors,
  }),
  acknowledge: route({
    method: 'POST', path: `${campaigns}/:id/acknowledge/`, tags, summary: 'The owner has seen the catalog changes flagged on the campaign (re-prices)',
    params: IdParam, response: Campaign, errors,
  }),
  preview: route({
    method: 'POST', path: `${campaigns}/:id/preview/`, tags,
    summary: "Preview the campaign's audience before anything is sent: funnel, treated and control, per-offer eligibility, sample, overlap, expected responders, cost",
    params: IdParam, body: CampaignPreviewBody.nullish(), response: AudiencePreview, errors,
  }),
  report: route({
    method: 'GET', path: `${campaigns}/:id/report/`, tags,
    summary: 'Results of a launched campaign: response rates per group, measured uplift with its 95% interval, incremental responders and revenue, cost, per-offer and daily series',
    params: IdParam, query: CampaignReportQuery, response: CampaignReport, errors,
  }),
  launch: route({
    method: 'POST', path: `${campaigns}/:id/launch/`, tags, status: 202,
    summary: 'Launch a scheduled campaign now (or again after a failed launch): a job freezes the audience with its control group and writes the contacts; launch_state and launch_done show its progress',
    params: IdParam, body: CampaignActionBody.nullish(), response: Campaign, errors,
  }),
  targets: route({
    method: 'GET', path: `${campaigns}/:id/targets.csv`, tags,
    summary: "The launched campaign's target list as CSV (treated subscribers, offer, channel, rendered message, contact state) for an execution system outside Lyra; columns " + CAMPAIGN_TARGET_CSV_COLUMNS.join(', '),
    params: IdParam, errors: {},
  }),
  submit: action('submit', 'Submit a draft for approval'),
  approve: action('approve', 'Approve a submitted campaign (not by its submitter)'),
  reject: action('reject', 'Send a submitted campaign back to draft'),
  pause: action('pause', 'Pause a running campaign'),
  resume: action('resume', 'Resume a paused campaign'),
  complete: action('complete', 'End a running or paused campaign'),
  cancel: action('cancel', 'Cancel a campaign that has not ended'),
};

const segments = `${API_BASE}/segments`;
const segmentTags = ['segments'];

export const SegmentRoutes = {
  list: route({ method: 'GET', path: `${segments}/`, tags: segmentTags, summary: 'The managed segments with their member counts', query: SegmentListQuery, response: SegmentList, errors }),
  create: route({ method: 'POST', path: `${segments}/`, tags: segmentTags, summary: 'Add a segment', body: SegmentCreate, status: 201, response: Segment, errors }),
  get: route({ method: 'GET', path: `${segments}/:id/`, tags: segmentTags, summary: 'A segment', params: IdParam, response: Segment, errors }),
  update: route({ method: 'PATCH', path: `${segments}/:id/`, tags: segmentTags, summary: 'Rename or describe a segment', params: IdParam, body: SegmentPatch, response: Segment, errors }),
  remove: route({
    method: 'DELETE', path: `${segments}/:id/`, tags: segmentTags, summary: 'Delete a segment nobody uses (409 naming its users)', params: IdParam, status: 204, response: z.null(), errors,
  }),
};
