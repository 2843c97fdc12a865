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

-- Writes whose outcome HubSpot never made known (08007): what was asked, of which
-- records, what is known. Written by the wrapper outside the failed transaction
-- (fdw/uncertain.py), so a rollback never loses them. role_name: the role that wrote.
CREATE TABLE hubspot_fdw.uncertain_write_log (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entry_key    text        NOT NULL UNIQUE,        -- written once, whichever path writes it
  occurred_at  timestamptz NOT NULL,
  server_name  text,
  table_name   text        NOT NULL,
  operation    text        NOT NULL,               -- insert | update | delete | associate | disassociate | relabel
  record_ids   text[]      NOT NULL DEFAULT '{}',  -- empty for an INSERT: HubSpot's id never came back
  sent_values  jsonb       NOT NULL DEFAULT '{}'::jsonb,   -- record id (or "new") -> properties sent
  known        text        NOT NULL,               -- what is known of the outcome
  role_name    text        NOT NULL
);
CREATE INDEX uncertain_write_log_role_idx ON hubspot_fdw.uncertain_write_log (role_name, occurred_at);
COMMENT ON TABLE hubspot_fdw.uncertain_write_log IS
  'writes whose outcome is unknown (08007); read them through the uncertain_writes view';

-- The rows of the roles the current role is (a member of): see and delete own entries.
CREATE VIEW hubspot_fdw._my_uncertain_writes WITH (security_barrier) AS
SELECT u.id, u.occurred_at, u.server_name, u.table_name, u.operation, u.record_ids, u.sent_values,
       u.known, u.role_name
  FROM hubspot_fdw.uncertain_write_log u
 WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                WHERE r.rolname = u.role_name AND pg_catalog.pg_has_role(r.oid, 'MEMBER'));
GRANT SELECT, DELETE ON hubspot_fdw._my_uncertain_writes TO PUBLIC;

-- Entries this session still holds (a write whose transaction rolled back, not written
-- yet): none without the extension's host, which writes them at once.
CREATE FUNCTION hubspot_fdw._uncertain_pending()
RETURNS TABLE (id bigint, occurred_at timestamptz, server_name text, table_name text, operation text,
               record_ids text[], sent_values jsonb, known text, role_name text)
LANGUAGE sql VOLATILE AS $$
  SELECT NULL::bigint, NULL::timestamptz, NULL::text, NULL::text, NULL::text, NULL::text[], NULL::jsonb,
         NULL::text, NULL::text
   WHERE false
$$;

-- With the host: write this session's pending entries now and return those the calling
-- statement cannot see yet (written by this very call).
CREATE OR REPLACE FUNCTION hubspot_fdw._uncertain_pending()
RETURNS TABLE (id bigint, occurred_at timestamptz, server_name text, table_name text, operation text,
               record_ids text[], sent_values jsonb, known text, role_name text)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT e.id, e.occurred_at, e.server_name, e.table_name, e.operation, e.record_ids, e.sent_values,
         e.known, e.role_name
    FROM jsonb_to_recordset(coalesce(hubspot_fdw._python_call('hubspot_fdw.fdw.uncertain.flush_pending', NULL),
                                     '[]')::jsonb)
         AS e(id bigint, occurred_at timestamptz, server_name text, table_name text, operation text,
              record_ids text[], sent_values jsonb, known text, role_name text)
$$;

-- One entry (a JSON object with the columns' values and role_oid), once (entry_key), in
-- the name of the role given when the session's user is a member of it (SET ROLE), else
-- of the session's user: no one files an entry in another role's name.
CREATE FUNCTION hubspot_fdw._note_uncertain(entry jsonb)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO hubspot_fdw.uncertain_write_log AS u (entry_key, occurred_at, server_name, table_name, operation,
                                                   record_ids, sent_values, known, role_name)
  SELECT $1->>'entry_key', ($1->>'occurred_at')::timestamptz, $1->>'server_name', $1->>'table_name',
         $1->>'operation', ARRAY(SELECT jsonb_array_elements_text(coalesce($1->'record_ids', '[]'))),
         coalesce($1->'sent_values', '{}'), $1->>'known',
         coalesce((SELECT r.rolname::text FROM pg_catalog.pg_roles r
                    WHERE r.oid = ($1->>'role_oid')::oid AND pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER')),
                  session_user::text)
  ON CONFLICT (entry_key) DO UPDATE SET entry_key = EXCLUDED.entry_key
  RETURNING u.id
$$;

CREATE VIEW hubspot_fdw.uncertain_writes AS
SELECT * FROM hubspot_fdw._my_uncertain_writes
UNION ALL
SELECT p.* FROM hubspot_fdw._uncertain_pending() p
 WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                WHERE r.rolname = p.role_name AND pg_catalog.pg_has_role(r.oid, 'MEMBER'));
GRANT SELECT ON hubspot_fdw.uncertain_writes TO PUBLIC;
COMMENT ON VIEW hubspot_fdw.uncertain_writes IS
  'writes whose outcome HubSpot never made known (08007), of the current role: when, table, operation, ids, values sent, what is known; check them in HubSpot, then forget_uncertain_write(id)';

-- Forget an entry once it is checked (only entries the caller can see).
CREATE FUNCTION hubspot_fdw.forget_uncertain_write(entry bigint)
RETURNS boolean
LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
  WITH gone AS (DELETE FROM hubspot_fdw._my_uncertain_writes w WHERE w.id = $1 RETURNING 1)
  SELECT count(*) > 0 FROM gone
$$;

-- deleted_records: also records a DELETE through the foreign table ('deleted') and a
-- created record archived again by a rollback ('rolled back').
ALTER TABLE hubspot_fdw.deleted_records DROP CONSTRAINT IF EXISTS deleted_records_reason_check;
ALTER TABLE hubspot_fdw.deleted_records ADD CONSTRAINT deleted_records_reason_check
  CHECK (reason IN ('archived', 'merged', 'gone', 'deleted', 'rolled back'));
COMMENT ON TABLE hubspot_fdw.deleted_records IS
  'records removed from a cache table: when (detected_at, deleted_at) and why (archived / merged into merged_into / gone / deleted through the foreign table / rolled back: created by a rolled-back transaction)';

-- The wrapper records the records it removed from a cache table (in the transaction that
-- removed them). Only records the cache table no longer holds can be listed.
CREATE FUNCTION hubspot_fdw._note_deleted(server_name text, cache_table regclass, record_ids text[],
                                         reason text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  schema_name text;
  relation_name text;
  still integer;
  noted integer;
BEGIN
  IF reason IS NULL OR reason NOT IN ('deleted', 'rolled back') THEN
    RAISE EXCEPTION 'reason must be deleted or rolled back' USING ERRCODE = '22023';
  END IF;
  SELECT n.nspname, c.relname INTO schema_name, relation_name
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = cache_table AND c.relkind IN ('r', 'p')
     AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped);
  IF relation_name IS NULL OR record_ids IS NULL THEN
    RETURN 0;
  END IF;
  EXECUTE format('SELECT count(*) FROM %s WHERE id::text = ANY($1)', cache_table) INTO still USING record_ids;
  IF still > 0 THEN
    RAISE EXCEPTION 'records still in %: not recorded as deleted', cache_table USING ERRCODE = '55000';
  END IF;
  INSERT INTO hubspot_fdw.deleted_records AS d (server_name, table_name, record_id, reason, detected_at)
  SELECT coalesce(nullif(server_name, ''), (SELECT p.server_name FROM hubspot_fdw.cache_portals p
                                             WHERE p.cache_schema = schema_name), ''),
         relation_name, i, reason, now()
    FROM unnest(record_ids) AS i
   WHERE i IS NOT NULL
  ON CONFLICT ON CONSTRAINT deleted_records_pkey DO UPDATE
     SET reason = EXCLUDED.reason, merged_into = NULL, deleted_at = NULL, detected_at = EXCLUDED.detected_at;
  GET DIAGNOSTICS noted = ROW_COUNT;
  RETURN noted;
END $$;

-- (end of section: Uncertain writes and deletions)



-- =====================================================================================
-- First week: schema drift and catalog: refresh_columns, readable comments, labels.
-- =====================================================================================

-- Columns whose HubSpot property was deleted: the column stays (NULL from then on) until
-- the owner drops it. Written by _record_columns; users read the view.
CREATE TABLE hubspot_fdw._gone_properties (
  foreign_table oid         NOT NULL,
  column_name   name        NOT NULL,
  property      text        NOT NULL,
  noticed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (foreign_table, column_name)
);
REVOKE ALL ON hubspot_fdw._gone_properties FROM PUBLIC;

CREATE VIEW hubspot_fdw.deleted_properties AS
  SELECT g.foreign_table::regclass AS foreign_table, g.column_name, g.property, g.noticed_at
    FROM hubspot_fdw._gone_properties g
    JOIN pg_catalog.pg_attribute a
      ON a.attrelid = g.foreign_table AND a.attname = g.column_name AND NOT a.attisdropped
   WHERE pg_catalog.has_any_column_privilege(g.foreign_table, 'SELECT, INSERT, UPDATE');
GRANT SELECT ON hubspot_fdw.deleted_properties TO PUBLIC;
COMMENT ON VIEW hubspot_fdw.deleted_properties IS
  'columns whose HubSpot property was deleted: NULL from then on; drop them when no longer needed';

-- Whether a role may alter a foreign table: PostgreSQL's rule (member of the owning role).
CREATE FUNCTION hubspot_fdw._may_alter(role name, rel regclass)
RETURNS boolean
LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
  SELECT pg_has_role(role, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = rel
$$;

-- Association labels of each imported association table (first type to second), recorded
-- at IMPORT (one call per association table). Users read the view.
CREATE TABLE hubspot_fdw._association_labels (
  foreign_table oid     NOT NULL,
  type_id       integer NOT NULL,
  category      text    NOT NULL,
  label         text    NOT NULL,
  PRIMARY KEY (foreign_table, type_id)
);
REVOKE ALL ON hubspot_fdw._association_labels FROM PUBLIC;

CREATE VIEW hubspot_fdw.association_labels AS
  SELECT l.foreign_table::regclass AS foreign_table, l.label, l.type_id, l.category
    FROM hubspot_fdw._association_labels l
    JOIN pg_catalog.pg_class c ON c.oid = l.foreign_table
   WHERE pg_catalog.has_any_column_privilege(l.foreign_table, 'SELECT, INSERT, UPDATE');
GRANT SELECT ON hubspot_fdw.association_labels TO PUBLIC;
COMMENT ON VIEW hubspot_fdw.association_labels IS
  'labels of HubSpot association types, per association foreign table (write them in its labels column)';

-- The one place descriptions land: table and column comments, dropdown options and
-- association labels of one foreign table, from hubspot_fdw.fdw.comments' JSON. Only
-- the extension's functions call it (after their own checks).
CREATE FUNCTION hubspot_fdw._apply_description(rel regclass, described jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  col record;
BEGIN
  IF described ? 'columns' THEN
    EXECUTE format('COMMENT ON FOREIGN TABLE %s IS %L', rel, described ->> 'comment');
    FOR col IN SELECT c.key, c.value FROM jsonb_each_text(described -> 'columns') c
                JOIN pg_attribute a ON a.attrelid = rel AND a.attname = c.key AND NOT a.attisdropped LOOP
      EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, col.key, col.value);
    END LOOP;
    DELETE FROM hubspot_fdw._property_options WHERE foreign_table = rel;
    INSERT INTO hubspot_fdw._property_options (foreign_table, column_name, property, value, label, display_order)
    SELECT DISTINCT ON (o.column_name, o.value) rel, o.column_name, o.property, o.value, o.label, o.display_order
      FROM jsonb_to_recordset(coalesce(described -> 'options', '[]'))
           AS o(column_name name, property text, value text, label text, display_order integer);
  END IF;
  IF described ? 'labels' THEN
    DELETE FROM hubspot_fdw._association_labels WHERE foreign_table = rel;
    INSERT INTO hubspot_fdw._association_labels (foreign_table, type_id, category, label)
    SELECT DISTINCT ON (l.type_id) rel, l.type_id, l.category, l.label
      FROM jsonb_to_recordset(described -> 'labels') AS l(type_id integer, category text, label text);
  END IF;
END $$;
REVOKE EXECUTE ON FUNCTION hubspot_fdw._apply_description(regclass, jsonb) FROM PUBLIC;

-- IMPORT's event trigger, now through _apply_description (association labels too).
CREATE OR REPLACE FUNCTION hubspot_fdw._import_comments()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  created jsonb;
  described jsonb;
  entry record;
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
    PERFORM hubspot_fdw._apply_description((created ->> entry.key)::oid::regclass, entry.value);
  END LOOP;
  -- Options and labels of foreign tables dropped since the last import.
  DELETE FROM hubspot_fdw._property_options o WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = o.foreign_table);
  DELETE FROM hubspot_fdw._association_labels l WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = l.foreign_table);
  DELETE FROM hubspot_fdw._gone_properties g WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = g.foreign_table);
END $$;

-- Comments, dropdown options and deleted properties of one foreign table, after its
-- columns were brought up to HubSpot's properties (hubspot_fdw.fdw.drift). SECURITY
-- DEFINER to write the extension's tables; it serves only a role that may alter the
-- table: session_user is checked (a SECURITY DEFINER function cannot see its caller's
-- current_user, and session_user can always become it again).
CREATE FUNCTION hubspot_fdw._record_columns(rel regclass, described jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT coalesce(hubspot_fdw._may_alter(session_user, rel), false) THEN
    RAISE EXCEPTION 'must be owner of foreign table %', rel USING ERRCODE = '42501';
  END IF;
  PERFORM hubspot_fdw._apply_description(rel, described);
  IF NOT described ? 'gone' THEN
    RETURN;
  END IF;
  DELETE FROM hubspot_fdw._gone_properties g
   WHERE g.foreign_table = rel
     AND g.column_name NOT IN (SELECT x.column_name FROM jsonb_to_recordset(described -> 'gone') AS x(column_name name));
  INSERT INTO hubspot_fdw._gone_properties (foreign_table, column_name, property)
  SELECT rel, x.column_name, x.property FROM jsonb_to_recordset(described -> 'gone') AS x(column_name name, property text)
  ON CONFLICT DO NOTHING;
END $$;

-- The HubSpot part of refresh_columns, on the caller's behalf (its user mapping).
CREATE FUNCTION hubspot_fdw._refresh_columns(rel regclass)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT coalesce(hubspot_fdw._may_alter(session_user, rel), false) THEN
    RAISE EXCEPTION 'must be owner of foreign table %', rel USING ERRCODE = '42501';
  END IF;
  IF NOT has_server_privilege(session_user, (SELECT ft.ftserver FROM pg_foreign_table ft WHERE ft.ftrelid = rel),
                              'USAGE') THEN
    RAISE EXCEPTION 'permission denied for foreign server of %', rel USING ERRCODE = '42501';
  END IF;
  RETURN hubspot_fdw._python_call('hubspot_fdw.fdw.drift.refresh_columns', rel::oid::text)::jsonb;
END $$;

-- Add the columns of properties created in HubSpot since the IMPORT, in place (grants,
-- options and views stay), refresh the comments and property_options; list the columns
-- whose property was deleted in HubSpot (an association table: its labels are refreshed).
-- Only a role that may alter the table may call it.
CREATE FUNCTION hubspot_fdw.refresh_columns(rel regclass)
RETURNS TABLE (column_name name, property text, change text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  server oid;
BEGIN
  SELECT ft.ftserver INTO server
    FROM pg_foreign_table ft
    JOIN pg_foreign_server s ON s.oid = ft.ftserver
    JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
   WHERE ft.ftrelid = rel AND w.fdwhandler = 'hubspot_fdw.hubspot_fdw_handler'::regproc;
  IF server IS NULL THEN
    RAISE EXCEPTION '% is not a hubspot_fdw foreign table', rel USING ERRCODE = '42809';
  END IF;
  IF NOT hubspot_fdw._may_alter(current_user, rel) THEN
    RAISE EXCEPTION 'must be owner of foreign table %', rel USING ERRCODE = '42501',
      HINT = 'Only the owner of the table (or a member of the owning role) may add its columns.';
  END IF;
  IF NOT has_server_privilege(server, 'USAGE') THEN
    RAISE EXCEPTION 'permission denied for foreign server %', (SELECT srvname FROM pg_foreign_server WHERE oid = server)
      USING ERRCODE = '42501';
  END IF;
  RETURN QUERY SELECT x.column_name, x.property, x.change
    FROM jsonb_to_recordset(hubspot_fdw._refresh_columns(rel)) AS x(column_name name, property text, change text);
END $$;
COMMENT ON FUNCTION hubspot_fdw.refresh_columns(regclass) IS
  'add the columns of new HubSpot properties to a foreign table and its cache table; list deleted ones';

-- refresh_columns for every hubspot_fdw object table of a schema that the caller may alter.
CREATE FUNCTION hubspot_fdw.refresh_schema_columns(schema_name name)
RETURNS TABLE (foreign_table regclass, column_name name, property text, change text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  rel regclass;
BEGIN
  FOR rel IN SELECT c.oid::regclass FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
               JOIN pg_foreign_server s ON s.oid = ft.ftserver
               JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
              WHERE n.nspname = schema_name AND w.fdwhandler = 'hubspot_fdw.hubspot_fdw_handler'::regproc
                AND EXISTS (SELECT FROM unnest(ft.ftoptions) o
                             WHERE o LIKE 'object\_type=%' OR o LIKE 'from\_object\_type=%')
                AND hubspot_fdw._may_alter(current_user, c.oid)
              ORDER BY c.relname LOOP
    RETURN QUERY SELECT rel, r.column_name, r.property, r.change FROM hubspot_fdw.refresh_columns(rel) r;
  END LOOP;
END $$;
COMMENT ON FUNCTION hubspot_fdw.refresh_schema_columns(name) IS
  'refresh_columns for every HubSpot object and association table of a schema that the caller owns';

-- The label HubSpot shows for a value of a dropdown column (dealstage 'closedwon' ->
-- 'Closed Won'); the value itself when HubSpot has no label for it.
CREATE FUNCTION hubspot_fdw.label(rel regclass, column_name name, value text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce((SELECT o.label FROM hubspot_fdw.property_options o
                    WHERE o.foreign_table = $1 AND o.column_name = $2 AND o.value = $3
                    LIMIT 1), $3)
$$;
COMMENT ON FUNCTION hubspot_fdw.label(regclass, name, text) IS
  'the label HubSpot shows for a dropdown value (hubspot_fdw.property_options), else the value';

-- The labels of a multiple checkboxes column's values, in the same order.
CREATE FUNCTION hubspot_fdw.label(rel regclass, column_name name, value text[])
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT array_agg(hubspot_fdw.label($1, $2, v) ORDER BY n) FROM unnest($3) WITH ORDINALITY AS u(v, n)
$$;
COMMENT ON FUNCTION hubspot_fdw.label(regclass, name, text[]) IS
  'the labels HubSpot shows for the values of a multiple checkboxes column';

-- Comments written by an earlier IMPORT listed every option of a dropdown (for owners:
-- names and e-mails, readable by anyone who can connect): cut them to the new short form,
-- and forget recorded options that hold an e-mail address (owners are in hubspot.owners).
DO $$
DECLARE
  col record;
BEGIN
  FOR col IN SELECT a.attrelid::regclass AS rel, a.attname, d.description
               FROM pg_catalog.pg_description d
               JOIN pg_catalog.pg_attribute a ON a.attrelid = d.objoid AND a.attnum = d.objsubid
               JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = a.attrelid
               JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
               JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
              WHERE d.classoid = 'pg_catalog.pg_class'::regclass
                AND w.fdwhandler = 'hubspot_fdw.hubspot_fdw_handler'::regproc
                AND d.description LIKE '%. Options: %' LOOP
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', col.rel, col.attname,
                   left(split_part(col.description, '. Options: ', 1), 150)
                   || '. Dropdown: labels in hubspot_fdw.property_options'
                   || CASE WHEN col.description LIKE '%. Read-only in HubSpot' THEN '. Read-only in HubSpot' ELSE '' END);
  END LOOP;
  DELETE FROM hubspot_fdw._property_options WHERE label LIKE '%@%';
END $$;

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


