/* hubspot_fdw 0.2.0 -> 0.3.0. A fresh CREATE EXTENSION runs 0.1.0, 0.1.0--0.2.0 and then this
   script. Each section belongs to one change; keep edits inside your own section. */

\echo Use "ALTER EXTENSION hubspot_fdw UPDATE TO '0.3.0'" to load this file. \quit

-- =====================================================================================
-- Shared-server safety: option validation, parallel safety, who may run a sync.
-- =====================================================================================

-- Who may start or stop a server's sync: a role with USAGE on the server that is the role
-- the sync runs as (or a member of it), the server's owner (or a member of it), or a
-- superuser. The one rule start_sync and stop_sync apply. (A run_as role dropped since:
-- only the server's owner or a superuser.)
CREATE FUNCTION hubspot_fdw._may_manage_sync(caller oid, server_owner oid, run_as oid)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE
           WHEN run_as IS NULL THEN true
           WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid = run_as)
                AND pg_catalog.pg_has_role(caller, run_as, 'MEMBER') THEN true
           WHEN server_owner IS NOT NULL THEN pg_catalog.pg_has_role(caller, server_owner, 'MEMBER')
           ELSE pg_catalog.pg_has_role(caller, 10, 'MEMBER')  -- a superuser
         END
$$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._may_manage_sync(oid, oid, oid) FROM PUBLIC;

-- USAGE on the server, refused at once (42501) otherwise.
CREATE FUNCTION hubspot_fdw._require_server_usage(server text, srv oid, caller oid)
RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT pg_catalog.has_server_privilege(caller, srv, 'USAGE') THEN
    RAISE EXCEPTION 'permission denied for foreign server %', server
      USING ERRCODE = '42501',
            DETAIL = 'Starting or stopping a sync needs USAGE on the server.',
            HINT = format('GRANT USAGE ON FOREIGN SERVER %s TO %s;', quote_ident(server),
                          quote_ident(pg_catalog.pg_get_userbyid(caller)));
  END IF;
END $$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._require_server_usage(text, oid, oid) FROM PUBLIC;

-- Called by start_sync (C, as the owner of these tables) with the calling role. Refuses at
-- once what the worker could not do; never re-points a running sync. action: 'start'
-- (detail: the oid of the role the worker runs as), 'running' (detail: the running
-- worker's pid), 'cli' (detail: which daemon syncs it; start_sync refuses).
CREATE OR REPLACE FUNCTION hubspot_fdw._mark_sync(server text, role oid, OUT action text, OUT detail text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  srv record;
  marked oid;
  target oid;
  h record;
BEGIN
  SELECT s.oid, s.srvowner INTO srv FROM pg_catalog.pg_foreign_server s
    JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw AND w.fdwname = 'hubspot_fdw'
   WHERE s.srvname = server;
  IF srv.oid IS NULL THEN
    RAISE EXCEPTION 'server "%" does not exist', server
      USING ERRCODE = '42704', HINT = 'CREATE SERVER ... FOREIGN DATA WRAPPER hubspot_fdw first.';
  END IF;
  PERFORM hubspot_fdw._require_server_usage(server, srv.oid, role);
  SELECT s.run_as INTO marked FROM hubspot_fdw.sync_servers s WHERE s.server_name = server FOR UPDATE;
  IF NOT hubspot_fdw._may_manage_sync(role, srv.srvowner, marked) THEN
    RAISE EXCEPTION 'permission denied to start the sync of server "%"', server
      USING ERRCODE = '42501',
            DETAIL = format('The sync runs as role %s.', quote_ident(pg_catalog.pg_get_userbyid(marked))),
            HINT = 'Only that role, its members, the owner of the server or a superuser may start or stop it.';
  END IF;
  SELECT * INTO h FROM hubspot_fdw._sync_holder(server) x WHERE x.holder IS NOT NULL;
  IF h.holder = 'cli' THEN
    action := 'cli'; detail := h.description;
    RETURN;
  END IF;
  IF h.holder = 'worker' AND marked IS NOT NULL THEN
    action := 'running'; detail := h.pid::text;   -- runs on as it is: nothing re-pointed
    RETURN;
  END IF;
  -- a member of the marked role restarts the sync as that role; anyone else allowed, as itself
  target := role;
  IF marked IS NOT NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid = marked) THEN
    IF pg_catalog.pg_has_role(role, marked, 'MEMBER') THEN
      target := marked;
    END IF;
  END IF;
  IF target <> role THEN
    PERFORM hubspot_fdw._require_server_usage(server, srv.oid, target);
  END IF;
  IF NOT (SELECT r.rolcanlogin FROM pg_catalog.pg_roles r WHERE r.oid = target) THEN
    RAISE EXCEPTION 'role "%" cannot log in, so no sync worker can run as it', pg_catalog.pg_get_userbyid(target)
      USING ERRCODE = '28000',
            HINT = 'The sync worker runs as the role that calls start_sync: call it as a role with LOGIN (not after SET ROLE to a group).';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_user_mapping m
                  WHERE m.umserver = srv.oid AND m.umuser IN (target, 0)
                    AND EXISTS (SELECT 1 FROM pg_catalog.unnest(m.umoptions) o
                                 WHERE o LIKE 'access\_token=_%')) THEN
    RAISE EXCEPTION 'user mapping not found for "%"', pg_catalog.pg_get_userbyid(target)
      USING ERRCODE = '42704',
            DETAIL = 'The sync needs a user mapping with an access_token for the role it runs as (its own or PUBLIC''s).',
            HINT = format('The sync worker runs as the role that calls start_sync: CREATE USER MAPPING FOR %s SERVER %s OPTIONS (access_token ''...'').',
                          quote_ident(pg_catalog.pg_get_userbyid(target)), quote_ident(server));
  END IF;
  INSERT INTO hubspot_fdw.sync_servers AS s (server_name, run_as) VALUES (server, target)
  ON CONFLICT (server_name) DO UPDATE SET run_as = excluded.run_as, requested_at = now();
  IF h.holder = 'worker' THEN
    action := 'running'; detail := h.pid::text;  -- a worker nobody marked yet: it keeps running
  ELSE
    action := 'start'; detail := target::text;
  END IF;
END $$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._mark_sync(text, oid) FROM PUBLIC;

-- Called by stop_sync (C, as the owner of these tables) with the calling role.
CREATE FUNCTION hubspot_fdw._unmark_sync(server text, role oid)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  srv record;
  marked oid;
  stopped boolean := false;
  worker integer;
BEGIN
  SELECT s.oid, s.srvowner INTO srv FROM pg_catalog.pg_foreign_server s WHERE s.srvname = server;
  IF srv.oid IS NOT NULL THEN
    PERFORM hubspot_fdw._require_server_usage(server, srv.oid, role);
  END IF;
  SELECT s.run_as INTO marked FROM hubspot_fdw.sync_servers s WHERE s.server_name = server FOR UPDATE;
  IF NOT hubspot_fdw._may_manage_sync(role, srv.srvowner, marked)
     OR (marked IS NULL AND NOT pg_catalog.pg_has_role(role, coalesce(srv.srvowner, 10), 'MEMBER')) THEN
    RAISE EXCEPTION 'permission denied to stop the sync of server "%"', server
      USING ERRCODE = '42501',
            DETAIL = CASE WHEN marked IS NOT NULL
                          THEN format('The sync runs as role %s.', quote_ident(pg_catalog.pg_get_userbyid(marked))) END,
            HINT = 'Only the role the sync runs as, its members, the owner of the server or a superuser may start or stop it.';
  END IF;
  DELETE FROM hubspot_fdw.sync_servers s WHERE s.server_name = server;
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
  RETURN marked IS NOT NULL OR stopped;
END $$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._unmark_sync(text, oid) FROM PUBLIC;

-- stop_sync checks its caller in C (the role taken from the session), as start_sync does.
CREATE OR REPLACE FUNCTION hubspot_fdw.stop_sync(server text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'hubspot_fdw_stop_sync'
LANGUAGE C STRICT VOLATILE;
REVOKE EXECUTE ON FUNCTION hubspot_fdw.stop_sync(text) FROM PUBLIC;
COMMENT ON FUNCTION hubspot_fdw.stop_sync(text) IS
  'stop the background sync of a server and forget its mark; false if it was not marked (the role it runs as, a member, the server owner or a superuser; USAGE on the server)';

-- The cache-target rules have one home, in C (src/cache_target.c): the server, table and
-- cache schema behind a foreign table, and a server's default cache schema.
CREATE FUNCTION hubspot_fdw._cache_target(rel regclass, OUT server_name text, OUT table_name text,
                                          OUT cache_schema text)
AS 'MODULE_PATHNAME', 'hubspot_fdw_cache_target'
LANGUAGE C STABLE STRICT;

CREATE FUNCTION hubspot_fdw._default_cache_schema(server text)
RETURNS text
AS 'MODULE_PATHNAME', 'hubspot_fdw_default_cache_schema'
LANGUAGE C IMMUTABLE STRICT;

-- The (server, table) a relation stands for: a foreign table (by the rules above) or a
-- cache table (its schema is some server's cache schema). [host only]
CREATE OR REPLACE FUNCTION hubspot_fdw._sync_target(rel regclass, OUT server_name text, OUT table_name text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  SELECT t.server_name, t.table_name INTO server_name, table_name FROM hubspot_fdw._cache_target(rel) t;
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
                                  WHERE o LIKE 'cache\_schema=%' LIMIT 1),
                                hubspot_fdw._default_cache_schema(s.srvname))
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

-- When the cache of a table was last known complete, only for roles that may SELECT
-- from it (C: the caller's privilege is checked, the sync state read with the
-- extension's rights). The old form by server and table name showed every server's.
CREATE FUNCTION hubspot_fdw._table_synced_through(rel regclass)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'hubspot_fdw_synced_through'
LANGUAGE C STABLE STRICT;
-- [host only] (under upstream Multicorn2 the old form serves wait_for_sync)
REVOKE EXECUTE ON FUNCTION hubspot_fdw._synced_through(text, text) FROM PUBLIC;

-- [host only]
CREATE OR REPLACE FUNCTION hubspot_fdw.wait_for_sync(rel regclass, timeout interval DEFAULT '30 seconds')
RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
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
  LOOP
    done := hubspot_fdw._table_synced_through(rel);
    IF done IS NOT NULL AND done >= started THEN
      RETURN true;
    END IF;
    IF clock_timestamp() - started >= timeout THEN
      RETURN false;
    END IF;
    PERFORM pg_catalog.pg_sleep(0.1);
  END LOOP;
END $$;

-- refresh() runs Python in the backend: a caller who may not gets a sentence, not the
-- name of an internal function.
CREATE OR REPLACE FUNCTION hubspot_fdw.refresh(rel regclass)
RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT pg_catalog.has_function_privilege('hubspot_fdw._python_call(text, text)', 'EXECUTE') THEN
    RAISE EXCEPTION 'permission denied to refresh %', rel
      USING ERRCODE = '42501',
            DETAIL = 'hubspot_fdw.refresh runs the sync''s Python code in this session: it is for superusers.',
            HINT = 'The server''s sync keeps every table fresh: ask its owner to run hubspot_fdw.start_sync, '
                   'or use hubspot_fdw.wait_for_sync to wait for it.';
  END IF;
  RETURN hubspot_fdw._python_call('hubspot_fdw.materializer.sql_api.refresh', rel::oid::text);
END $$;
COMMENT ON FUNCTION hubspot_fdw.refresh(regclass) IS
  'run one materializer pass for one table inside this transaction; returns a summary (superusers)';

-- (end of section: Shared-server safety)



-- =====================================================================================
-- Odd data: values HubSpot holds, a failing sync's back-off.
-- =====================================================================================

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


