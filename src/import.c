/*-------------------------------------------------------------------------
 *
 * import.c
 *		  IMPORT FOREIGN SCHEMA through the wrapper class's import_schema.
 *
 * import_schema(schema, srv_options, options, restriction_type, restricts)
 * is a classmethod (no instance is built).  srv_options holds the server
 * options and the user mapping's, without "wrapper".  Each returned table
 * renders itself with to_statement(local_schema, server_name); PostgreSQL
 * then applies LIMIT TO / EXCEPT again on the result.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "foreign/fdwapi.h"
#include "miscadmin.h"

static PyObject *
restriction_type(ImportForeignSchemaStmt *stmt)
{
	switch (stmt->list_type)
	{
		case FDW_IMPORT_SCHEMA_LIMIT_TO:
			return PyUnicode_FromString("limit");
		case FDW_IMPORT_SCHEMA_EXCEPT:
			return PyUnicode_FromString("except");
		default:
			Py_RETURN_NONE;
	}
}

static PyObject *
restricted_tables(ImportForeignSchemaStmt *stmt)
{
	PyObject   *list = PyList_New(0);
	ListCell   *lc;

	foreach(lc, stmt->table_list)
	{
		PyObject   *name = host_py_str(((RangeVar *) lfirst(lc))->relname);

		PyList_Append(list, name);
		Py_DECREF(name);
	}
	return list;
}

List *
hostImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	PyObject   *cls = host_load_class(host_server_wrapper(server));
	List	   *srv_options = list_concat(host_without_wrapper(server->options),
										  host_user_mapping_options(serverOid, GetUserId()));
	PyObject   *tables;
	PyObject   *iterator;
	PyObject   *table;
	List	   *commands = NIL;

	host_require_user_mapping(cls, server);
	tables = host_call_method(cls, "import_schema",
							  Py_BuildValue("(NNNNN)", host_py_str(stmt->remote_schema),
											host_options_to_dict(srv_options),
											host_options_to_dict(stmt->options),
											restriction_type(stmt), restricted_tables(stmt)),
							  NULL);
	iterator = PyObject_GetIter(tables);
	Py_DECREF(tables);
	if (iterator == NULL)
		host_report_python_error(ERROR, "import_schema() must return an iterable of TableDefinition");
	while ((table = PyIter_Next(iterator)) != NULL)
	{
		PyObject   *sql = host_call_method(table, "to_statement",
										   Py_BuildValue("(NN)", host_py_str(stmt->local_schema),
														 host_py_str(server->servername)),
										   NULL);

		Py_DECREF(table);
		commands = lappend(commands, host_py_to_cstring(sql));
		Py_DECREF(sql);
	}
	Py_DECREF(iterator);
	if (PyErr_Occurred())
		host_report_python_error(ERROR, "import_schema");
	return commands;
}
