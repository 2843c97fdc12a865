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
  calls_day        date,                         -- the budget day, in budget_zone
  calls_today      bigint      NOT NULL DEFAULT 0,
  budget_zone      text,                         -- the portal's time zone (account-info); NULL = UTC
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

-- The budget day now, as the sync counts it: the date in the zone, turning 60 s after
-- its midnight (HubSpot's reset and the machine's clock may differ a little). A zone
-- this server does not know counts as UTC.
CREATE FUNCTION hubspot_fdw._budget_today(zone text) RETURNS date
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN ((now() - interval '60 seconds') AT TIME ZONE coalesce(zone, 'UTC'))::date;
EXCEPTION WHEN invalid_parameter_value THEN
  RETURN ((now() - interval '60 seconds') AT TIME ZONE 'UTC')::date;
END $$;

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
       coalesce(b.budget_zone, 'UTC') AS budget_time_zone
  FROM hubspot_fdw.sync_state s
  LEFT JOIN hubspot_fdw.sync_budget b ON b.server_name = s.server_name;
COMMENT ON VIEW hubspot_fdw.sync_status IS
  'per synced table: phase, rows, lag, calls today, poll interval, projected calls per day; per server: calls today (of the budget day, in the portal time zone), allowed per day (daily limit x share), projected per day';

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

-- Servers marked for syncing by a background worker (start_sync / stop_sync). The mark
-- survives restarts: with shared_preload_libraries the launcher starts a worker for every
-- row. run_as: the role that called start_sync; the worker connects as it and reads the
-- token from its user mapping (or PUBLIC's). The worker_* / last_* columns are the
-- worker's own report (_sync_worker_report).
CREATE TABLE hubspot_fdw.sync_servers (
  server_name   text        PRIMARY KEY,
  run_as        oid         NOT NULL,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  worker_pid    integer,
  worker_started_at timestamptz,
  last_pass_at  timestamptz,
  last_error    text,
  last_error_at timestamptz
);
COMMENT ON TABLE hubspot_fdw.sync_servers IS
  'servers whose sync runs as a background worker (hubspot_fdw.start_sync); survives restarts';

-- Who syncs a server right now: one lease per server, held by a live session (a worker or
-- a "hubspot-fdw sync" daemon). A lease whose (pid, backend_start) is no longer in
-- pg_stat_activity is free. Only _claim_sync (SECURITY DEFINER) writes it; roles without
-- privileges on the table cannot LOCK it, so they cannot block a sync.
CREATE TABLE hubspot_fdw.sync_leases (
  server_name   text        PRIMARY KEY,
  holder        text        NOT NULL CHECK (holder IN ('worker', 'cli')),
  pid           integer     NOT NULL,
  backend_start timestamptz NOT NULL,
  claimed_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hubspot_fdw.sync_leases IS
  'which session (background worker or CLI daemon) syncs each server; free once that session ended';

-- The live holder of a server's lease other than this session, if any.
CREATE FUNCTION hubspot_fdw._sync_holder(server text, OUT holder text, OUT pid integer,
                                         OUT since timestamptz, OUT description text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT l.holder, l.pid, l.claimed_at,
         CASE l.holder WHEN 'worker' THEN 'the background worker' ELSE '"hubspot-fdw sync"' END
           || format(' (pid %s, since %s)', l.pid, to_char(l.claimed_at, 'YYYY-MM-DD HH24:MI:SS TZ'))
    FROM hubspot_fdw.sync_leases l
    JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid AND a.backend_start = l.backend_start
   WHERE l.server_name = server AND l.pid <> pg_catalog.pg_backend_pid()
$$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._sync_holder(text) FROM PUBLIC;

-- Claim the sync of a server for this session. Returns NULLs when this session holds the
-- lease now, else who holds it. A background worker claims as 'worker' (recognized by its
-- backend type, which no client can choose); any other caller claims as 'cli' and must be
-- allowed to write the sync state (superuser, or UPDATE on hubspot_fdw.sync_state).
CREATE FUNCTION hubspot_fdw._claim_sync(server text, OUT holder text, OUT pid integer,
                                        OUT since timestamptz, OUT description text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  me record;
  kind text;
BEGIN
  SELECT a.backend_type, a.backend_start INTO me
    FROM pg_catalog.pg_stat_activity a WHERE a.pid = pg_catalog.pg_backend_pid();
  kind := CASE WHEN me.backend_type = 'hubspot_fdw sync' THEN 'worker' ELSE 'cli' END;
  IF kind = 'cli' AND NOT pg_catalog.has_table_privilege(session_user, 'hubspot_fdw.sync_state', 'UPDATE') THEN
    RAISE EXCEPTION 'permission denied to sync server "%"', server
      USING ERRCODE = '42501',
            HINT = 'The role needs UPDATE on hubspot_fdw.sync_state (and rights on the cache schema).';
  END IF;
  LOCK TABLE hubspot_fdw.sync_leases IN EXCLUSIVE MODE;
  SELECT h.holder, h.pid, h.since, h.description INTO holder, pid, since, description
    FROM hubspot_fdw._sync_holder(server) h WHERE h.holder IS NOT NULL;
  IF holder IS NOT NULL THEN
    RETURN;
  END IF;
  INSERT INTO hubspot_fdw.sync_leases AS l (server_name, holder, pid, backend_start)
  VALUES (server, kind, pg_catalog.pg_backend_pid(), me.backend_start)
  ON CONFLICT (server_name) DO UPDATE
    SET holder = excluded.holder, pid = excluded.pid, backend_start = excluded.backend_start,
        claimed_at = CASE WHEN l.pid = excluded.pid AND l.backend_start = excluded.backend_start
                          THEN l.claimed_at ELSE now() END;
END $$;
-- EXECUTE stays granted to PUBLIC: the function checks its caller itself.

-- Called by start_sync (C, as the owner of these tables): check the server and the role's
-- user mapping, mark the server. action: 'start' (start a worker), 'running' (detail: the
-- running worker's pid), 'cli' (detail: which daemon syncs it; start_sync refuses).
CREATE FUNCTION hubspot_fdw._mark_sync(server text, role oid, OUT action text, OUT detail text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  srv oid;
  h record;
BEGIN
  SELECT s.oid INTO srv FROM pg_catalog.pg_foreign_server s
    JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw AND w.fdwname = 'hubspot_fdw'
   WHERE s.srvname = server;
  IF srv IS NULL THEN
    RAISE EXCEPTION 'server "%" does not exist', server
      USING ERRCODE = '42704', HINT = 'CREATE SERVER ... FOREIGN DATA WRAPPER hubspot_fdw first.';
  END IF;
  IF NOT (SELECT r.rolcanlogin FROM pg_catalog.pg_roles r WHERE r.oid = role) THEN
    RAISE EXCEPTION 'role "%" cannot log in, so no sync worker can run as it', pg_catalog.pg_get_userbyid(role)
      USING ERRCODE = '28000',
            HINT = 'The sync worker runs as the role that calls start_sync: call it as a role with LOGIN (not after SET ROLE to a group).';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_user_mapping m
                  WHERE m.umserver = srv AND m.umuser IN (role, 0)) THEN
    RAISE EXCEPTION 'user mapping not found for "%"', pg_catalog.pg_get_userbyid(role)
      USING ERRCODE = '42704',
            HINT = format('The sync worker runs as the role that calls start_sync: CREATE USER MAPPING FOR %s SERVER %s OPTIONS (access_token ''...'').',
                          quote_ident(pg_catalog.pg_get_userbyid(role)), quote_ident(server));
  END IF;
  SELECT * INTO h FROM hubspot_fdw._sync_holder(server) x WHERE x.holder IS NOT NULL;
  IF h.holder = 'cli' THEN
    action := 'cli'; detail := h.description;
    RETURN;
  END IF;
  INSERT INTO hubspot_fdw.sync_servers AS s (server_name, run_as) VALUES (server, role)
  ON CONFLICT (server_name) DO UPDATE SET run_as = excluded.run_as, requested_at = now();
  IF h.holder = 'worker' THEN
    action := 'running'; detail := h.pid::text;
  ELSE
    action := 'start';
  END IF;
END $$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._mark_sync(text, oid) FROM PUBLIC;

CREATE FUNCTION hubspot_fdw.start_sync(server text)
RETURNS integer
AS 'MODULE_PATHNAME', 'hubspot_fdw_start_sync'
LANGUAGE C STRICT VOLATILE;
REVOKE EXECUTE ON FUNCTION hubspot_fdw.start_sync(text) FROM PUBLIC;
COMMENT ON FUNCTION hubspot_fdw.start_sync(text) IS
  'sync a server in a background worker running as the calling role (marked: restarts with the server); returns its pid';

CREATE FUNCTION hubspot_fdw.stop_sync(server text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  marked boolean;
  stopped boolean := false;
  worker integer;
BEGIN
  DELETE FROM hubspot_fdw.sync_servers s WHERE s.server_name = server RETURNING true INTO marked;
  -- the lease holder, and a worker of this server that has not claimed the lease yet
  -- (its activity names the server); a restarted one sees no mark and exits for good
  FOR worker IN
    SELECT a.pid FROM pg_catalog.pg_stat_activity a
     WHERE a.backend_type = 'hubspot_fdw sync' AND a.datid = (SELECT d.oid FROM pg_catalog.pg_database d
                                                              WHERE d.datname = pg_catalog.current_database())
       AND (a.query = format('hubspot_fdw sync of server "%s"', server)
            OR a.pid IN (SELECT h.pid FROM hubspot_fdw._sync_holder(server) h WHERE h.holder = 'worker'))
  LOOP
    PERFORM pg_catalog.pg_terminate_backend(worker, 5000);  -- waits until it exited
    stopped := true;
  END LOOP;
  RETURN coalesce(marked, false) OR stopped;
END $$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw.stop_sync(text) FROM PUBLIC;
COMMENT ON FUNCTION hubspot_fdw.stop_sync(text) IS
  'stop the background sync of a server and forget its mark; false if it was not marked';

-- The sync worker's report: who it is, that a pass ended (passed) and its last error.
-- Returns whether the server is still marked (false: the worker exits). Only a sync
-- worker may call it.
CREATE FUNCTION hubspot_fdw._sync_worker_report(server text, passed boolean, error text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  me record;
  found_row boolean;
BEGIN
  SELECT a.backend_type, a.backend_start INTO me
    FROM pg_catalog.pg_stat_activity a WHERE a.pid = pg_catalog.pg_backend_pid();
  IF me.backend_type IS DISTINCT FROM 'hubspot_fdw sync' THEN
    RAISE EXCEPTION 'only a hubspot_fdw sync worker may report' USING ERRCODE = '42501';
  END IF;
  UPDATE hubspot_fdw.sync_servers s
     SET worker_pid = pg_catalog.pg_backend_pid(),
         worker_started_at = me.backend_start,
         last_pass_at = CASE WHEN passed THEN now() ELSE s.last_pass_at END,
         last_error = coalesce(error, s.last_error),
         last_error_at = CASE WHEN error IS NOT NULL THEN now() ELSE s.last_error_at END
   WHERE s.server_name = server
  RETURNING true INTO found_row;
  RETURN coalesce(found_row, false);
END $$;

-- Which servers are synced by a background worker, whether it runs, since when, its pid
-- and its last error; also servers a CLI daemon syncs right now.
CREATE VIEW hubspot_fdw.sync_workers AS
SELECT coalesce(s.server_name, l.server_name) AS server_name,
       s.server_name IS NOT NULL AS marked,
       pg_catalog.pg_get_userbyid(s.run_as) AS run_as,
       s.requested_at,
       CASE WHEN a.pid IS NOT NULL THEN l.holder END AS running,
       CASE WHEN a.pid IS NOT NULL THEN l.pid END AS pid,
       CASE WHEN a.pid IS NOT NULL THEN l.claimed_at END AS running_since,
       s.last_pass_at,
       s.last_error,
       s.last_error_at
  FROM hubspot_fdw.sync_servers s
  FULL JOIN hubspot_fdw.sync_leases l ON l.server_name = s.server_name
  LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid AND a.backend_start = l.backend_start
 WHERE s.server_name IS NOT NULL OR a.pid IS NOT NULL;
COMMENT ON VIEW hubspot_fdw.sync_workers IS
  'per server: marked for a background worker, who syncs it now (worker/cli), pid, since when, last pass, last error';

-- =====================================================================================
-- Upstream Multicorn2 (issue 16).
-- =====================================================================================
