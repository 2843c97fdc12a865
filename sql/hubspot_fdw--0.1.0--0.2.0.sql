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

-- Every writer of sync_state (materializer, refresh(), by hand) moves a table between
-- live and cache reads when backfill_done changes: the plans of the foreign tables of
-- that (server, table) are made again at their next use, in every session.
CREATE FUNCTION hubspot_fdw._sync_state_mode_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'hubspot_fdw_sync_state_mode_changed'
LANGUAGE C;
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
