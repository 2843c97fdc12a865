/*-------------------------------------------------------------------------
 *
 * cache_target.c
 *		  The one home of the cache-target rules: which server and table a
 *		  foreign table stands for, its cache schema and its read mode.
 *
 *   - the table: the foreign table's option "table", else its relation name;
 *   - the cache schema: the server's option "cache_schema", else
 *     "<server>_cache", cut to 63 bytes with a short hash of the server name
 *     when the server name is longer than 57 bytes (the same as
 *     hubspot_fdw/cache/names.py, which serves the Python paths also under
 *     upstream Multicorn2; a test compares the two);
 *   - the read mode: the session's hubspot_fdw.read_mode unless "default",
 *     else the table's read_mode option, else the server's, else "auto".
 * Only server and table options count: a user mapping never says where
 * data is read or written (options.c refuses such options there).
 *
 * SQL asks the same rules through hubspot_fdw._cache_target(regclass) and
 * hubspot_fdw._default_cache_schema(text); the sync's bookkeeping functions
 * (_sync_target, wait_for_sync) are built on them.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "access/htup_details.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "common/cryptohash.h"
#include "common/sha1.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#define CACHE_SUFFIX "_cache"
#define MAX_IDENTIFIER (NAMEDATALEN - 1)

static char *
option_value(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return NULL;
}

/* "<server>_cache", or "<first 48 bytes>_<8 hex digits of sha1(server)>_cache" when too long. */
char *
host_default_cache_schema(const char *server)
{
	int			len = strlen(server);
	uint8		digest[SHA1_DIGEST_LENGTH];
	pg_cryptohash_ctx *ctx;
	int			head;

	if (len + (int) strlen(CACHE_SUFFIX) <= MAX_IDENTIFIER)
		return psprintf("%s%s", server, CACHE_SUFFIX);
	ctx = pg_cryptohash_create(PG_SHA1);
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) server, len) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
	{
		pg_cryptohash_free(ctx);
		elog(ERROR, "could not compute the SHA-1 of a server name");
	}
	pg_cryptohash_free(ctx);
	head = pg_mbcliplen(server, len, MAX_IDENTIFIER - (int) strlen(CACHE_SUFFIX) - 9);
	return psprintf("%.*s_%02x%02x%02x%02x%s", head, server,
					digest[0], digest[1], digest[2], digest[3], CACHE_SUFFIX);
}

/* Where a foreign table's cache is and how it reads now. */
void
host_cache_target(Oid relid, HostCacheTarget *target)
{
	ForeignTable *table = GetForeignTable(relid);
	ForeignServer *server = GetForeignServer(table->serverid);
	char	   *schema = option_value(server->options, "cache_schema");
	char	   *name = option_value(table->options, "table");

	target->server = server;
	target->table = name ? name : get_rel_name(relid);
	target->schema = (schema && schema[0]) ? schema : host_default_cache_schema(server->servername);
	switch (host_read_mode)
	{
		case HOST_READ_MODE_AUTO:
			target->mode = "auto";
			break;
		case HOST_READ_MODE_CACHE:
			target->mode = "cache";
			break;
		case HOST_READ_MODE_LIVE:
			target->mode = "live";
			break;
		default:
			/* as the wrapper's options merge: the table's wins over the server's */
			target->mode = option_value(table->options, "read_mode");
			if (target->mode == NULL)
				target->mode = option_value(server->options, "read_mode");
			if (target->mode == NULL)
				target->mode = "auto";
	}
}

/*
 * The one rule for reading a foreign table's cache in its place (planner
 * hook and planned-apart path alike): never for a write's target, a
 * TABLESAMPLE, security quals (row-level security barriers), system columns
 * or inheritance children, nor for a row lock the path cannot take on the
 * cache table.  Those keep the wrapper's path, which reads the same cache.
 */
bool
host_cache_read_eligible(RangeTblEntry *rte, const HostCacheReadUse *use)
{
	if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_FOREIGN_TABLE)
		return false;
	if (use->result_relation || rte->tablesample != NULL || use->security_quals ||
		use->system_columns || (use->row_locked && !use->locks_pushable))
		return false;
	return !(rte->inh && has_subclass(rte->relid));
}

PG_FUNCTION_INFO_V1(hubspot_fdw_cache_target);

/*
 * hubspot_fdw._cache_target(rel regclass, OUT server_name text,
 * OUT table_name text, OUT cache_schema text): the rules above for SQL.
 * NULLs for a relation that is not a foreign table of this handler.
 */
Datum
hubspot_fdw_cache_target(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {true, true, true};
	HostCacheTarget target;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "_cache_target must return a row");
	if (get_rel_relkind(relid) == RELKIND_FOREIGN_TABLE && host_is_host_foreign_table(relid))
	{
		host_cache_target(relid, &target);
		values[0] = CStringGetTextDatum(target.server->servername);
		values[1] = CStringGetTextDatum(target.table);
		values[2] = CStringGetTextDatum(target.schema);
		nulls[0] = nulls[1] = nulls[2] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

PG_FUNCTION_INFO_V1(hubspot_fdw_default_cache_schema);

/* hubspot_fdw._default_cache_schema(server text) returns text. */
Datum
hubspot_fdw_default_cache_schema(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(host_default_cache_schema(text_to_cstring(PG_GETARG_TEXT_PP(0)))));
}

PG_FUNCTION_INFO_V1(hubspot_fdw_synced_through);

/*
 * hubspot_fdw._table_synced_through(rel regclass) returns timestamptz: when the
 * cache of the table behind rel was last known complete (NULL: never).
 * Only for a caller that may SELECT from rel: the sync state of tables it
 * cannot read is none of its business.  Read with the extension's rights.
 */
Datum
hubspot_fdw_synced_through(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Oid			argtypes[1] = {REGCLASSOID};
	Datum		args[1];
	Datum		value = (Datum) 0;
	bool		isnull = true;
	char	   *server;
	char	   *table;

	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", get_rel_name(relid)),
				 errhint("The sync state of a table is shown to roles that may SELECT from it.")));
	args[0] = ObjectIdGetDatum(relid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT server_name, table_name FROM hubspot_fdw._sync_target($1)",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "hubspot_fdw._sync_target failed");
	server = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	table = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (server != NULL && table != NULL &&
		host_lookup_row("sync_state", "server_name", server, "table_name", table,
						"synced_through", &value, &isnull) && !isnull)
	{
		SPI_finish();
		PG_RETURN_DATUM(value);
	}
	SPI_finish();
	PG_RETURN_NULL();
}
