/* hubspot_fdw 0.3.0 -> 0.4.0. A fresh CREATE EXTENSION runs 0.1.0 and each upgrade script
   up to this one. */

\echo Use "ALTER EXTENSION hubspot_fdw UPDATE TO '0.4.0'" to load this file. \quit

-- =====================================================================================
-- Deletions are listed only by a role that may delete from the cache table.
-- =====================================================================================

-- In 0.3.0 _note_deleted ran with the extension owner's rights for every caller: any role
-- could learn from its error whether ids were in a table, and add entries to
-- deleted_records. Now the check runs with the caller's rights (the wrapper calls it as
-- the foreign table's owner, right after deleting the cache rows), and only the entry
-- itself is written with the extension's rights, by _log_deleted.

-- Writes the entries of the ids the cache table does not hold; says nothing about the
-- others, so calling it directly tells no role which ids exist.
CREATE FUNCTION hubspot_fdw._log_deleted(server_name text, cache_table regclass, record_ids text[], reason text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  schema_name text;
  relation_name text;
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
    RETURN;
  END IF;
  EXECUTE format(
    'INSERT INTO hubspot_fdw.deleted_records AS d (server_name, table_name, record_id, reason, detected_at)
     SELECT $1, $2, i, $3, now()
       FROM unnest($4) AS i
      WHERE i IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %s c WHERE c.id::text = i)
     ON CONFLICT ON CONSTRAINT deleted_records_pkey DO UPDATE
        SET reason = EXCLUDED.reason, merged_into = NULL, deleted_at = NULL, detected_at = EXCLUDED.detected_at',
    cache_table)
  USING coalesce(nullif(server_name, ''), (SELECT p.server_name FROM hubspot_fdw.cache_portals p
                                            WHERE p.cache_schema = schema_name), ''),
        relation_name, reason, record_ids;
END $$;

-- The wrapper's entry point: the caller must be allowed to delete from the cache table,
-- and the records must be gone from it (_log_deleted checks the reason).
CREATE OR REPLACE FUNCTION hubspot_fdw._note_deleted(server_name text, cache_table regclass, record_ids text[],
                                                    reason text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  still integer;
BEGIN
  IF cache_table IS NULL OR record_ids IS NULL THEN
    RETURN 0;
  END IF;
  IF NOT (pg_catalog.has_table_privilege(cache_table, 'SELECT') AND pg_catalog.has_table_privilege(cache_table, 'DELETE')) THEN
    RAISE EXCEPTION 'permission denied to list deletions of %', cache_table USING ERRCODE = '42501',
      HINT = 'Only a role that may delete from the cache table (the foreign table''s owner) lists its deletions.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = cache_table AND a.attname = 'id' AND NOT a.attisdropped) THEN
    RETURN 0;
  END IF;
  EXECUTE format('SELECT count(*) FROM %s WHERE id::text = ANY($1)', cache_table) INTO still USING record_ids;
  IF still > 0 THEN
    RAISE EXCEPTION 'records still in %: not recorded as deleted', cache_table USING ERRCODE = '55000';
  END IF;
  PERFORM hubspot_fdw._log_deleted(server_name, cache_table, record_ids, reason);
  RETURN (SELECT count(DISTINCT i)::integer FROM unnest(record_ids) AS i WHERE i IS NOT NULL);
END $$;
ALTER FUNCTION hubspot_fdw._note_deleted(text, regclass, text[], text) SECURITY INVOKER;

-- (end of section: Deletions listed by a role that may delete)
