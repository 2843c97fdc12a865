/* hubspot_fdw 0.2.0 -> 0.3.0. A fresh CREATE EXTENSION runs 0.1.0, 0.1.0--0.2.0 and then this
   script. Each section belongs to one change; keep edits inside your own section. */

\echo Use "ALTER EXTENSION hubspot_fdw UPDATE TO '0.3.0'" to load this file. \quit

-- =====================================================================================
-- Shared-server safety: option validation, parallel safety, who may run a sync.
-- =====================================================================================

-- (end of section: Shared-server safety)



-- =====================================================================================
-- Odd data and uncertain writes: values HubSpot holds, uncertain_writes, deleted_records.
-- =====================================================================================

-- (end of section: Odd data and uncertain writes)



-- =====================================================================================
-- First week: refresh_columns, readable catalog, association labels, sync progress.
-- =====================================================================================

-- (end of section: First week)



-- =====================================================================================
-- Recorded HubSpot: object types, scopes.
-- =====================================================================================

-- (end of section: Recorded HubSpot)



-- =====================================================================================
-- Property history: history tables.
-- =====================================================================================

-- (end of section: Property history)



-- =====================================================================================
-- Multicorn host: host behaviour.
-- =====================================================================================

-- (end of section: Multicorn host)



-- =====================================================================================
-- PostgreSQL 15-18: version-specific objects.
-- =====================================================================================

-- (end of section: PostgreSQL 15-18)


