/* hubspot_fdw 0.1.0: the FDW host's SQL objects. Released scripts are never edited. */

\echo Use "CREATE EXTENSION hubspot_fdw" to load this file. \quit

CREATE FUNCTION hubspot_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION hubspot_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER hubspot_fdw
  HANDLER hubspot_fdw_handler
  VALIDATOR hubspot_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER hubspot_fdw IS
  'HubSpot CRM (server option wrapper names any Multicorn-style Python class; default hubspot_fdw.HubSpotFdw)';

-- Call "package.module.function"(argument) in the backend's Python; the base of
-- the project's SQL functions. Not for PUBLIC.
CREATE FUNCTION _python_call(function text, argument text)
RETURNS text
AS 'MODULE_PATHNAME', 'hubspot_fdw_python_call'
LANGUAGE C;
REVOKE EXECUTE ON FUNCTION _python_call(text, text) FROM PUBLIC;

-- =====================================================================================
-- Materializer (issue 6): sync state, value cast errors, status, refresh, wait_for_sync.
-- Written by hubspot_fdw/materializer (own process, or inside a backend via refresh()).
-- =====================================================================================

CREATE TABLE hubspot_fdw.sync_state (
  server_name          text        NOT NULL,
  table_name           text        NOT NULL,           -- catalog / cache table name
  cache_schema         text        NOT NULL DEFAULT 'hubspot_cache',
  phase                text        NOT NULL DEFAULT 'pending'
                       CHECK (phase IN ('pending', 'backfilling', 'live', 'failing')),
  backfill_done        boolean     NOT NULL DEFAULT false,
  backfill_after       text,                            -- cursor of the next backfill page
  backfill_started_at  timestamptz,
  backfill_finished_at timestamptz,
  backfill_total       bigint,                          -- estimate, for progress
  high_water_ms        bigint,                          -- largest last-modified stored (epoch ms)
  cursors              jsonb       NOT NULL DEFAULT '{}'::jsonb,
  last_poll_at         timestamptz,                     -- start of the last poll (any outcome)
  last_success_at      timestamptz,                     -- start of the last successful poll
  synced_through       timestamptz,                     -- changes made before this are in the cache
                                                        -- (poll start minus the search index-lag allowance)
  last_sweep_at        timestamptz,                     -- last deletion / id / association sweep
  records_stored       bigint      NOT NULL DEFAULT 0,
  rows_written         bigint      NOT NULL DEFAULT 0,
  rows_deleted         bigint      NOT NULL DEFAULT 0,
  api_calls_day        date,
  api_calls_today      bigint      NOT NULL DEFAULT 0,
  consecutive_failures integer     NOT NULL DEFAULT 0,
  last_error           text,
  last_error_at        timestamptz,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (server_name, table_name)
);
COMMENT ON TABLE hubspot_fdw.sync_state IS
  'materializer progress per (server, table): phase, backfill cursor, high-water mark, counts';

CREATE TABLE hubspot_fdw.sync_errors (
  server_name  text        NOT NULL,
  table_name   text        NOT NULL,
  record_id    text        NOT NULL,
  property     text        NOT NULL,
  raw_value    text,
  error        text        NOT NULL,
  occurred_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (server_name, table_name, record_id, property)
);
COMMENT ON TABLE hubspot_fdw.sync_errors IS
  'HubSpot values that did not cast to their column type (stored as NULL); cleared when the record next syncs cleanly';

CREATE VIEW hubspot_fdw.sync_status AS
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
       s.last_error_at
  FROM hubspot_fdw.sync_state s;
COMMENT ON VIEW hubspot_fdw.sync_status IS
  'per synced table: phase (pending/backfilling/live/failing), rows stored, last successful poll, lag, API calls today, last error';

-- The (server, table) a relation stands for: a foreign table (option "table", else its
-- name) or a cache table (its schema is some server's cache_schema).
CREATE FUNCTION hubspot_fdw._sync_target(rel regclass, OUT server_name text, OUT table_name text)
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
                                  WHERE o LIKE 'cache\_schema=%' LIMIT 1), 'hubspot_cache')
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

-- One sync pass (backfill step or incremental poll) for one table, in this transaction.
CREATE FUNCTION hubspot_fdw.refresh(rel regclass)
RETURNS text
LANGUAGE sql VOLATILE AS $$
  SELECT hubspot_fdw._python_call('hubspot_fdw.materializer.sql_api.refresh', rel::oid::text)
$$;
COMMENT ON FUNCTION hubspot_fdw.refresh(regclass) IS
  'run one materializer pass for one table inside this transaction; returns a summary';

-- Wait until the cache holds every change made before this call (a poll that started
-- after this call plus the index-lag allowance finished successfully)
-- (read-after-write for changes made outside SQL). True on success, false on timeout.
CREATE FUNCTION hubspot_fdw.wait_for_sync(rel regclass, timeout interval DEFAULT '30 seconds')
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  target record;
  started timestamptz := clock_timestamp();
  done timestamptz;
BEGIN
  SELECT * INTO target FROM hubspot_fdw._sync_target(rel);
  LOOP
    SELECT st.synced_through INTO done FROM hubspot_fdw.sync_state st
     WHERE st.server_name = target.server_name AND st.table_name = target.table_name;
    IF done IS NOT NULL AND done >= started THEN
      RETURN true;
    END IF;
    IF clock_timestamp() - started >= timeout THEN
      RETURN false;
    END IF;
    PERFORM pg_catalog.pg_sleep(0.1);
  END LOOP;
END $$;
COMMENT ON FUNCTION hubspot_fdw.wait_for_sync(regclass, interval) IS
  'wait until a sync poll that started after this call succeeded for the table; false on timeout';
