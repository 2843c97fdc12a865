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

-- =====================================================================================
-- Native-speed cache reads (issue 13).
-- =====================================================================================

-- Whether this backend started the host's Python (a cache-only SELECT never does).
CREATE FUNCTION hubspot_fdw.python_started()
RETURNS boolean
AS 'MODULE_PATHNAME', 'hubspot_fdw_python_started'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION hubspot_fdw.python_started() IS
  'true once this backend started the embedded Python (cache reads planned in C never do)';

-- Plans that read rel are planned again at their next use (relcache invalidation).
CREATE FUNCTION hubspot_fdw._invalidate_plans(rel regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'hubspot_fdw_invalidate_plans'
LANGUAGE C STRICT VOLATILE;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._invalidate_plans(regclass) FROM PUBLIC;

-- The read mode of the foreign tables standing for (server, table) may have changed:
-- their cached plans (prepared statements) are planned again, in the new mode.
CREATE FUNCTION hubspot_fdw._mode_changed(server text, tbl text)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT hubspot_fdw._invalidate_plans(ft.ftrelid)
    FROM pg_catalog.pg_foreign_table ft
    JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
    JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid
   WHERE s.srvname = server
     AND coalesce((SELECT substr(o, 7) FROM unnest(ft.ftoptions) o WHERE o LIKE 'table=%' LIMIT 1),
                  c.relname::text) = tbl
$$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._mode_changed(text, text) FROM PUBLIC;

-- Every writer of sync_state (materializer, refresh(), by hand) moves a table between
-- live and cache reads when backfill_done changes; plans follow at once.
CREATE FUNCTION hubspot_fdw._sync_state_mode_changed()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM hubspot_fdw._mode_changed(OLD.server_name, OLD.table_name);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM hubspot_fdw._mode_changed(NEW.server_name, NEW.table_name);
  END IF;
  RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._sync_state_mode_changed() FROM PUBLIC;

CREATE TRIGGER mode_changed_insert AFTER INSERT ON hubspot_fdw.sync_state
  FOR EACH ROW WHEN (NEW.backfill_done) EXECUTE FUNCTION hubspot_fdw._sync_state_mode_changed();
CREATE TRIGGER mode_changed_update AFTER UPDATE ON hubspot_fdw.sync_state
  FOR EACH ROW WHEN (OLD.backfill_done IS DISTINCT FROM NEW.backfill_done
                     OR OLD.server_name IS DISTINCT FROM NEW.server_name
                     OR OLD.table_name IS DISTINCT FROM NEW.table_name)
  EXECUTE FUNCTION hubspot_fdw._sync_state_mode_changed();
CREATE TRIGGER mode_changed_delete AFTER DELETE ON hubspot_fdw.sync_state
  FOR EACH ROW WHEN (OLD.backfill_done) EXECUTE FUNCTION hubspot_fdw._sync_state_mode_changed();

-- =====================================================================================
-- Background worker (issue 15).
-- =====================================================================================

-- =====================================================================================
-- Upstream Multicorn2 (issue 16).
-- =====================================================================================
