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


