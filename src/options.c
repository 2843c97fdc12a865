/*-------------------------------------------------------------------------
 *
 * options.c
 *		  Gathering FDW options for wrappers and validating them at
 *		  CREATE/ALTER time.
 *
 * Options reach a wrapper merged into one list: server options, then table
 * options, then the current user's mapping (or PUBLIC's), a later source
 * overriding an earlier one, so the more specific place wins (a table's
 * read_mode over its server's).  Upstream Multicorn2 merges table, then
 * server: there a server value wins.  "wrapper" is left out.
 *
 * The validator checks the host's own rules (the wrapper class is named on
 * the server only, and only a superuser may name one other than the
 * default, see access.c) and then asks the wrapper class, if it defines
 * validate_options(kind, options), so a typo fails at once with the
 * wrapper's hint.  For table, column and user-mapping options the server is
 * found from the statement being run; when it cannot be (e.g. DDL run from
 * inside a function), only the host's rule is checked.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "access/reloptions.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/lsyscache.h"
#include "tcop/pquery.h"
#include "utils/portal.h"
#include "utils/syscache.h"

/* The user's mapping options, or PUBLIC's, or NIL when there is none. */
List *
host_user_mapping_options(Oid serverid, Oid userid)
{
	Oid			candidates[2] = {userid, InvalidOid};

	for (int i = 0; i < 2; i++)
	{
		HeapTuple	tuple = SearchSysCache2(USERMAPPINGUSERSERVER,
											ObjectIdGetDatum(candidates[i]),
											ObjectIdGetDatum(serverid));

		if (HeapTupleIsValid(tuple))
		{
			bool		isnull;
			Datum		datum = SysCacheGetAttr(USERMAPPINGUSERSERVER, tuple,
												Anum_pg_user_mapping_umoptions, &isnull);
			List	   *options = isnull ? NIL : untransformRelOptions(datum);

			ReleaseSysCache(tuple);
			return options;
		}
	}
	return NIL;
}

char *
host_server_wrapper(ForeignServer *server)
{
	ListCell   *lc;

	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "wrapper") == 0)
			return defGetString(def);
	}
	return HOST_DEFAULT_WRAPPER;
}

List *
host_without_wrapper(List *options)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "wrapper") != 0)
			result = lappend(result, def);
	}
	return result;
}

List *
host_merged_options(Oid relid, Oid userid, char **wrapper)
{
	ForeignTable *table = GetForeignTable(relid);
	ForeignServer *server = GetForeignServer(table->serverid);

	if (wrapper)
		*wrapper = host_server_wrapper(server);
	return list_concat(list_concat(host_without_wrapper(server->options), list_copy(table->options)),
					   host_user_mapping_options(server->serverid, userid));
}

PyObject *
host_options_to_dict(List *options)
{
	PyObject   *dict = PyDict_New();
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		PyObject   *value = host_py_str(defGetString(def));

		PyDict_SetItemString(dict, def->defname, value);
		Py_DECREF(value);
	}
	return dict;
}

/* The server the running DDL statement is about, or InvalidOid. */
static Oid
server_of_running_statement(void)
{
	ListCell   *lc;

	if (ActivePortal == NULL)
		return InvalidOid;
	foreach(lc, ActivePortal->stmts)
	{
		PlannedStmt *stmt = lfirst_node(PlannedStmt, lc);
		Node	   *utility = stmt->utilityStmt;
		char	   *servername = NULL;

		if (stmt->commandType != CMD_UTILITY || utility == NULL)
			continue;
		switch (nodeTag(utility))
		{
			case T_CreateForeignTableStmt:
				servername = ((CreateForeignTableStmt *) utility)->servername;
				break;
			case T_CreateUserMappingStmt:
				servername = ((CreateUserMappingStmt *) utility)->servername;
				break;
			case T_AlterUserMappingStmt:
				servername = ((AlterUserMappingStmt *) utility)->servername;
				break;
			case T_ImportForeignSchemaStmt:
				servername = ((ImportForeignSchemaStmt *) utility)->server_name;
				break;
			case T_AlterTableStmt:
				{
					Oid			relid = RangeVarGetRelid(((AlterTableStmt *) utility)->relation,
														 NoLock, true);

					if (OidIsValid(relid) && get_rel_relkind(relid) == RELKIND_FOREIGN_TABLE)
						return GetForeignTable(relid)->serverid;
					break;
				}
			default:
				break;
		}
		if (servername != NULL)
		{
			ForeignServer *server = GetForeignServerByName(servername, true);

			return server ? server->serverid : InvalidOid;
		}
	}
	return InvalidOid;
}

/* The wrapper option of the server an ALTER SERVER is about, or NULL. */
static const char *
current_wrapper(void)
{
	ListCell   *lc;

	if (ActivePortal == NULL)
		return NULL;
	foreach(lc, ActivePortal->stmts)
	{
		PlannedStmt *stmt = lfirst_node(PlannedStmt, lc);
		ForeignServer *server;

		if (stmt->commandType != CMD_UTILITY || stmt->utilityStmt == NULL ||
			!IsA(stmt->utilityStmt, AlterForeignServerStmt))
			continue;
		server = GetForeignServerByName(((AlterForeignServerStmt *) stmt->utilityStmt)->servername,
										true);
		return server ? host_server_wrapper(server) : NULL;
	}
	return NULL;
}

static const char *
option_kind(Oid catalog)
{
	switch (catalog)
	{
		case ForeignServerRelationId:
			return "server";
		case ForeignTableRelationId:
			return "table";
		case UserMappingRelationId:
			return "user_mapping";
		case AttributeRelationId:
			return "column";
		default:
			return "wrapper";
	}
}

void
host_validate_options(List *options, Oid catalog)
{
	char	   *wrapper = NULL;
	ListCell   *lc;
	PyObject   *cls;
	PyObject   *result;
	bool		missing;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "wrapper") != 0)
			continue;
		if (catalog != ForeignServerRelationId)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("the wrapper option can only be set on a server"),
					 errhint("Set it with CREATE SERVER ... OPTIONS (wrapper 'package.module.Class').")));
		wrapper = defGetString(def);
		host_check_wrapper_option(wrapper, current_wrapper());
	}

	if (catalog == ForeignServerRelationId)
	{
		if (wrapper == NULL)
			wrapper = HOST_DEFAULT_WRAPPER;
	}
	else if (catalog != ForeignDataWrapperRelationId)
	{
		Oid			serverid = server_of_running_statement();

		if (!OidIsValid(serverid))
			return;
		wrapper = host_server_wrapper(GetForeignServer(serverid));
	}
	else
		return;

	cls = host_load_class(wrapper);
	result = host_call_method_opt(cls, "validate_options",
								  Py_BuildValue("(sN)", option_kind(catalog),
												host_options_to_dict(host_without_wrapper(options))),
								  NULL, &missing);
	Py_XDECREF(result);
}
