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
 * found from the utility statement being run, however nested (a DO block, a
 * function, an extension script: a ProcessUtility hook records it); when the
 * library was loaded by that very statement, the default wrapper's rules
 * apply.  Instances check their user mapping against the same rules again
 * (instance.c), so a mapping written before these rules existed is refused
 * at use too.
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
#include "tcop/utility.h"
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

/*
 * The utility statement being run, innermost first: a ProcessUtility hook
 * records it, so a statement run from a DO block, a function or an
 * extension script is seen as well as a top-level one.  (The active portal
 * only knows the top-level statement, e.g. the DO.)
 */
static PlannedStmt *running_utility = NULL;
static ProcessUtility_hook_type prev_process_utility = NULL;

static void
record_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
			   ProcessUtilityContext context, ParamListInfo params,
			   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	PlannedStmt *outer = running_utility;

	running_utility = pstmt;
	PG_TRY();
	{
		if (prev_process_utility)
			prev_process_utility(pstmt, queryString, readOnlyTree, context, params,
								 queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
									queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		running_utility = outer;
	}
	PG_END_TRY();
}

void
host_options_init(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = record_utility;
}

/* The statements that may be the one validating options: the recorded one, else the portal's. */
static List *
running_statements(void)
{
	if (running_utility != NULL)
		return list_make1(running_utility);
	return ActivePortal != NULL ? ActivePortal->stmts : NIL;
}

/* The server the running DDL statement is about, or InvalidOid. */
static Oid
server_of_running_statement(void)
{
	ListCell   *lc;

	foreach(lc, running_statements())
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

	foreach(lc, running_statements())
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

		/*
		 * Unknown only when this library was loaded while the statement ran
		 * (not preloaded, first use in the session): the default wrapper's
		 * rules then apply, the strictest choice for a user mapping.
		 */
		wrapper = OidIsValid(serverid) ? host_server_wrapper(GetForeignServer(serverid))
			: HOST_DEFAULT_WRAPPER;
	}
	else
		return;

	host_wrapper_validate_options(host_load_class(wrapper), option_kind(catalog),
								  host_without_wrapper(options));
}

/* cls.validate_options(kind, options), if the class defines it; errors are reported. */
void
host_wrapper_validate_options(PyObject *cls, const char *kind, List *options)
{
	PyObject   *result;
	bool		missing;

	result = host_call_method_opt(cls, "validate_options",
								  Py_BuildValue("(sN)", kind, host_options_to_dict(options)),
								  NULL, &missing);
	Py_XDECREF(result);
}
