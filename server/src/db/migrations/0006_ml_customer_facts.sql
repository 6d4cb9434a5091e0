-- Everything the ML features need for these subscribers as of a day S (p_as_of), one JSON row per
-- subscriber, ordered by id: usage of the complete months before p_usage_end (S's month, or the month
-- after the newest usage loaded when the feed lags); holdings held at S; purchases, contacts and
-- responses before S; bills issued and due before S, settled by payments before S. Nothing dated on or
-- after S is read, so no label window can leak in (features.test.ts deletes those rows and compares).
-- A plpgsql function so each database session plans this large statement once and reuses the plan: a
-- single prediction's feature read costs about half as much.
CREATE OR REPLACE FUNCTION "ml_customer_facts"(p_ids text[], p_as_of date, p_usage_end date) RETURNS SETOF json
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY SELECT row_to_json(f) FROM (
      with usage as (
        select customer_id,
          count(*)::int as usage_months_6m,
          max(data_gb) filter (where month = (p_usage_end::date - interval '1 month')::date) as data1m,
          avg(data_gb) filter (where month >= (p_usage_end::date - interval '3 months')::date) as data3m,
          avg(data_gb) filter (where month < (p_usage_end::date - interval '3 months')::date) as data_prev3m,
          avg(data_gb) as data6m,
          max(voice_minutes) filter (where month = (p_usage_end::date - interval '1 month')::date) as voice1m,
          avg(voice_minutes) filter (where month >= (p_usage_end::date - interval '3 months')::date) as voice3m,
          avg(voice_minutes) filter (where month < (p_usage_end::date - interval '3 months')::date) as voice_prev3m,
          avg(sms::float8) filter (where month >= (p_usage_end::date - interval '3 months')::date) as sms3m,
          max(spend) filter (where month = (p_usage_end::date - interval '1 month')::date) as spend1m,
          avg(spend) filter (where month >= (p_usage_end::date - interval '3 months')::date) as spend3m,
          avg(spend) filter (where month < (p_usage_end::date - interval '3 months')::date) as spend_prev3m,
          avg(spend) as spend6m,
          sum(topup_count::float8) filter (where month >= (p_usage_end::date - interval '3 months')::date) as topups3m,
          avg(topup_amount) filter (where month >= (p_usage_end::date - interval '3 months')::date) as topup_amount3m
        from (
          select customer_id, month, data_gb, voice_minutes, sms, spend::float8 as spend, topup_count, topup_amount::float8 as topup_amount
          from "customer_usage"
          where customer_id = any(p_ids::text[]) and month >= (p_usage_end::date - interval '6 months')::date and month < p_usage_end::date
        ) u
        group by customer_id
      ),
      held as (
        select h.customer_id,
          coalesce(json_agg(json_build_object('id', p.id, 't', p.product_type, 'f', p.features) order by p.id, h.id)
            filter (where h.ended_at is null or h.ended_at > ((p_as_of::date)::timestamp at time zone 'UTC')), '[]'::json) as held,
          max(h.started_at) filter (where p.product_type = 'device') as device_start
        from "customer_holdings" h join "products" p on p.id = h.product_id
        where h.customer_id = any(p_ids::text[]) and h.started_at < ((p_as_of::date)::timestamp at time zone 'UTC')
        group by h.customer_id
      ),
      pur as (
        select x.customer_id,
          count(*)::int as purchases_total,
          max(x.purchased_at) as last_at,
          max(x.purchased_at) filter (where p.product_type = 'device') as device_at,
          coalesce(json_agg(json_build_object('id', x.product_id, 't', p.product_type, 'c', p.category,
              'd', floor(extract(epoch from (((p_as_of::date)::timestamp at time zone 'UTC') - x.purchased_at)) / 86400)::int, 'p', x.price::float8) order by x.purchased_at, x.id)
            filter (where x.purchased_at >= ((p_as_of::date)::timestamp at time zone 'UTC') - interval '365 days'), '[]'::json) as purchases
        from "customer_purchases" x
        -- One product lookup per purchase by primary key ("offset 0" keeps the planner from hashing the whole
        -- catalog, which costs more than the few purchases of a single prediction).
        join lateral (select pp.product_type, pp.category from "products" pp where pp.id = x.product_id offset 0) p on true
        where x.customer_id = any(p_ids::text[]) and x.purchased_at < ((p_as_of::date)::timestamp at time zone 'UTC')
        group by x.customer_id
      ),
      con as (
        -- A response counts once it happened before S; without a time, once the contact's response window (14 days) has passed.
        select customer_id,
          count(*) filter (where contacted_at >= ((p_as_of::date)::timestamp at time zone 'UTC') - interval '180 days')::int as contacts180,
          count(*) filter (where contacted_at >= ((p_as_of::date)::timestamp at time zone 'UTC') - interval '180 days' and responded
            and coalesce(responded_at < ((p_as_of::date)::timestamp at time zone 'UTC'), contacted_at < ((p_as_of::date)::timestamp at time zone 'UTC') - interval '14 days'))::int as responses180,
          count(*)::int as contacts_total,
          count(*) filter (where responded and coalesce(responded_at < ((p_as_of::date)::timestamp at time zone 'UTC'), contacted_at < ((p_as_of::date)::timestamp at time zone 'UTC') - interval '14 days'))::int as responses_total,
          max(contacted_at) as last_contact
        from "campaign_contacts"
        where customer_id = any(p_ids::text[]) and contacted_at < ((p_as_of::date)::timestamp at time zone 'UTC') and "group" = 'treated'
        group by customer_id
      ),
      bl as (
        select b.customer_id, b.bill_date, b.due_date, b.amount::float8 as amount, coalesce(pp.paid, 0)::float8 as paid,
          case when b.amount <= 0 then b.bill_date else pp.settled end as settled,
          row_number() over (partition by b.customer_id order by b.bill_date desc, b.id desc) as rn
        from "customer_bills" b
        left join lateral (
          select max(x.cum) as paid, min(x.paid_date) filter (where x.cum >= b.amount) as settled
          from (
            select cp.paid_date, sum(cp.amount) over (order by cp.paid_date, cp.id) as cum
            from "customer_payments" cp where cp.bill_id = b.id and cp.paid_date < p_as_of::date
          ) x
        ) pp on true
        where b.customer_id = any(p_ids::text[]) and b.bill_date < p_as_of::date
      ),
      bills as (
        select customer_id,
          count(*) filter (where due_date < p_as_of::date and due_date >= p_as_of::date - 365)::int as bills12,
          count(*) filter (where due_date < p_as_of::date and due_date >= p_as_of::date - 365 and (settled is null or settled > due_date))::int as late12,
          avg(coalesce(settled, p_as_of::date) - due_date) filter (where due_date < p_as_of::date and due_date >= p_as_of::date - 365 and (settled is null or settled > due_date))::float8 as avg_late12,
          max(coalesce(settled, p_as_of::date) - due_date) filter (where due_date < p_as_of::date and due_date >= p_as_of::date - 365 and (settled is null or settled > due_date))::int as max_late12,
          count(*) filter (where due_date < p_as_of::date and settled is null)::int as overdue,
          coalesce(sum(greatest(amount - paid, 0)) filter (where due_date < p_as_of::date and settled is null), 0)::float8 as overdue_amount,
          (sum(greatest(amount - paid, 0)) filter (where due_date < p_as_of::date and due_date >= p_as_of::date - 365 and settled is null)
            / nullif(sum(amount) filter (where due_date < p_as_of::date and due_date >= p_as_of::date - 365), 0))::float8 as unpaid_share12,
          avg(amount) filter (where rn <= 3)::float8 as avg_bill3
        from bl
        group by customer_id
      )
      select c.id, c.plan_type, c.value_band, c.customer_value::float8 as customer_value, c.status, c.segments, c.region, c.age_band,
        c.device_type, c.device_os, c.activation_date::text as activation_date, c.currency,
        u.usage_months_6m, u.data1m, u.data3m, u.data_prev3m, u.data6m, u.voice1m, u.voice3m, u.voice_prev3m, u.sms3m,
        u.spend1m, u.spend3m, u.spend_prev3m, u.spend6m, u.topups3m, u.topup_amount3m,
        h.held,
        (greatest(h.device_start, pur.device_at) at time zone 'UTC')::date::text as device_date,
        pur.purchases, pur.purchases_total, (p_as_of::date - (pur.last_at at time zone 'UTC')::date) as days_since_purchase,
        con.contacts180, con.responses180, con.contacts_total, con.responses_total,
        (p_as_of::date - (con.last_contact at time zone 'UTC')::date) as days_since_contact,
        bills.bills12, bills.late12, bills.avg_late12, bills.max_late12, bills.overdue, bills.overdue_amount, bills.unpaid_share12, bills.avg_bill3
      from "customers" c
      left join usage u on u.customer_id = c.id
      left join held h on h.customer_id = c.id
      left join pur on pur.customer_id = c.id
      left join con on con.customer_id = c.id
      left join bills on bills.customer_id = c.id
      where c.id = any(p_ids::text[])
      order by c.id
  ) f ORDER BY f.id;
END $$;
