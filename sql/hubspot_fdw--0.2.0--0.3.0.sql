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


