/* hubspot_fdw 0.1.0 -> 0.2.0. A fresh CREATE EXTENSION runs 0.1.0 and then this script.
   Each section belongs to one change; keep edits inside your own section. */

\echo Use "ALTER EXTENSION hubspot_fdw UPDATE TO '0.2.0'" to load this file. \quit

-- =====================================================================================
-- Set-up and docs (issue 9): import comments, property options.
-- =====================================================================================

-- The options of HubSpot enumeration properties (value -> label), per imported foreign
-- table column; written at IMPORT FOREIGN SCHEMA by the event trigger below. Users read
-- the view, which shows the rows of the foreign tables they may use.
CREATE TABLE hubspot_fdw._property_options (
  foreign_table oid     NOT NULL,
  column_name   name    NOT NULL,
  property      text    NOT NULL,
  value         text    NOT NULL,
  label         text    NOT NULL,
  display_order integer,
  PRIMARY KEY (foreign_table, column_name, value)
);
REVOKE ALL ON hubspot_fdw._property_options FROM PUBLIC;

CREATE VIEW hubspot_fdw.property_options AS
  SELECT o.foreign_table::regclass AS foreign_table, o.column_name, o.property, o.value, o.label,
         o.display_order
    FROM hubspot_fdw._property_options o
    JOIN pg_catalog.pg_attribute a
      ON a.attrelid = o.foreign_table AND a.attname = o.column_name AND NOT a.attisdropped
   WHERE pg_catalog.has_any_column_privilege(o.foreign_table, 'SELECT, INSERT, UPDATE');
GRANT SELECT ON hubspot_fdw.property_options TO PUBLIC;
COMMENT ON VIEW hubspot_fdw.property_options IS
  'options of HubSpot enumeration properties (write the value; HubSpot shows the label), per foreign table column';

-- At the end of IMPORT FOREIGN SCHEMA: comment the hubspot_fdw foreign tables it
-- created, and their columns, with the labels and descriptions the wrapper kept during
-- the import (hubspot_fdw.fdw.comments), and record their enumeration options.
-- Tables of other foreign data wrappers are left alone. SECURITY DEFINER because a
-- non-superuser importer may not call _python_call; it only ever touches the tables
-- this statement created, and quotes every name and text it writes.
CREATE FUNCTION hubspot_fdw._import_comments()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  created jsonb;
  described jsonb;
  entry record;
  col record;
  rel oid;
BEGIN
  SELECT jsonb_object_agg(c.relname, c.oid::bigint) INTO created
    FROM pg_event_trigger_ddl_commands() cmd
    JOIN pg_class c ON c.oid = cmd.objid
    JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
    JOIN pg_foreign_server s ON s.oid = ft.ftserver
    JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
   WHERE cmd.classid = 'pg_class'::regclass AND cmd.command_tag = 'CREATE FOREIGN TABLE'
     AND w.fdwhandler = 'hubspot_fdw.hubspot_fdw_handler'::regproc;
  IF created IS NULL THEN
    RETURN;
  END IF;
  BEGIN
    described := hubspot_fdw._python_call('hubspot_fdw.fdw.comments.pending',
                                          (SELECT jsonb_agg(k)::text FROM jsonb_object_keys(created) k))::jsonb;
  EXCEPTION WHEN OTHERS THEN
    -- Comments are a courtesy: the import itself stands.
    RAISE WARNING 'hubspot_fdw: the imported tables were left without HubSpot comments: %', SQLERRM;
    RETURN;
  END;
  FOR entry IN SELECT key, value FROM jsonb_each(described) LOOP
    rel := (created ->> entry.key)::oid;
    EXECUTE format('COMMENT ON FOREIGN TABLE %s IS %L', rel::regclass, entry.value ->> 'comment');
    FOR col IN SELECT c.key, c.value FROM jsonb_each_text(entry.value -> 'columns') c
                JOIN pg_attribute a ON a.attrelid = rel AND a.attname = c.key AND NOT a.attisdropped LOOP
      EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel::regclass, col.key, col.value);
    END LOOP;
    DELETE FROM hubspot_fdw._property_options WHERE foreign_table = rel;
    INSERT INTO hubspot_fdw._property_options (foreign_table, column_name, property, value, label, display_order)
    SELECT DISTINCT ON (o.column_name, o.value) rel, o.column_name, o.property, o.value, o.label, o.display_order
      FROM jsonb_to_recordset(entry.value -> 'options')
           AS o(column_name name, property text, value text, label text, display_order integer);
  END LOOP;
  -- Options of foreign tables dropped since the last import.
  DELETE FROM hubspot_fdw._property_options o WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = o.foreign_table);
END $$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._import_comments() FROM PUBLIC;

CREATE EVENT TRIGGER hubspot_fdw_import_comments ON ddl_command_end
  WHEN TAG IN ('IMPORT FOREIGN SCHEMA')
  EXECUTE FUNCTION hubspot_fdw._import_comments();

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
