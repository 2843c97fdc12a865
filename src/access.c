/*-------------------------------------------------------------------------
 *
 * access.c
 *		  Whose rights the host's local work runs with, the user mapping
 *		  rule, and who may name the wrapper class.
 *
 * While a wrapper method runs for a foreign table, the table's owner is the
 * "acting owner": SQL the wrapper runs through execute_sql (cache reads and
 * writes, sync state look-ups) and delegated scans run as that owner, the
 * way a view's query runs with its owner's rights, so a user needs
 * privileges on the foreign table only.  The statements are the wrapper's
 * own (never SQL text from the user), and they run with search_path fixed
 * to pg_catalog, pg_temp so the caller's schemas cannot put functions or
 * operators into them.  Outside a wrapper method (e.g. _python_call) SQL
 * runs with the caller's rights.
 *
 * A wrapper class with a true "requires_user_mapping" attribute (the
 * HubSpot wrapper) is used only by roles with a user mapping for the
 * server (their own or PUBLIC's), as postgres_fdw requires.
 *
 * Not here: the privilege checks on the foreign table itself (PostgreSQL's
 * executor does them).
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "catalog/pg_user_mapping.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/syscache.h"

#define SAFE_SEARCH_PATH "pg_catalog, pg_temp"

/* The owner whose rights local SQL runs with, or InvalidOid (the caller's). */
static Oid	acting_owner = InvalidOid;

Oid
host_acting_owner_push(Oid owner)
{
	Oid			previous = acting_owner;

	acting_owner = owner;
	return previous;
}

void
host_acting_owner_pop(Oid previous)
{
	acting_owner = previous;
}

Oid
host_acting_owner(void)
{
	return acting_owner;
}

/*
 * Become "owner" (if valid) with a fixed search_path.  Undo with
 * host_as_owner_end on success; on error, the (sub)transaction abort
 * restores the user id and the GUC state.
 */
void
host_as_owner_begin(Oid owner, HostRoleSave *save)
{
	GetUserIdAndSecContext(&save->userid, &save->sec_context);
	save->switched = OidIsValid(owner);
	if (!save->switched)
		return;
	SetUserIdAndSecContext(owner, save->sec_context | SECURITY_LOCAL_USERID_CHANGE);
	save->guc_level = NewGUCNestLevel();
	(void) set_config_option("search_path", SAFE_SEARCH_PATH, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

void
host_as_owner_end(HostRoleSave *save)
{
	if (!save->switched)
		return;
	AtEOXact_GUC(true, save->guc_level);
	SetUserIdAndSecContext(save->userid, save->sec_context);
	save->switched = false;
}

/* Does the user (or PUBLIC) have a mapping for the server? */
bool
host_user_mapping_exists(Oid serverid, Oid userid)
{
	Oid			candidates[2] = {userid, InvalidOid};

	for (int i = 0; i < 2; i++)
		if (SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(candidates[i]),
								  ObjectIdGetDatum(serverid)))
			return true;
	return false;
}

/* Does the wrapper class ask for a user mapping on every access? */
static bool
class_requires_mapping(PyObject *cls)
{
	PyObject   *flag;
	int			truth;

	if (!PyObject_HasAttrString(cls, "requires_user_mapping"))
		return false;
	flag = PyObject_GetAttrString(cls, "requires_user_mapping");
	if (flag == NULL)
	{
		PyErr_Clear();
		return false;
	}
	truth = PyObject_IsTrue(flag);
	Py_DECREF(flag);
	if (truth < 0)
		PyErr_Clear();
	return truth > 0;
}

/* postgres_fdw's error when the current user has no mapping for the server. */
void
host_require_user_mapping(PyObject *cls, ForeignServer *server)
{
	if (!class_requires_mapping(cls) || host_user_mapping_exists(server->serverid, GetUserId()))
		return;
	host_report_missing_user_mapping(server, GetUserId());
}

/* 42704, as postgres_fdw: no mapping for this user (nor PUBLIC) on the server. */
void
host_report_missing_user_mapping(ForeignServer *server, Oid userid)
{
	char	   *username = GetUserNameFromId(userid, false);

	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("user mapping not found for \"%s\"", username),
			 errdetail("Every access to a foreign table of server \"%s\" needs a user mapping "
					   "for the current user or for PUBLIC, whatever the read mode.",
					   server->servername),
			 errhint("Create one with CREATE USER MAPPING FOR %s SERVER %s OPTIONS (access_token '...').",
					 quote_identifier(username), quote_identifier(server->servername))));
}

/*
 * The wrapper option decides which Python code every user of the server
 * runs: only a superuser may set it to anything but the default (or keep
 * the value a superuser set, when altering other options).
 */
void
host_check_wrapper_option(const char *wrapper, const char *current)
{
	if (superuser() || strcmp(wrapper, HOST_DEFAULT_WRAPPER) == 0 ||
		(current != NULL && strcmp(wrapper, current) == 0))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to set option \"wrapper\""),
			 errdetail("The wrapper option names the Python class every user of the server runs."),
			 errhint("Only a superuser may set it; leave it out to use %s.", HOST_DEFAULT_WRAPPER)));
}
