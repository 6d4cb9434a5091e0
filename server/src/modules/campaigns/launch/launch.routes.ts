import { Readable } from 'node:stream';
import { CampaignRoutes } from '@lyra/contracts';
import { actorOf } from '../../../http/auth.plugin.js';
import { serve } from '../../../http/declared-route.js';
import type { App } from '../../../http/types.js';
import type { LaunchService } from './launch.service.js';

export function registerLaunchRoutes(app: App, deps: { launch: LaunchService }) {
  const { launch } = deps;
  const route = CampaignRoutes;

  serve(app, route.launch, { config: { access: 'campaigns:write' } }, async (req, reply) => reply.status(202).send(await launch.request(actorOf(req), req.params.id)));

  // Subscriber-level contact lists (MSISDNs) leave Lyra with this file: the people who run
  // campaigns may take it, not every signed-in reader.
  serve(app, route.targets, { config: { access: 'campaigns:write' } }, async (req, reply) => {
    const csv = launch.targetsCsv(req.params.id);
    // The first chunk is read here so an unknown campaign answers 404 in the envelope, not a broken stream.
    const first = await csv.next();
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="lyra-campaign-${req.params.id}-targets.csv"`)
      .send(Readable.from((async function* () {
        if (!first.done) yield first.value;
        yield* csv;
      })()));
  });
}
