/* hubspot_fdw 0.2.0 -> 0.3.0. A fresh CREATE EXTENSION runs 0.1.0, 0.1.0--0.2.0 and then this
   script. Each section belongs to one change; keep edits inside your own section. */

\echo Use "ALTER EXTENSION hubspot_fdw UPDATE TO '0.3.0'" to load this file. \quit

-- =====================================================================================
-- Shared-server safety: option validation, parallel safety, who may run a sync.
-- =====================================================================================

-- (end of section: Shared-server safety)



-- =====================================================================================
-- Odd data: values HubSpot holds, a failing sync's back-off.
-- =====================================================================================

-- The sync worker's back-off after failures, kept across restarts: failures in a row
-- (each start counts as one until a pass succeeds, so a worker that keeps dying waits
-- longer each time) and when it may next call HubSpot. The wait doubles per failure up
-- to a cap (the materializer's backoff.py computes it).
CREATE TABLE hubspot_fdw.sync_worker_backoff (
  server_name  text        PRIMARY KEY,
  failures     integer     NOT NULL DEFAULT 0,
  retry_at     timestamptz,
  reason       text,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hubspot_fdw.sync_worker_backoff IS
  'per server: failures in a row of its sync worker (each start counts until a pass succeeds) and when it tries again';

-- Called by a sync worker only: the server's back-off before this call; then, unless
-- new_failures is NULL, failures := new_failures and retry_at := now() + delay_seconds.
CREATE FUNCTION hubspot_fdw._sync_worker_backoff(server text, new_failures integer, delay_seconds float8,
                                                 why text, OUT failures integer, OUT retry_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  me text;
BEGIN
  SELECT a.backend_type INTO me FROM pg_catalog.pg_stat_activity a WHERE a.pid = pg_catalog.pg_backend_pid();
  IF me IS DISTINCT FROM 'hubspot_fdw sync' THEN
    RAISE EXCEPTION 'only a hubspot_fdw sync worker may record its back-off' USING ERRCODE = '42501';
  END IF;
  SELECT b.failures, b.retry_at INTO failures, retry_at
    FROM hubspot_fdw.sync_worker_backoff b WHERE b.server_name = server;
  failures := coalesce(failures, 0);
  IF new_failures IS NOT NULL THEN
    INSERT INTO hubspot_fdw.sync_worker_backoff AS b (server_name, failures, retry_at, reason)
    VALUES (server, new_failures,
            CASE WHEN new_failures > 0 THEN now() + delay_seconds * interval '1 second' END, why)
    ON CONFLICT (server_name) DO UPDATE
      SET failures = EXCLUDED.failures, retry_at = EXCLUDED.retry_at,
          reason = coalesce(EXCLUDED.reason, b.reason), updated_at = now();
  END IF;
END $$;

-- (end of section: Odd data)



-- =====================================================================================
-- Uncertain writes and deletions: uncertain_writes, deleted_records.
-- =====================================================================================

-- (end of section: Uncertain writes and deletions)



-- =====================================================================================
-- First week: schema drift and catalog: refresh_columns, readable comments, labels.
-- =====================================================================================

-- (end of section: First week: schema drift and catalog)



-- =====================================================================================
-- First week: sync progress and cost: sync_status progress and paced cost.
-- =====================================================================================

-- Who holds a server's sync, in words that say which process to stop: the daemon's own
-- pid and host (its connection's application_name, set by "hubspot-fdw sync"), not its
-- database session; for the background worker, how to stop it.
CREATE OR REPLACE FUNCTION hubspot_fdw._sync_holder(server text, OUT holder text, OUT pid integer,
                                                    OUT since timestamptz, OUT description text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT l.holder, l.pid, l.claimed_at,
         CASE WHEN l.holder = 'worker' THEN
                format('the background worker (pid %s, since %s); stop it with SELECT hubspot_fdw.stop_sync(%L)',
                       l.pid, to_char(l.claimed_at, 'YYYY-MM-DD HH24:MI:SS TZ'), server)
              WHEN m.parts IS NOT NULL THEN
                format('"hubspot-fdw sync" (pid %s on host %s, since %s); stop that process first',
                       m.parts[1], m.parts[2], to_char(l.claimed_at, 'YYYY-MM-DD HH24:MI:SS TZ'))
              ELSE
                format('"hubspot-fdw sync" (since %s; its database session is pid %s%s); stop that daemon first',
                       to_char(l.claimed_at, 'YYYY-MM-DD HH24:MI:SS TZ'), l.pid,
                       coalesce(', from ' || host(a.client_addr), ''))
         END
    FROM hubspot_fdw.sync_leases l
    JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid AND a.backend_start = l.backend_start
    LEFT JOIN LATERAL (SELECT regexp_match(a.application_name,
                                           '^hubspot-fdw sync \(pid ([0-9]+) on ([^)]+)') AS parts) m ON true
   WHERE l.server_name = server AND l.pid <> pg_catalog.pg_backend_pid()
$$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._sync_holder(text) FROM PUBLIC;

-- The plan's steady state: calls per day once every table is quiet (polled every
-- max_poll_interval), beside projected_per_day, now the paced figure (at most the share).
ALTER TABLE hubspot_fdw.sync_budget ADD COLUMN steady_per_day bigint;

-- sync_status: backfill progress (records_stored of backfill_records_total, percent) and
-- the server's steady-state cost beside its paced projection.
CREATE OR REPLACE VIEW hubspot_fdw.sync_status AS
SELECT s.server_name,
       s.table_name,
       s.phase,
       s.backfill_done,
       s.records_stored,
       s.last_success_at AS last_successful_poll,
       CASE WHEN s.synced_through IS NULL THEN NULL
            ELSE round(extract(epoch FROM (now() - s.synced_through))::numeric, 3) END AS lag_seconds,
       CASE WHEN s.api_calls_day = hubspot_fdw._budget_today(b.budget_zone) THEN s.api_calls_today ELSE 0 END AS api_calls_today,
       (SELECT count(*) FROM hubspot_fdw.sync_errors e
         WHERE e.server_name = s.server_name AND e.table_name = s.table_name) AS cast_errors,
       s.last_error,
       s.last_error_at,
       s.cache_schema,
       s.poll_interval AS poll_interval_seconds,
       s.projected_per_day AS projected_calls_per_day,
       CASE WHEN b.calls_day = hubspot_fdw._budget_today(b.budget_zone) THEN b.calls_today ELSE 0 END AS server_calls_today,
       b.allowed_per_day AS server_calls_allowed_per_day,
       b.projected_per_day AS server_projected_calls_per_day,
       b.daily_limit,
       b.daily_share,
       (SELECT count(*) FROM hubspot_fdw.deleted_records d
         WHERE d.server_name = s.server_name AND d.table_name = s.table_name
           AND d.detected_at >= current_date) AS deleted_today,
       coalesce(b.budget_zone, 'UTC') AS budget_time_zone,
       s.backfill_total AS backfill_records_total,
       CASE WHEN s.backfill_done THEN 100.0
            WHEN s.backfill_total > 0 THEN least(99.9, round(100.0 * s.records_stored / s.backfill_total, 1))
       END AS backfill_percent,
       b.steady_per_day AS server_steady_calls_per_day
  FROM hubspot_fdw.sync_state s
  LEFT JOIN hubspot_fdw.sync_budget b ON b.server_name = s.server_name;
COMMENT ON VIEW hubspot_fdw.sync_status IS
  'per synced table: phase, rows, backfill progress (records_stored of backfill_records_total, backfill_percent), lag, calls today, poll interval, projected calls per day; per server: calls today (of the budget day, in the portal time zone), allowed per day (daily limit x share), projected per day as paced (at most the allowed calls), steady-state calls per day once every table is quiet';

-- (end of section: First week: sync progress and cost)



-- =====================================================================================
-- Recorded HubSpot: object types, scopes.
-- =====================================================================================

-- (end of section: Recorded HubSpot)



-- =====================================================================================
-- Multicorn host: host behaviour.
-- =====================================================================================

-- (end of section: Multicorn host)



-- =====================================================================================
-- PostgreSQL 15-18: version-specific objects.
-- =====================================================================================

-- (end of section: PostgreSQL 15-18)



-- =====================================================================================
-- Property history: history tables.
-- =====================================================================================

-- (end of section: Property history)


