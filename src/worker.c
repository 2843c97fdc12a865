/*-------------------------------------------------------------------------
 *
 * worker.c
 *		  The materializer as PostgreSQL background workers.
 *
 * Three kinds of worker, all in this file:
 *
 * - the launcher (static, registered by _PG_init only when the library is
 *   in shared_preload_libraries): after recovery it reads pg_database (no
 *   database connection needed) and runs one database scan after another,
 *   then exits;
 * - a database scan (dynamic): connects to one database and, if it has the
 *   extension, starts a sync worker for every server in
 *   hubspot_fdw.sync_servers, then exits;
 * - a sync worker (dynamic, one per database and server): connects as the
 *   role recorded by start_sync and runs the Python entry
 *   hubspot_fdw.materializer.worker.run, which loops until the server is no
 *   longer marked.  It is restarted by the postmaster after
 *   hubspot_fdw.sync_restart_delay seconds when it dies.
 *
 * SIGTERM uses PostgreSQL's die(): the interrupt machinery of interrupts.c
 * turns it into hubspot_fdw.host.QueryCanceled inside Python, the frames
 * unwind, and the host reports the termination as FATAL.  SIGHUP sets
 * ConfigReloadPending; the worker's wait() applies it.  Python never starts
 * in the postmaster: _PG_init only defines GUCs and registers the launcher.
 *
 * The module _hubspot_fdw_worker (commit, rollback, wait) exists only in a
 * sync worker: it lets the Python loop end one transaction per step.
 *
 * Not here: the sync itself (Python), the SQL-side bookkeeping (the
 * extension's SQL functions _mark_sync, _claim_sync, _sync_worker_report).
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_database.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#define SYNC_WORKER_TYPE "hubspot_fdw sync"

/* What a sync worker needs, in bgw_extra. */
typedef struct SyncWorkerArgs
{
	Oid			dbid;
	Oid			roleid;
	TransactionId marked_by;	/* start_sync's transaction, or invalid */
	char		server[NAMEDATALEN];
} SyncWorkerArgs;

StaticAssertDecl(sizeof(SyncWorkerArgs) <= BGW_EXTRALEN, "SyncWorkerArgs must fit bgw_extra");

/* GUCs */
static double sync_poll_interval = 2.0;
static double sync_max_poll_interval = 60.0;
static double sync_daily_share = 0.10;
static double sync_backfill_share = 1.0;
static int	sync_restart_delay = 10;

/* true in backends of a postmaster that preloaded the library */
static bool worker_preloaded = false;

/*
 * A sync worker's pg_stat_activity.query while it runs: 'hubspot_fdw sync of
 * server "<name>"' (stop_sync finds a worker that has not claimed its lease
 * yet by it).
 */
static char worker_activity[NAMEDATALEN + 64];

PGDLLEXPORT void hubspot_fdw_launcher_main(Datum main_arg);
PGDLLEXPORT void hubspot_fdw_dbscan_main(Datum main_arg);
PGDLLEXPORT void hubspot_fdw_sync_main(Datum main_arg);

PG_FUNCTION_INFO_V1(hubspot_fdw_start_sync);

static void
fill_worker(BackgroundWorker *worker, const char *function, const char *name,
			const char *type)
{
	memset(worker, 0, sizeof(*worker));
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker->bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker->bgw_library_name, BGW_MAXLEN, "hubspot_fdw");
	snprintf(worker->bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker->bgw_name, BGW_MAXLEN, "%s", name);
	snprintf(worker->bgw_type, BGW_MAXLEN, "%s", type);
}

/*
 * Register a sync worker.  With notify, wait until it started and return its
 * PID; a worker that could not start is an ERROR.  Without, return 0, or -1
 * when no background worker slot is free.
 */
static int
register_sync_worker(Oid dbid, Oid roleid, const char *server, bool notify,
					 TransactionId marked_by)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	SyncWorkerArgs args;
	pid_t		pid = 0;

	fill_worker(&worker, "hubspot_fdw_sync_main", "", SYNC_WORKER_TYPE);
	snprintf(worker.bgw_name, BGW_MAXLEN, "hubspot_fdw sync of server \"%s\"", server);
	worker.bgw_restart_time = sync_restart_delay;
	memset(&args, 0, sizeof(args));
	args.dbid = dbid;
	args.roleid = roleid;
	args.marked_by = marked_by;
	strlcpy(args.server, server, NAMEDATALEN);
	memcpy(worker.bgw_extra, &args, sizeof(args));
	worker.bgw_main_arg = ObjectIdGetDatum(dbid);
	worker.bgw_notify_pid = notify ? MyProcPid : 0;
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		if (!notify)
			return -1;
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start the sync worker of server \"%s\"", server),
				 errdetail("No background worker slot is free."),
				 errhint("Raise max_worker_processes.")));
	}
	if (!notify)
		return 0;
	/* as worker_spi: a worker that stopped at once, or no postmaster, is an error */
	switch (WaitForBackgroundWorkerStartup(handle, &pid))
	{
		case BGWH_STARTED:
			break;
		case BGWH_POSTMASTER_DIED:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("cannot start background processes without postmaster"),
					 errhint("Kill all remaining database processes and restart the database.")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("could not start the sync worker of server \"%s\"", server),
					 errdetail("The background process stopped as soon as it started."),
					 errhint("More details may be available in the server log.")));
	}
	return (int) pid;
}

/* ---------------------------------------------------------------------
 * start_sync (SQL)
 * --------------------------------------------------------------------- */

/* The owner of hubspot_fdw.sync_servers: the role the bookkeeping runs as. */
static Oid
catalog_owner(void)
{
	Oid			relid = get_relname_relid("sync_servers", get_namespace_oid("hubspot_fdw", false));
	HeapTuple	tuple;
	Oid			owner;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hubspot_fdw.sync_servers does not exist"),
				 errhint("Run ALTER EXTENSION hubspot_fdw UPDATE.")));
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * Run "query" ($1 the server, $2 the calling role) as the owner of the
 * extension's tables and return the first row's first two columns (copied
 * into the transaction's context; the second may be NULL).
 */
static void
call_as_catalog_owner(const char *query, const char *server, Oid roleid,
					  char **first, char **second)
{
	Oid			save_userid;
	int			save_sec;
	Oid			argtypes[2] = {TEXTOID, OIDOID};
	Datum		values[2];
	char	   *value;

	values[0] = CStringGetTextDatum(server);
	values[1] = ObjectIdGetDatum(roleid);
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(catalog_owner(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query, 2, argtypes, values, NULL, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "%s failed", query);
	value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	*first = value ? MemoryContextStrdup(CurTransactionContext, value) : NULL;
	if (second != NULL)
	{
		value = SPI_tuptable->tupdesc->natts > 1
			? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2) : NULL;
		*second = value ? MemoryContextStrdup(CurTransactionContext, value) : NULL;
	}
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec);
}

/*
 * hubspot_fdw.start_sync(server text) returns integer: mark the server for
 * syncing and start its worker; returns the worker's PID.  EXECUTE is
 * revoked from PUBLIC.  The caller is taken from the session and checked by
 * _mark_sync (run with the rights of the extension's tables' owner): USAGE
 * on the server, and, when the server is marked already, the role the sync
 * runs as (or a member of it), the server's owner or a superuser.  A running
 * sync is left as it is.  The worker runs as the caller, or as the marked
 * role when the caller is a member of it.
 */
Datum
hubspot_fdw_start_sync(PG_FUNCTION_ARGS)
{
	char	   *server = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *action;
	char	   *detail;
	int			pid;

	call_as_catalog_owner("SELECT action, detail FROM hubspot_fdw._mark_sync($1, $2)",
						  server, GetUserId(), &action, &detail);
	if (action == NULL)
		elog(ERROR, "hubspot_fdw._mark_sync returned no action");
	if (strcmp(action, "cli") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("server \"%s\" is being synced by %s", server, detail),
				 errdetail("One sync runs per server: a background worker or the CLI daemon."),
				 errhint("Stop the \"hubspot-fdw sync\" daemon, then call start_sync again.")));
	if (strcmp(action, "running") == 0)
	{
		ereport(NOTICE,
				(errmsg("the sync worker of server \"%s\" is already running", server)));
		PG_RETURN_INT32(atoi(detail));
	}

	/* the worker first waits for this transaction: it sees the mark once committed */
	pid = register_sync_worker(MyDatabaseId, (Oid) strtoul(detail, NULL, 10), server, true,
							   GetTopTransactionIdIfAny());
	if (!worker_preloaded)
		ereport(NOTICE,
				(errmsg("hubspot_fdw is not in shared_preload_libraries: the sync worker of server \"%s\" runs until the server restarts", server),
				 errhint("Add shared_preload_libraries = 'hubspot_fdw' to postgresql.conf so that marked servers sync again after a restart.")));
	PG_RETURN_INT32(pid);
}

PG_FUNCTION_INFO_V1(hubspot_fdw_stop_sync);

/*
 * hubspot_fdw.stop_sync(server text) returns boolean: forget the server's
 * mark and stop its worker.  The same rule as start_sync (_unmark_sync).
 */
Datum
hubspot_fdw_stop_sync(PG_FUNCTION_ARGS)
{
	char	   *server = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *stopped;

	call_as_catalog_owner("SELECT hubspot_fdw._unmark_sync($1, $2)", server, GetUserId(),
						  &stopped, NULL);
	PG_RETURN_BOOL(stopped != NULL && strcmp(stopped, "t") == 0);
}

/* ---------------------------------------------------------------------
 * Launcher and database scan
 * --------------------------------------------------------------------- */

static void
begin_step(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
}

static void
end_step(void)
{
	if (ActiveSnapshotSet())
		PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
}

void
hubspot_fdw_launcher_main(Datum main_arg)
{
	List	   *databases = NIL;
	ListCell   *lc;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	/* no database: pg_database is a shared catalog, read it directly */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tuple = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);
		MemoryContext old;

		if (!db->datallowconn || db->datistemplate)
			continue;
		old = MemoryContextSwitchTo(TopMemoryContext);
		databases = lappend_oid(databases, db->oid);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();

	/* one scan at a time, so the scans never take all worker slots */
	foreach(lc, databases)
	{
		BackgroundWorker worker;
		BackgroundWorkerHandle *handle;

		fill_worker(&worker, "hubspot_fdw_dbscan_main", "hubspot_fdw database scan",
					"hubspot_fdw launcher");
		worker.bgw_main_arg = ObjectIdGetDatum(lfirst_oid(lc));
		worker.bgw_notify_pid = MyProcPid;
		if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		{
			ereport(WARNING,
					(errmsg("hubspot_fdw: no background worker slot to scan database %u for synced servers",
							lfirst_oid(lc)),
					 errhint("Raise max_worker_processes.")));
			continue;
		}
		(void) WaitForBackgroundWorkerShutdown(handle);
	}
	proc_exit(0);
}

void
hubspot_fdw_dbscan_main(Datum main_arg)
{
	Oid			dbid = DatumGetObjectId(main_arg);

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(dbid, InvalidOid, 0);

	begin_step();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'hubspot_fdw' "
					"AND to_regclass('hubspot_fdw.sync_servers') IS NOT NULL", true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1 &&
		SPI_execute("SELECT s.server_name, s.run_as, r.rolcanlogin IS TRUE FROM hubspot_fdw.sync_servers s "
					"LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.run_as ORDER BY s.server_name",
					true, 0) == SPI_OK_SELECT)
	{
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	row = SPI_tuptable->vals[i];
			bool		isnull;
			char	   *server = SPI_getvalue(row, SPI_tuptable->tupdesc, 1);
			Oid			roleid = DatumGetObjectId(SPI_getbinval(row, SPI_tuptable->tupdesc, 2, &isnull));
			bool		can_login = DatumGetBool(SPI_getbinval(row, SPI_tuptable->tupdesc, 3, &isnull));

			if (!can_login)
				ereport(WARNING,
						(errmsg("hubspot_fdw: not starting the sync of server \"%s\": its role %u no longer exists or cannot log in",
								server, roleid),
						 errhint("Call hubspot_fdw.start_sync again as a role that can log in.")));
			else if (register_sync_worker(dbid, roleid, server, false, InvalidTransactionId) < 0)
				ereport(WARNING,
						(errmsg("hubspot_fdw: no background worker slot for the sync of server \"%s\"", server),
						 errhint("Raise max_worker_processes.")));
			else
				elog(LOG, "hubspot_fdw: starting the sync worker of server \"%s\"", server);
		}
	}
	SPI_finish();
	end_step();
	proc_exit(0);
}

/* ---------------------------------------------------------------------
 * The sync worker and its Python module
 * --------------------------------------------------------------------- */

/*
 * End the current transaction (commit or abort).  On failure the
 * transaction is aborted, a new one begun and a Python exception set.
 */
static bool
finish_transaction(bool commit)
{
	MemoryContext context = TopMemoryContext;
	volatile bool ok = true;

	PG_TRY();
	{
		if (commit)
			end_step();
		else
			AbortCurrentTransaction();
	}
	PG_CATCH();
	{
		(void) host_raise_pg_error(context);
		AbortCurrentTransaction();
		begin_step();
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

static PyObject *
next_transaction(bool commit)
{
	if (!finish_transaction(commit))
		return NULL;
	begin_step();
	Py_RETURN_NONE;
}

static PyObject *
worker_commit(PyObject *self, PyObject *args)
{
	return next_transaction(true);
}

static PyObject *
worker_rollback(PyObject *self, PyObject *args)
{
	return next_transaction(false);
}

/*
 * wait(seconds) -> bool: commit the current transaction, sleep on the latch
 * with no transaction open, begin a new one.  Returns True when the
 * configuration was reloaded meanwhile (the caller re-reads its settings),
 * raises QueryCanceled when the worker is being terminated.
 */
static PyObject *
worker_wait(PyObject *self, PyObject *args)
{
	double		seconds;
	bool		reloaded = false;
	TimestampTz deadline;

	if (!PyArg_ParseTuple(args, "d", &seconds))
		return NULL;
	/* sleep outside any transaction: no snapshot holds back vacuum */
	if (!finish_transaction(true))
		return NULL;
	pgstat_report_activity(STATE_IDLE, NULL);
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), (int64) (seconds * 1000.0));
	for (;;)
	{
		long		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);

		if (host_cancel_pending())
			break;
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			reloaded = true;
			break;
		}
		if (remaining <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 remaining, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	begin_step();
	pgstat_report_activity(STATE_RUNNING, worker_activity);
	if (host_cancel_pending())
	{
		PyErr_SetString(host_api_object("QueryCanceled"), "terminating the sync worker");
		return NULL;
	}
	return PyBool_FromLong(reloaded);
}

static PyMethodDef worker_methods[] = {
	{"commit", worker_commit, METH_NOARGS, "Commit this step and begin the next transaction."},
	{"rollback", worker_rollback, METH_NOARGS, "Roll back this step and begin the next transaction."},
	{"wait", worker_wait, METH_VARARGS, "Commit, sleep until timeout/terminate/reload, begin again."},
	{NULL, NULL, 0, NULL}
};

static struct PyModuleDef worker_module = {
	PyModuleDef_HEAD_INIT, "_hubspot_fdw_worker",
	"Transaction control for the materializer in a background worker.", -1, worker_methods
};

void
hubspot_fdw_sync_main(Datum main_arg)
{
	SyncWorkerArgs args;
	PyObject   *module;
	PyObject   *entry;
	PyObject   *result;
	char	   *outcome;

	memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(args.dbid, args.roleid, 0);
	pgstat_report_appname("hubspot_fdw sync");
	snprintf(worker_activity, sizeof(worker_activity), "hubspot_fdw sync of server \"%s\"", args.server);

	pgstat_report_activity(STATE_RUNNING, worker_activity);
	if (TransactionIdIsValid(args.marked_by))
	{
		StartTransactionCommand();
		XactLockTableWait(args.marked_by, NULL, NULL, XLTW_None);
		CommitTransactionCommand();
	}
	begin_step();
	host_python_ensure();
	module = PyModule_Create(&worker_module);
	if (module == NULL ||
		PyDict_SetItemString(PyImport_GetModuleDict(), "_hubspot_fdw_worker", module) < 0)
		host_report_python_error(ERROR, "registering _hubspot_fdw_worker");
	Py_DECREF(module);
	entry = PyImport_ImportModule("hubspot_fdw.materializer.worker");
	if (entry == NULL)
		host_report_python_error(ERROR, "importing hubspot_fdw.materializer.worker");
	/* an error escaping run() is FATAL here: the postmaster restarts us later */
	result = host_call_method(entry, "run", Py_BuildValue("(s)", args.server), NULL);
	outcome = host_py_to_cstring(result);
	Py_DECREF(result);
	Py_DECREF(entry);
	end_step();
	elog(LOG, "hubspot_fdw: the sync worker of server \"%s\" exits (%s)", args.server, outcome);
	proc_exit(0);				/* exit code 0: not restarted */
}

/* ---------------------------------------------------------------------
 * _PG_init part
 * --------------------------------------------------------------------- */

void
host_worker_init(void)
{
	/* the defaults are the materializer's (SyncConfig) */
	DefineCustomRealVariable("hubspot_fdw.sync_poll_interval",
							 "Seconds between the sync worker's polls of a table that is changing.",
							 "Read again on reload (pg_reload_conf()).",
							 &sync_poll_interval, 2.0, 0.05, 86400.0,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("hubspot_fdw.sync_max_poll_interval",
							 "Seconds between the sync worker's polls of an idle table.",
							 "Intervals grow from sync_poll_interval up to this; read again on reload.",
							 &sync_max_poll_interval, 60.0, 0.05, 86400.0,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("hubspot_fdw.sync_daily_share",
							 "Share of the portal's daily API limit the sync worker may spend.",
							 "Between 0.001 and 1; read again on reload.",
							 &sync_daily_share, 0.10, 0.001, 1.0,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("hubspot_fdw.sync_backfill_share",
							 "Share of each 10-second rate window the sync worker's backfill may fill (its speed; the daily share covers backfills too).",
							 "Between 0.05 and 1; read again on reload.",
							 &sync_backfill_share, 1.0, 0.05, 1.0,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hubspot_fdw.sync_restart_delay",
							"Seconds before the postmaster restarts a sync worker that died.",
							"Applies to workers started after the change.",
							&sync_restart_delay, 10, 1, 3600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);

	if (!process_shared_preload_libraries_in_progress)
		return;
	worker_preloaded = true;
	{
		BackgroundWorker launcher;

		fill_worker(&launcher, "hubspot_fdw_launcher_main", "hubspot_fdw launcher",
					"hubspot_fdw launcher");
		RegisterBackgroundWorker(&launcher);
	}
}
