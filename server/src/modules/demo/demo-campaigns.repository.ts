import { sql } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from '../../db/client.js';

/** What the demo's campaign seeding reads and the one thing it dates: nothing an operator's data goes through. */
export function createDemoCampaignsRepository(db: DbOrTx) {
  return {
    async campaignCount(): Promise<number> {
      return Number(rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from campaigns`))[0]?.n ?? 0);
    },

    /**
     * Dates a queued launch in the past before the launch job takes it (the job keeps a launch time
     * already set): the demo shows a campaign that has been running for some days, with every
     * contact and control window starting at that time, as a real launch back then would have.
     */
    async dateQueuedLaunch(campaignId: string, at: string): Promise<boolean> {
      const done = rowsOf<{ id: string }>(await db.execute(sql`update campaigns set launched_at = ${at}::timestamptz
        where id = ${campaignId}::uuid and launch_state = 'queued' and launched_at is null returning id`));
      return done.length === 1;
    },

    async members(campaignId: string): Promise<{ customerId: string; group: 'treated' | 'control'; currency: string }[]> {
      const rows = rowsOf<{ customer_id: string; group: 'treated' | 'control'; currency: string }>(await db.execute(sql`
        select m.customer_id, m."group", c.currency from campaign_members m join customers c on c.id = m.customer_id
        where m.campaign_id = ${campaignId}::uuid order by m.customer_id`));
      return rows.map((r) => ({ customerId: r.customer_id, group: r.group, currency: r.currency }));
    },
  };
}
