/* hubspot_fdw 0.1.0: the FDW host's SQL objects. Released scripts are never edited. */

\echo Use "CREATE EXTENSION hubspot_fdw" to load this file. \quit

CREATE FUNCTION hubspot_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION hubspot_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER hubspot_fdw
  HANDLER hubspot_fdw_handler
  VALIDATOR hubspot_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER hubspot_fdw IS
  'HubSpot CRM (server option wrapper names any Multicorn-style Python class; default hubspot_fdw.HubSpotFdw)';

-- Call "package.module.function"(argument) in the backend's Python; the base of
-- the project's SQL functions. Not for PUBLIC.
CREATE FUNCTION _python_call(function text, argument text)
RETURNS text
AS 'MODULE_PATHNAME', 'hubspot_fdw_python_call'
LANGUAGE C;
REVOKE EXECUTE ON FUNCTION _python_call(text, text) FROM PUBLIC;
