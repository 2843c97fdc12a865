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

-- =====================================================================================
-- Background worker (issue 15).
-- =====================================================================================

-- =====================================================================================
-- Upstream Multicorn2 (issue 16).
-- =====================================================================================
