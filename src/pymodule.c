/*-------------------------------------------------------------------------
 *
 * pymodule.c
 *		  The built-in _hubspot_fdw_host module: what Python code may ask of
 *		  the backend.
 *
 * log(message, level, hint, detail)  ereport below ERROR
 * cancel_pending()                   a cancel or termination is pending
 * hold_interrupts(), resume_interrupts()
 *                                    while held, a cancel waits (interrupts.c)
 * on_cancel_signal(signum, frame)    the Python SIGINT handler (interrupts.c)
 * execute_sql(query, params, limit)  SQL in the current transaction, as the
 *                                    acting owner (access.c) if there is one
 *
 * Every PostgreSQL call made here is wrapped so that an error becomes a
 * Python exception instead of a longjmp through the interpreter; SQL runs
 * in an internal subtransaction, so a failed statement is rolled back on
 * its own and the caller may go on (PL/Python does the same).
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

/*
 * In a PG_CATCH block: turn the PostgreSQL error being handled into a raised
 * hubspot_fdw.host.PgError (message, SQLSTATE, detail, hint) and return NULL,
 * for a Python-callable function to return.  The error data is copied in
 * "context" and the error state flushed; the caller then cleans up as its
 * PG_TRY required (subtransaction, transaction).
 */
PyObject *
host_raise_pg_error(MemoryContext context)
{
	ErrorData  *edata;
	PyObject   *cls;
	PyObject   *error;

	MemoryContextSwitchTo(context);
	edata = CopyErrorData();
	FlushErrorState();
	cls = host_api_object("PgError");
	error = PyObject_CallFunction(cls, "szzz", edata->message ? edata->message : "error",
								  unpack_sql_state(edata->sqlerrcode),
								  edata->detail, edata->hint);
	if (error != NULL)
	{
		PyErr_SetObject(cls, error);
		Py_DECREF(error);
	}
	FreeErrorData(edata);
	return NULL;
}

static int
elevel_from_name(const char *name)
{
	if (strcmp(name, "DEBUG1") == 0)
		return DEBUG1;
	if (strcmp(name, "NOTICE") == 0)
		return NOTICE;
	if (strcmp(name, "INFO") == 0)
		return INFO;
	if (strcmp(name, "WARNING") == 0)
		return WARNING;
	if (strcmp(name, "FATAL") == 0)
		return FATAL;
	return -1;
}

static PyObject *
host_log(PyObject *self, PyObject *args)
{
	const char *message;
	const char *level_name;
	const char *hint = NULL;
	const char *detail = NULL;
	int			elevel;
	MemoryContext oldcontext = CurrentMemoryContext;

	if (!PyArg_ParseTuple(args, "ss|zz", &message, &level_name, &hint, &detail))
		return NULL;
	elevel = elevel_from_name(level_name);
	if (elevel < 0)
	{
		PyErr_Format(PyExc_KeyError, "%s", level_name);
		return NULL;
	}
	PG_TRY();
	{
		char	   *msg = pg_any_to_server(message, strlen(message), PG_UTF8);

		ereport(elevel,
				(errmsg_internal("%s", msg),
				 hint ? errhint("%s", pg_any_to_server(hint, strlen(hint), PG_UTF8)) : 0,
				 detail ? errdetail_internal("%s", pg_any_to_server(detail, strlen(detail), PG_UTF8)) : 0));
	}
	PG_CATCH();
	{
		return host_raise_pg_error(oldcontext);
	}
	PG_END_TRY();
	Py_RETURN_NONE;
}

static PyObject *
host_cancel_pending_py(PyObject *self, PyObject *args)
{
	return PyBool_FromLong(host_cancel_pending());
}

/*
 * Hold cancels and statement_timeout: the backend keeps them pending until
 * the matching resume_interrupts(); the caller checks cancel_pending() then.
 */
static PyObject *
host_hold_interrupts(PyObject *self, PyObject *args)
{
	HOLD_INTERRUPTS();
	host_interrupts_held++;
	Py_RETURN_NONE;
}

static PyObject *
host_resume_interrupts(PyObject *self, PyObject *args)
{
	if (host_interrupts_held > 0)
	{
		host_interrupts_held--;
		if (InterruptHoldoffCount > 0)
			RESUME_INTERRUPTS();
	}
	Py_RETURN_NONE;
}

static PyObject *
host_on_cancel_signal(PyObject *self, PyObject *args)
{
	/*
	 * Spurious trips (the cancel was already handled in C) are ignored, and
	 * so is a trip while interrupts are held: the cancel stays pending.
	 */
	if (host_interrupts_held == 0 && host_cancel_pending())
	{
		PyErr_SetString(host_api_object("QueryCanceled"), "canceling statement");
		return NULL;
	}
	Py_RETURN_NONE;
}

/*
 * Infer the parameter types of a one-statement query as for untyped literals.
 * Runs inside an SPI connection, so the type array lives until SPI_finish.
 */
static int
infer_param_types(const char *query, Oid **types)
{
	List	   *raw = pg_parse_query(query);
	int			ntypes = 0;

	*types = NULL;
	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("execute_sql with parameters takes exactly one statement")));
	(void) pg_analyze_and_rewrite_varparams(linitial(raw), query, types, &ntypes, NULL);
	for (int i = 0; i < ntypes; i++)
		if ((*types)[i] == UNKNOWNOID || (*types)[i] == InvalidOid)
			(*types)[i] = TEXTOID;
	return ntypes;
}

/* Text parameter values converted by their inferred types' input functions. */
static Datum *
bind_text_params(char **values, int nvalues, Oid *types, int ntypes, char **nulls)
{
	Datum	   *datums = palloc0(sizeof(Datum) * Max(ntypes, 1));

	if (ntypes > nvalues)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_PARAMETER),
				 errmsg("query uses %d parameters but %d were given", ntypes, nvalues)));
	*nulls = palloc0(Max(ntypes, 1) + 1);
	for (int i = 0; i < ntypes; i++)
	{
		Oid			infunc;
		Oid			ioparam;

		(*nulls)[i] = values[i] == NULL ? 'n' : ' ';
		if (values[i] == NULL)
			continue;
		getTypeInputInfo(types[i], &infunc, &ioparam);
		datums[i] = OidInputFunctionCall(infunc, values[i], ioparam, -1);
	}
	return datums;
}

static PyObject *
rows_to_py(SPITupleTable *tuptable, uint64 count)
{
	PyObject   *rows = PyList_New(0);
	TupleDesc	tupdesc;

	if (tuptable == NULL)
		return rows;
	tupdesc = tuptable->tupdesc;
	for (uint64 r = 0; r < count; r++)
	{
		PyObject   *row = PyDict_New();

		for (int i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(tupdesc, i);
			bool		isnull;
			Datum		value;
			PyObject   *py;

			if (att->attisdropped)
				continue;
			value = SPI_getbinval(tuptable->vals[r], tupdesc, i + 1, &isnull);
			py = host_datum_to_py(value, isnull, att->atttypid);
			PyDict_SetItemString(row, NameStr(att->attname), py);
			Py_DECREF(py);
		}
		PyList_Append(rows, row);
		Py_DECREF(row);
	}
	return rows;
}

/*
 * A Python str in the server encoding, or NULL with a Python exception set:
 * a NUL character (no PostgreSQL text holds one) or a character the server
 * encoding lacks is the caller's error, never an ERROR escaping into Python.
 */
static char *
server_string(PyObject *obj)
{
	Py_ssize_t	len;
	const char *utf8 = PyUnicode_AsUTF8AndSize(obj, &len);
	MemoryContext context = CurrentMemoryContext;
	char	   *volatile result = NULL;

	if (utf8 == NULL)
		return NULL;
	if (memchr(utf8, '\0', len) != NULL)
	{
		PyErr_SetString(PyExc_ValueError,
						"execute_sql: text cannot contain NUL (0x00) characters");
		return NULL;
	}
	PG_TRY();
	{
		result = pg_any_to_server(pnstrdup(utf8, len), len, PG_UTF8);
	}
	PG_CATCH();
	{
		(void) host_raise_pg_error(context);
		result = NULL;
	}
	PG_END_TRY();
	return result;
}

static PyObject *
host_execute_sql(PyObject *self, PyObject *args)
{
	PyObject   *query_obj;
	PyObject   *params_obj;
	long		limit = 0;
	char	   *query;
	char	  **values;
	Py_ssize_t	nvalues;
	PyObject   *volatile result = NULL;
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	if (!PyArg_ParseTuple(args, "UO|l", &query_obj, &params_obj, &limit))
		return NULL;
	if (!IsTransactionState() || IsAbortedTransactionBlockState())
	{
		PyErr_SetString(PyExc_RuntimeError,
						"execute_sql needs a transaction in progress (not available in commit or rollback hooks)");
		return NULL;
	}
	nvalues = PySequence_Size(params_obj);
	if (nvalues < 0 || (query = server_string(query_obj)) == NULL)
		return NULL;
	values = palloc0(sizeof(char *) * Max(nvalues, 1));
	for (Py_ssize_t i = 0; i < nvalues; i++)
	{
		PyObject   *item = PySequence_GetItem(params_obj, i);

		if (item == NULL)
			return NULL;
		if (item != Py_None)
		{
			if (!PyUnicode_Check(item) || (values[i] = server_string(item)) == NULL)
			{
				Py_DECREF(item);
				if (!PyErr_Occurred())
					PyErr_SetString(PyExc_TypeError, "execute_sql parameters must be str or None");
				return NULL;
			}
		}
		Py_DECREF(item);
	}

	if (host_parallel_mode())
	{
		PyErr_SetString(PyExc_RuntimeError,
						"execute_sql cannot run in parallel mode (a parallel query forbids subtransactions)");
		return NULL;
	}
	PG_TRY();
	{
		BeginInternalSubTransaction(NULL);
	}
	PG_CATCH();
	{
		/* no subtransaction was started: report the error to Python, never through it */
		return host_raise_pg_error(oldcontext);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		int			rc;
		HostRoleSave role;
		bool		pushed = false;

		/*
		 * Hooks such as pre_commit run with no active snapshot; SPI needs one.
		 * An error's subtransaction abort pops it.
		 */
		if (!ActiveSnapshotSet())
		{
			PushActiveSnapshot(GetTransactionSnapshot());
			pushed = true;
		}
		/* as the acting owner; an error's subtransaction abort switches back */
		host_as_owner_begin(host_acting_owner(), &role);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (nvalues > 0)
		{
			Oid		   *types;
			int			ntypes = infer_param_types(query, &types);
			char	   *nulls;
			Datum	   *datums = bind_text_params(values, nvalues, types, ntypes, &nulls);

			rc = SPI_execute_with_args(query, ntypes, types, datums, nulls, false, limit);
		}
		else
			rc = SPI_execute(query, false, limit);
		if (rc < 0)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
		result = rows_to_py(SPI_tuptable, SPI_processed);
		SPI_finish();
		host_as_owner_end(&role);
		if (pushed)
			PopActiveSnapshot();
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		(void) host_raise_pg_error(oldcontext);
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		Py_XDECREF(result);
		return NULL;
	}
	PG_END_TRY();
	return result;
}

static PyMethodDef host_methods[] = {
	{"log", host_log, METH_VARARGS, "ereport a message below ERROR."},
	{"cancel_pending", host_cancel_pending_py, METH_NOARGS, "Is a cancel pending?"},
	{"hold_interrupts", host_hold_interrupts, METH_NOARGS, "Let a cancel wait."},
	{"resume_interrupts", host_resume_interrupts, METH_NOARGS, "Deliver cancels again."},
	{"on_cancel_signal", host_on_cancel_signal, METH_VARARGS, "Python SIGINT handler."},
	{"execute_sql", host_execute_sql, METH_VARARGS, "Run SQL in the current transaction."},
	{NULL, NULL, 0, NULL}
};

static struct PyModuleDef host_module = {
	PyModuleDef_HEAD_INIT, "_hubspot_fdw_host",
	"Backend services for wrappers running on the hubspot_fdw host.", -1, host_methods
};

PyObject *
PyInit__hubspot_fdw_host(void)
{
	return PyModule_Create(&host_module);
}
