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

-- =====================================================================================
-- Truthful writes (issue 11).
-- =====================================================================================

-- =====================================================================================
-- Access and crash safety (issue 12).
-- =====================================================================================

-- (_python_call stays non-STRICT: a NULL argument is passed as None; the C function
-- refuses a NULL function name with an ERROR.)

-- Roles that read or write the foreign tables need no grant on this schema's tables:
-- the host reads the cache and the sync state with the foreign table owner's rights.
-- USAGE lets them call wait_for_sync (which checks SELECT on the table it is given).
GRANT USAGE ON SCHEMA hubspot_fdw TO PUBLIC;

-- The (server, table) behind a relation, resolved with the extension's rights (the
-- caller needs no grant on sync_state); everything it names is schema-qualified.
ALTER FUNCTION hubspot_fdw._sync_target(regclass)
  SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- When the cache of one synced table was last known complete (NULL: never).
CREATE FUNCTION hubspot_fdw._synced_through(server_name text, table_name text)
RETURNS timestamptz
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT st.synced_through FROM hubspot_fdw.sync_state st
   WHERE st.server_name = $1 AND st.table_name = $2
$$;

-- wait_for_sync for every role that may SELECT from the table.
CREATE OR REPLACE FUNCTION hubspot_fdw.wait_for_sync(rel regclass, timeout interval DEFAULT '30 seconds')
RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  target record;
  started timestamptz := clock_timestamp();
  done timestamptz;
BEGIN
  IF rel IS NULL OR timeout IS NULL THEN
    RAISE EXCEPTION 'wait_for_sync needs a table and a timeout' USING ERRCODE = '22004';
  END IF;
  IF NOT has_table_privilege(rel, 'SELECT') THEN
    RAISE EXCEPTION 'permission denied for table %', rel USING ERRCODE = '42501',
      HINT = 'wait_for_sync needs SELECT on the table.';
  END IF;
  SELECT * INTO target FROM hubspot_fdw._sync_target(rel);
  LOOP
    done := hubspot_fdw._synced_through(target.server_name, target.table_name);
    IF done IS NOT NULL AND done >= started THEN
      RETURN true;
    END IF;
    IF clock_timestamp() - started >= timeout THEN
      RETURN false;
    END IF;
    PERFORM pg_catalog.pg_sleep(0.1);
  END LOOP;
END $$;

-- =====================================================================================
-- Native-speed cache reads (issue 13).
-- =====================================================================================

-- =====================================================================================
-- Background worker (issue 15).
-- =====================================================================================

-- =====================================================================================
-- Upstream Multicorn2 (issue 16).
-- =====================================================================================
