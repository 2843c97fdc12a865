/* hubspot_fdw 0.1.0 -> 0.2.0. A fresh CREATE EXTENSION runs 0.1.0 and then this script.
   Each section belongs to one change; keep edits inside your own section. */

\echo Use "ALTER EXTENSION hubspot_fdw UPDATE TO '0.2.0'" to load this file. \quit

-- =====================================================================================
-- Set-up and docs (issue 9): import comments, property options.
-- =====================================================================================

-- =====================================================================================
-- Sync budget, one cache per portal, deletions (issue 10).
-- =====================================================================================

-- Which server and HubSpot portal a cache schema belongs to. Written by the
-- materializer when it first syncs into a schema; read at plan time by the C host
-- (a cache whose stamp names another server is never read) and by the sync
-- (a portal id that differs from the stamp is refused).
CREATE TABLE hubspot_fdw.cache_portals (
  cache_schema text        PRIMARY KEY,
  server_name  text        NOT NULL,
  portal_id    bigint,
  stamped_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hubspot_fdw.cache_portals IS
  'the server and HubSpot portal each cache schema belongs to; a mismatch is refused';

-- Records that left a cache table, with when and why: 'archived' (HubSpot's archived
-- listing), 'merged' (merged into merged_into), 'gone' (no longer listed at all: a GDPR
-- delete, or a merge seen only by the id diff). A restored record is removed from here.
CREATE TABLE hubspot_fdw.deleted_records (
  server_name  text        NOT NULL,
  table_name   text        NOT NULL,
  record_id    text        NOT NULL,
  reason       text        NOT NULL CHECK (reason IN ('archived', 'merged', 'gone')),
  merged_into  text,
  deleted_at   timestamptz,                      -- HubSpot's archivedAt when it gave one
  detected_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (server_name, table_name, record_id)
);
CREATE INDEX deleted_records_detected_idx ON hubspot_fdw.deleted_records (server_name, detected_at);
COMMENT ON TABLE hubspot_fdw.deleted_records IS
  'records removed from a cache table: when (detected_at, deleted_at) and why (archived / merged into merged_into / gone)';

-- The sync's daily plan per server: HubSpot's daily limit (from its headers), the share
-- the sync may spend, what it spent today.
CREATE TABLE hubspot_fdw.sync_budget (
  server_name      text        PRIMARY KEY,
  daily_limit      bigint,                       -- X-HubSpot-RateLimit-Daily
  daily_remaining  bigint,                       -- X-HubSpot-RateLimit-Daily-Remaining when last seen
  daily_share      numeric     NOT NULL DEFAULT 0.10,
  calls_day        date,
  calls_today      bigint      NOT NULL DEFAULT 0,
  allowed_per_day  bigint,                       -- daily_limit (or the assumed limit until seen) x share
  projected_per_day bigint,                      -- what the current plan costs per day
  updated_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hubspot_fdw.sync_budget IS
  'per server: HubSpot daily limit, the share the sync may spend, calls today, projected calls per day';

-- poll_interval: seconds between polls of the table now; projected_per_day: calls per
-- day at that interval.
ALTER TABLE hubspot_fdw.sync_state
  ADD COLUMN poll_interval     real,
  ADD COLUMN projected_per_day bigint;

CREATE OR REPLACE VIEW hubspot_fdw.sync_status AS
SELECT s.server_name,
       s.table_name,
       s.phase,
       s.backfill_done,
       s.records_stored,
       s.last_success_at AS last_successful_poll,
       CASE WHEN s.synced_through IS NULL THEN NULL
            ELSE round(extract(epoch FROM (now() - s.synced_through))::numeric, 3) END AS lag_seconds,
       CASE WHEN s.api_calls_day = current_date THEN s.api_calls_today ELSE 0 END AS api_calls_today,
       (SELECT count(*) FROM hubspot_fdw.sync_errors e
         WHERE e.server_name = s.server_name AND e.table_name = s.table_name) AS cast_errors,
       s.last_error,
       s.last_error_at,
       s.cache_schema,
       s.poll_interval AS poll_interval_seconds,
       s.projected_per_day AS projected_calls_per_day,
       CASE WHEN b.calls_day = current_date THEN b.calls_today ELSE 0 END AS server_calls_today,
       b.allowed_per_day AS server_calls_allowed_per_day,
       b.projected_per_day AS server_projected_calls_per_day,
       b.daily_limit,
       b.daily_share,
       (SELECT count(*) FROM hubspot_fdw.deleted_records d
         WHERE d.server_name = s.server_name AND d.table_name = s.table_name
           AND d.detected_at >= current_date) AS deleted_today
  FROM hubspot_fdw.sync_state s
  LEFT JOIN hubspot_fdw.sync_budget b ON b.server_name = s.server_name;
COMMENT ON VIEW hubspot_fdw.sync_status IS
  'per synced table: phase, rows, lag, calls today, poll interval, projected calls per day; per server: calls today, allowed per day (daily limit x share), projected per day';

-- The default cache schema is per server: <server>_cache (cache/names.py).
CREATE OR REPLACE FUNCTION hubspot_fdw._sync_target(rel regclass, OUT server_name text, OUT table_name text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  SELECT s.srvname::text,
         coalesce((SELECT substr(o, 7) FROM unnest(ft.ftoptions) o WHERE o LIKE 'table=%' LIMIT 1),
                  c.relname::text)
    INTO server_name, table_name
    FROM pg_catalog.pg_foreign_table ft
    JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
    JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid
   WHERE ft.ftrelid = rel;
  IF server_name IS NULL THEN
    SELECT st.server_name, st.table_name INTO server_name, table_name
      FROM hubspot_fdw.sync_state st
      JOIN pg_catalog.pg_class c ON c.relname = st.table_name
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = st.cache_schema
     WHERE c.oid = rel
     LIMIT 1;
  END IF;
  IF server_name IS NULL THEN  -- a cache table not synced yet: the server owning its schema
    SELECT s.srvname::text, c.relname::text INTO server_name, table_name
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_foreign_server s
        ON n.nspname = coalesce((SELECT substr(o, 14) FROM unnest(s.srvoptions) o
                                  WHERE o LIKE 'cache\_schema=%' LIMIT 1), s.srvname || '_cache')
      JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw AND w.fdwname = 'hubspot_fdw'
     WHERE c.oid = rel
     ORDER BY s.srvname
     LIMIT 1;
  END IF;
  IF server_name IS NULL THEN
    RAISE EXCEPTION 'relation % is not a hubspot_fdw foreign table or cache table', rel
      USING ERRCODE = '42809';
  END IF;
END $$;

-- =====================================================================================
-- Truthful writes (issue 11).
-- =====================================================================================

-- =====================================================================================
-- Access and crash safety (issue 12).
-- =====================================================================================

-- =====================================================================================
-- Native-speed cache reads (issue 13).
-- =====================================================================================

-- =====================================================================================
-- Background worker (issue 15).
-- =====================================================================================

-- =====================================================================================
-- Upstream Multicorn2 (issue 16).
-- =====================================================================================
