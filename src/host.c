/*-------------------------------------------------------------------------
 *
 * host.c
 *		  Module entry points: _PG_init, GUCs, the embedded interpreter, and
 *		  the SQL-callable handler and validator.
 *
 * The interpreter starts lazily on first use in a backend (never in the
 * postmaster), so a SET of hubspot_fdw.python_path in the session still
 * counts.  If PL/Python already started CPython in this backend, that
 * interpreter is reused.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "access/reloptions.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

#ifndef HUBSPOT_FDW_PYTHON_PATH
#define HUBSPOT_FDW_PYTHON_PATH ""
#endif

char	   *host_python_path = NULL;
int			host_read_mode = HOST_READ_MODE_DEFAULT;
int			host_python_depth = 0;

static bool python_ready = false;
static PyObject *host_api_module = NULL;	/* hubspot_fdw.host */

static const struct config_enum_entry read_mode_options[] = {
	{"default", HOST_READ_MODE_DEFAULT, false},
	{"auto", HOST_READ_MODE_AUTO, false},
	{"cache", HOST_READ_MODE_CACHE, false},
	{"live", HOST_READ_MODE_LIVE, false},
	{NULL, 0, false}
};

void		_PG_init(void);

PG_FUNCTION_INFO_V1(hubspot_fdw_handler);
PG_FUNCTION_INFO_V1(hubspot_fdw_validator);

void
_PG_init(void)
{
	DefineCustomStringVariable("hubspot_fdw.python_path",
							   "Directories added in front of the embedded Python's sys.path.",
							   "Colon-separated; set by make install to the virtual environment's "
							   "site-packages. Read when Python starts in a backend.",
							   &host_python_path,
							   HUBSPOT_FDW_PYTHON_PATH,
							   PGC_SUSET, 0,
							   NULL, NULL, NULL);
	DefineCustomEnumVariable("hubspot_fdw.read_mode",
							 "Overrides the read_mode option of HubSpot foreign tables for this session.",
							 "auto: cache once the table's backfill finished, live before; "
							 "cache: always the cache tables; live: always the HubSpot API. "
							 "default leaves the server and table options in charge.",
							 &host_read_mode,
							 HOST_READ_MODE_DEFAULT, read_mode_options,
							 PGC_USERSET, 0,
							 NULL, host_read_mode_assign, NULL);
	DefineCustomBoolVariable("hubspot_fdw.cache_substitution",
							 "Lets the planner read cached HubSpot foreign tables as their cache tables.",
							 "off: cached tables are read through the wrapper's delegated scan "
							 "(Python), as under upstream Multicorn2; for comparing and troubleshooting.",
							 &host_cache_substitution,
							 true,
							 PGC_USERSET, 0,
							 NULL, host_cache_substitution_assign, NULL);
	host_worker_init();			/* sync GUCs; the launcher when preloaded */
	MarkGUCPrefixReserved("hubspot_fdw");
	host_xact_init();
	host_modify_init();
	host_substitute_init();
	host_options_init();
}

/* Import one module and return a new reference, or report the error. */
static PyObject *
import_or_error(const char *name)
{
	PyObject   *module = PyImport_ImportModule(name);

	if (module == NULL)
		host_report_python_error(ERROR, "importing the hubspot_fdw host module");
	return module;
}

/* Put each directory of hubspot_fdw.python_path first on sys.path. */
static void
add_python_path(void)
{
	PyObject   *site;
	char	   *paths;
	char	   *dir;
	char	   *saveptr = NULL;
	int			position = 0;

	if (host_python_path == NULL || host_python_path[0] == '\0')
		return;
	site = import_or_error("site");
	paths = pstrdup(host_python_path);
	for (dir = strtok_r(paths, ":", &saveptr); dir != NULL;
		 dir = strtok_r(NULL, ":", &saveptr))
	{
		PyObject   *sys_path = PySys_GetObject("path");	/* borrowed */
		PyObject   *entry = host_py_str(dir);
		PyObject   *result;

		if (sys_path == NULL || PyList_Insert(sys_path, position++, entry) < 0)
		{
			Py_DECREF(entry);
			host_report_python_error(ERROR, "setting sys.path");
		}
		/* addsitedir processes .pth files (editable installs, namespace pkgs) */
		result = PyObject_CallMethod(site, "addsitedir", "O", entry);
		Py_DECREF(entry);
		if (result == NULL)
			host_report_python_error(ERROR, "adding hubspot_fdw.python_path");
		Py_DECREF(result);
	}
	Py_DECREF(site);
}

/*
 * Provide the "multicorn" import name for Multicorn-style wrappers, unless
 * upstream Multicorn2's package is importable (it is never shadowed).
 */
static void
install_multicorn_compat(void)
{
	PyObject   *compat = import_or_error("hubspot_fdw.host.multicorn_compat");
	PyObject   *result = PyObject_CallMethod(compat, "install", NULL);

	Py_DECREF(compat);
	if (result == NULL)
		host_report_python_error(ERROR, "registering the multicorn compatibility module");
	Py_DECREF(result);
}

/*
 * Start the interpreter if needed.  Everything else calls this first.
 */
void
host_python_ensure(void)
{
	if (host_parallel_mode())
		host_refuse_parallel_mode();	/* parallel.c */
	if (python_ready)
		return;
	if (!Py_IsInitialized())
	{
		PyConfig	config;
		PyStatus	status;

		if (PyImport_AppendInittab("_hubspot_fdw_host", PyInit__hubspot_fdw_host) < 0)
			elog(ERROR, "could not register the _hubspot_fdw_host module");
		PyConfig_InitPythonConfig(&config);
		config.install_signal_handlers = 0;	/* PostgreSQL owns the signals */
		config.parse_argv = 0;
		config.buffered_stdio = 0;
		status = Py_InitializeFromConfig(&config);
		PyConfig_Clear(&config);
		if (PyStatus_Exception(status))
			ereport(ERROR,
					(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
					 errmsg("could not start the embedded Python interpreter"),
					 errdetail("%s", status.err_msg ? status.err_msg : "unknown error")));
	}
	else
	{
		/* PL/Python got here first: add our module to its interpreter */
		PyObject   *module = PyInit__hubspot_fdw_host();
		PyObject   *modules = PyImport_GetModuleDict();

		if (module == NULL || PyDict_SetItemString(modules, "_hubspot_fdw_host", module) < 0)
			host_report_python_error(ERROR, "registering _hubspot_fdw_host");
		Py_DECREF(module);
	}
	add_python_path();
	host_convert_init();
	host_api_module = import_or_error("hubspot_fdw.host");
	install_multicorn_compat();
	host_install_interrupt_handlers();
	python_ready = true;
}

/* Whether this backend started the host's Python (hubspot_fdw.python_started()). */
bool
host_python_started(void)
{
	return python_ready;
}

/*
 * Whether hubspot_fdw.host is imported.  Error reporting asks before looking
 * up names in it: a failure to import it must not recurse into importing it.
 */
bool
host_api_loaded(void)
{
	return host_api_module != NULL;
}

/* A borrowed reference to a name exported by hubspot_fdw.host. */
PyObject *
host_api_object(const char *name)
{
	PyObject   *obj;

	host_python_ensure();
	obj = PyObject_GetAttrString(host_api_module, name);
	if (obj == NULL)
		host_report_python_error(ERROR, "looking up the hubspot_fdw host API");
	Py_DECREF(obj);				/* the module keeps it alive */
	return obj;
}

Datum
hubspot_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	host_scan_routines(routine);
	host_modify_routines(routine);
	routine->ImportForeignSchema = hostImportForeignSchema;
	PG_RETURN_POINTER(routine);
}

Datum
hubspot_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);

	host_validate_options(options, catalog);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(hubspot_fdw_python_call);

/*
 * hubspot_fdw._python_call(function text, argument text) returns text:
 * call "package.module.function"(argument) in this backend's interpreter.
 * The project's SQL functions (refresh, ...) are built on it; EXECUTE is
 * revoked from PUBLIC.  The function runs in the caller's transaction.
 */
Datum
hubspot_fdw_python_call(PG_FUNCTION_ARGS)
{
	char	   *function;
	char	   *dot;
	PyObject   *module;
	PyObject   *argument;
	PyObject   *result;
	char	   *output;

	/* not STRICT (a NULL argument means None), so the name is checked here */
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the function name must not be null")));
	function = text_to_cstring(PG_GETARG_TEXT_PP(0));
	dot = strrchr(function, '.');
	if (dot == NULL || dot == function || dot[1] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("function name \"%s\" must be \"package.module.function\"", function)));
	host_python_ensure();
	*dot = '\0';
	module = PyImport_ImportModule(function);
	if (module == NULL)
		host_report_python_error(ERROR, "importing the module of a Python function");
	if (PG_ARGISNULL(1))
	{
		Py_INCREF(Py_None);
		argument = Py_None;
	}
	else
		argument = host_py_str(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	result = host_call_method(module, dot + 1, Py_BuildValue("(N)", argument), NULL);
	Py_DECREF(module);
	if (result == Py_None)
	{
		Py_DECREF(result);
		PG_RETURN_NULL();
	}
	output = host_py_to_cstring(result);
	Py_DECREF(result);
	PG_RETURN_TEXT_P(cstring_to_text(output));
}
