/*-------------------------------------------------------------------------
 *
 * pycall.c
 *		  Calling into Python and turning Python exceptions into ereport.
 *
 * Every call from C into wrapper code goes through host_call_method, which
 * counts the nesting depth (so a cancel arriving meanwhile is delivered into
 * Python), makes a wrapper instance's table owner the acting owner for
 * local SQL (access.c) and reports a raised exception as a PostgreSQL error.  No
 * PostgreSQL error ever longjmps through Python frames: the Python state is
 * fetched and cleared before ereport is called.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include <stdarg.h>

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"

/* A new Python str from a server-encoded C string. */
PyObject *
host_py_str(const char *s)
{
	int			len = strlen(s);
	char	   *utf8 = pg_server_to_any(s, len, PG_UTF8);
	PyObject   *result;

	result = PyUnicode_DecodeUTF8(utf8, strlen(utf8), "replace");
	if (utf8 != s)
		pfree(utf8);
	if (result == NULL)
		host_report_python_error(ERROR, "decoding a string");
	return result;
}

/* str(obj) as a palloc'd server-encoded C string; NULL if str() fails. */
static char *
py_str_or_null(PyObject *obj)
{
	PyObject   *text;
	const char *utf8;
	Py_ssize_t	len;
	char	   *result;

	if (obj == NULL)
		return NULL;
	text = PyUnicode_Check(obj) ? (Py_INCREF(obj), obj) : PyObject_Str(obj);
	if (text == NULL)
	{
		PyErr_Clear();
		return NULL;
	}
	utf8 = PyUnicode_AsUTF8AndSize(text, &len);
	if (utf8 == NULL)
	{
		PyErr_Clear();
		Py_DECREF(text);
		return NULL;
	}
	result = pg_any_to_server(utf8, len, PG_UTF8);
	if (result == utf8)
		result = pnstrdup(utf8, len);
	Py_DECREF(text);
	return result;
}

char *
host_py_to_cstring(PyObject *obj)
{
	char	   *result = py_str_or_null(obj);

	if (result == NULL)
		host_report_python_error(ERROR, "converting a value to text");
	return result;
}

/*
 * str(obj) for an error report, without NUL characters (PostgreSQL's messages
 * cannot hold them; a HubSpot label or value quoted in a message may), so the
 * report is the wrapper's error and not an encoding error.  NULL on failure.
 */
static char *
report_text(PyObject *obj)
{
	PyObject   *text = obj != NULL ? PyObject_Str(obj) : NULL;
	PyObject   *nul = PyUnicode_FromStringAndSize("\0", 1);
	PyObject   *empty = PyUnicode_FromStringAndSize("", 0);
	PyObject   *clean = NULL;
	char	   *result;

	if (text != NULL && nul != NULL && empty != NULL)
		clean = PyUnicode_Replace(text, nul, empty, -1);
	PyErr_Clear();
	result = py_str_or_null(clean != NULL ? clean : text);
	Py_XDECREF(clean);
	Py_XDECREF(text);
	Py_XDECREF(nul);
	Py_XDECREF(empty);
	return result;
}

/* getattr(obj, name) as a C string for an error report, or NULL when absent or None. */
static char *
attr_string(PyObject *obj, const char *name)
{
	PyObject   *attr;
	char	   *result = NULL;

	if (obj == NULL || !PyObject_HasAttrString(obj, name))
		return NULL;
	attr = PyObject_GetAttrString(obj, name);
	if (attr == NULL)
	{
		PyErr_Clear();
		return NULL;
	}
	if (attr != Py_None)
		result = report_text(attr);
	Py_DECREF(attr);
	return result;
}

static char *
format_traceback(PyObject *type, PyObject *value, PyObject *tb)
{
	PyObject   *module = PyImport_ImportModule("traceback");
	PyObject   *lines = NULL;
	PyObject   *joined = NULL;
	PyObject   *empty = NULL;
	char	   *result = NULL;

	if (module != NULL)
		lines = PyObject_CallMethod(module, "format_exception", "OOO",
									type, value ? value : Py_None, tb ? tb : Py_None);
	if (lines != NULL)
		empty = PyUnicode_FromString("");
	if (empty != NULL)
		joined = PyUnicode_Join(empty, lines);
	if (joined != NULL)
		result = py_str_or_null(joined);
	PyErr_Clear();
	Py_XDECREF(module);
	Py_XDECREF(lines);
	Py_XDECREF(empty);
	Py_XDECREF(joined);
	return result;
}

static bool
is_query_canceled(PyObject *type)
{
	PyObject   *canceled;

	if (!host_api_loaded())
		return false;			/* reporting a failed import of the host module */
	canceled = host_api_object("QueryCanceled");

	return PyErr_GivenExceptionMatches(type, canceled);
}

/*
 * A MulticornException (ours or upstream's, raised by log_to_postgres(ERROR)):
 * its "message" attribute is the whole message, whatever its args are.
 */
static bool
is_multicorn_exception(PyObject *value)
{
	PyObject   *flag;
	int			truth;

	if (value == NULL || !PyObject_HasAttrString(value, "_is_multicorn_exception"))
		return false;
	flag = PyObject_GetAttrString(value, "_is_multicorn_exception");
	truth = flag != NULL ? PyObject_IsTrue(flag) : 0;
	Py_XDECREF(flag);
	PyErr_Clear();
	return truth > 0;
}

/*
 * Report the pending Python exception at the given level.  With ERROR this
 * does not return.  Exceptions carrying sqlstate/detail/hint keep them (with
 * the wrapper method as CONTEXT), a MulticornException is reported as its
 * message, and any other exception as Multicorn2 does: "Error in python:
 * Class" with the message as DETAIL; both with SQLSTATE 38000.
 */
void
host_report_python_error(int elevel, const char *context)
{
	PyObject   *type,
			   *value,
			   *tb;
	char	   *classname;
	char	   *message;
	char	   *sqlstate;
	char	   *detail;
	char	   *hint;
	char	   *traceback_text;
	bool		multicorn;
	int			errcode_value = ERRCODE_EXTERNAL_ROUTINE_EXCEPTION;

	PyErr_Fetch(&type, &value, &tb);
	if (type == NULL)
		ereport(elevel,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("wrapper call failed without a Python exception"),
				 errcontext("hubspot_fdw wrapper: %s", context)));
	PyErr_NormalizeException(&type, &value, &tb);

	if (is_query_canceled(type))
	{
		Py_XDECREF(type);
		Py_XDECREF(value);
		Py_XDECREF(tb);
		if (elevel >= ERROR)
		{
			/* PostgreSQL's own cancel error, with its real reason */
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("canceling statement due to user request")));
		}
		ereport(elevel, (errmsg("statement cancelled while in %s", context)));
		return;
	}

	classname = pstrdup(((PyTypeObject *) type)->tp_name);
	multicorn = is_multicorn_exception(value);
	message = multicorn ? attr_string(value, "message") : report_text(value);
	sqlstate = attr_string(value, "sqlstate");
	detail = attr_string(value, "detail");
	hint = attr_string(value, "hint");
	/* formatting a traceback costs an import and a walk: only when it is logged */
	traceback_text = message_level_is_interesting(DEBUG1)
		? format_traceback(type, value, tb) : NULL;
	Py_XDECREF(type);
	Py_XDECREF(value);
	Py_XDECREF(tb);

	if (sqlstate != NULL && strlen(sqlstate) == 5)
		errcode_value = MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2],
									  sqlstate[3], sqlstate[4]);
	else
		sqlstate = NULL;
	if (traceback_text != NULL)
		elog(DEBUG1, "hubspot_fdw: Python traceback (%s):\n%s", context, traceback_text);

	if (sqlstate != NULL)
		ereport(elevel,
				(errcode(errcode_value),
				 errmsg("%s", message && message[0] ? message : classname),
				 detail ? errdetail("%s", detail) : 0,
				 hint ? errhint("%s", hint) : 0,
				 errcontext("hubspot_fdw wrapper: %s", context)));
	else if (multicorn)
		ereport(elevel,			/* as Multicorn2 reports log_to_postgres(ERROR) */
				(errcode(errcode_value),
				 errmsg("%s", message && message[0] ? message : classname),
				 detail ? errdetail("%s", detail) : 0,
				 hint ? errhint("%s", hint) : 0));
	else
		ereport(elevel,			/* Multicorn2's format; the traceback at DEBUG1 */
				(errcode(errcode_value),
				 errmsg("Error in python: %s", classname),
				 message && message[0] ? errdetail("%s", message) : 0,
				 hint ? errhint("%s", hint) : 0));
}

/*
 * Call obj.method(*args, **kwargs).  Steals the references to args and
 * kwargs (either may be NULL).  Reports a raised exception as ERROR.
 * If "missing" is given, a method that does not exist sets it and returns
 * NULL instead of failing.
 */
PyObject *
host_call_method_opt(PyObject *obj, const char *method, PyObject *args,
					 PyObject *kwargs, bool *missing)
{
	PyObject   *callable;
	PyObject   *result;
	Oid			owner;
	Oid			previous;

	if (missing)
		*missing = false;
	if (host_parallel_mode())
	{
		Py_XDECREF(args);
		Py_XDECREF(kwargs);
		host_refuse_parallel_mode();
	}
	callable = PyObject_GetAttrString(obj, method);
	if (callable == NULL)
	{
		if (missing && PyErr_ExceptionMatches(PyExc_AttributeError))
		{
			PyErr_Clear();
			Py_XDECREF(args);
			Py_XDECREF(kwargs);
			*missing = true;
			return NULL;
		}
		Py_XDECREF(args);
		Py_XDECREF(kwargs);
		host_report_python_error(ERROR, method);
	}
	if (args == NULL)
		args = PyTuple_New(0);

	owner = host_instance_owner(obj);	/* a wrapper instance: its table's owner */
	previous = host_acting_owner_push(OidIsValid(owner) ? owner : host_acting_owner());
	host_python_depth++;
	result = PyObject_Call(callable, args, kwargs);
	host_python_depth--;
	host_acting_owner_pop(previous);

	Py_DECREF(callable);
	Py_DECREF(args);
	Py_XDECREF(kwargs);
	if (result == NULL)
		host_report_python_error(ERROR, method);
	return result;
}

PyObject *
host_call_method(PyObject *obj, const char *method, PyObject *args, PyObject *kwargs)
{
	return host_call_method_opt(obj, method, args, kwargs, NULL);
}

/*
 * Build a kwargs dict from (name, value) pairs ending with NULL.  Values are
 * stolen; a NULL value skips its key (an argument that does not apply).
 */
PyObject *
host_kwargs(const char *first,...)
{
	PyObject   *dict = PyDict_New();
	const char *key = first;
	va_list		ap;

	va_start(ap, first);
	while (key != NULL)
	{
		PyObject   *value = va_arg(ap, PyObject *);

		if (value != NULL)
		{
			PyDict_SetItemString(dict, key, value);
			Py_DECREF(value);
		}
		key = va_arg(ap, const char *);
	}
	va_end(ap);
	return dict;
}
