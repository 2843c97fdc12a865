/*-------------------------------------------------------------------------
 *
 * instance.c
 *		  One wrapper instance per foreign table per backend, and the
 *		  transaction hooks called on the instances a transaction used.
 *
 * An instance is rebuilt when the merged options, the columns, the wrapper
 * class or the current user change (Multicorn2's rule).  begin() runs when
 * an instance is first used in a transaction, sub_begin(level) when it is
 * first used at a deeper savepoint level.  pre_commit() may veto a commit
 * with an ERROR; commit() and rollback() run when nothing can be undone any
 * more, so their exceptions are reported as WARNINGs, never as an ERROR
 * (upstream turns an exception in commit() into a PANIC).  Every method of
 * an instance runs with its table's owner as the acting owner (access.c).
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "access/table.h"
#include "access/xact.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"

static HTAB *instances = NULL;

/* The last instance host_instance_owner() found, and its owner: asked per call */
static PyObject *owner_memo_instance = NULL;
static Oid	owner_memo = InvalidOid;
static PyObject *class_cache = NULL;	/* "module.Class" -> class */

/* A borrowed reference to the wrapper class, imported once per backend. */
PyObject *
host_load_class(const char *wrapper)
{
	PyObject   *cls;

	host_python_ensure();
	if (class_cache == NULL)
		class_cache = PyDict_New();
	cls = PyDict_GetItemString(class_cache, wrapper);
	if (cls == NULL)
	{
		PyObject   *get_class = host_api_object("get_class");

		host_python_depth++;
		cls = PyObject_CallFunction(get_class, "s", wrapper);
		host_python_depth--;
		if (cls == NULL)
			host_report_python_error(ERROR, "loading the wrapper class named by the server's wrapper option");
		PyDict_SetItemString(class_cache, wrapper, cls);
		Py_DECREF(cls);
	}
	return cls;
}

static void
append_options(StringInfo buf, List *options)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		appendStringInfo(buf, "%s=%s\x1f", def->defname, defGetString(def));
	}
	appendStringInfoChar(buf, '\x1e');
}

/* Append the columns (names, types, options) to the instance fingerprint. */
static void
append_columns(StringInfo fingerprint, Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);

	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (att->attisdropped)
			continue;
		appendStringInfo(fingerprint, "%s:%u:%d:", NameStr(att->attname),
						 att->atttypid, att->atttypmod);
		append_options(fingerprint, GetForeignColumnOptions(RelationGetRelid(rel), att->attnum));
	}
}

/* Build the wrapper's columns argument: an OrderedDict of ColumnDefinition. */
static PyObject *
column_definitions(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	PyObject   *collections = PyImport_ImportModule("collections");
	PyObject   *columns;
	PyObject   *definition = host_api_object("ColumnDefinition");

	if (collections == NULL)
		host_report_python_error(ERROR, "importing collections");
	columns = PyObject_CallMethod(collections, "OrderedDict", NULL);
	Py_DECREF(collections);
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		PyObject   *column;
		PyObject   *key;
		PyObject   *kwargs;

		if (att->attisdropped)
			continue;
		kwargs = host_kwargs("column_name", host_py_str(NameStr(att->attname)),
							 "type_oid", PyLong_FromUnsignedLong(att->atttypid),
							 "typmod", PyLong_FromLong(att->atttypmod),
							 "type_name", host_py_str(format_type_with_typemod(att->atttypid,
																			   att->atttypmod)),
							 "base_type_name", host_py_str(format_type_be(att->atttypid)),
							 "options", host_options_to_dict(GetForeignColumnOptions(RelationGetRelid(rel),
																					 att->attnum)),
							 NULL);
		column = host_call_method(definition, "__call__", NULL, kwargs);
		/* an OrderedDict: PyDict_SetItem would bypass its ordering */
		key = host_py_str(NameStr(att->attname));
		PyObject_SetItem(columns, key, column);
		Py_DECREF(key);
		Py_DECREF(column);
	}
	return columns;
}

/* Call a transaction hook; report a raised exception at elevel. */
static void
call_hook(HostInstance *entry, const char *hook, PyObject *args, int elevel)
{
	PyObject   *callable;
	PyObject   *result;
	Oid			previous;

	callable = PyObject_GetAttrString(entry->instance, hook);
	if (callable == NULL)
	{
		Py_XDECREF(args);
		host_report_python_error(elevel, hook);
		return;
	}
	if (args == NULL)
		args = PyTuple_New(0);
	previous = host_acting_owner_push(entry->owner);
	host_python_depth++;
	result = PyObject_Call(callable, args, NULL);
	host_python_depth--;
	host_acting_owner_pop(previous);
	Py_DECREF(callable);
	Py_DECREF(args);
	if (result == NULL)
		host_report_python_error(elevel, hook);
	Py_XDECREF(result);
}

/* Mark the instance as used by the current (sub)transaction. */
static void
enter_transaction(HostInstance *entry)
{
	int			level = GetCurrentTransactionNestLevel();

	if (!entry->in_xact)
	{
		call_hook(entry, "begin",
				  Py_BuildValue("(i)", XactIsoLevel == XACT_SERIALIZABLE ? 1 : 0), ERROR);
		entry->in_xact = true;
		entry->xact_level = 1;
	}
	while (entry->xact_level < level)
	{
		entry->xact_level++;
		call_hook(entry, "sub_begin", Py_BuildValue("(i)", entry->xact_level), ERROR);
	}
}

HostInstance *
host_get_instance(Oid relid)
{
	char	   *wrapper;
	List	   *options;
	StringInfoData fingerprint;
	Relation	rel;
	HostInstance *entry;
	bool		found;
	Oid			previous;
	PyObject   *args;

	if (host_parallel_mode())
		host_refuse_parallel_mode();
	host_python_ensure();
	if (instances == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(HostInstance);
		instances = hash_create("hubspot_fdw instances", 64, &ctl, HASH_ELEM | HASH_BLOBS);
	}

	options = host_merged_options(relid, GetUserId(), &wrapper);
	initStringInfo(&fingerprint);
	appendStringInfo(&fingerprint, "%u\x1e%s\x1e", GetUserId(), wrapper);
	append_options(&fingerprint, options);
	host_require_user_mapping(host_load_class(wrapper),
							  GetForeignServer(GetForeignTable(relid)->serverid));
	rel = RelationIdGetRelation(relid);
	append_columns(&fingerprint, rel);

	entry = hash_search(instances, &relid, HASH_ENTER, &found);
	entry->owner = rel->rd_rel->relowner;
	owner_memo_instance = NULL;	/* the owner or the instance may change here */
	if (found && entry->instance != NULL && strcmp(entry->fingerprint, fingerprint.data) == 0)
	{
		RelationClose(rel);
		enter_transaction(entry);
		return entry;
	}
	if (!found)
	{
		entry->instance = NULL;
		entry->fingerprint = NULL;
		entry->in_xact = false;
		entry->xact_level = 0;
	}

	/* a mapping holds only what belongs to a user, whenever it was written (options.c) */
	host_wrapper_validate_options(host_load_class(wrapper), "user_mapping",
								  host_user_mapping_options(GetForeignTable(relid)->serverid,
															GetUserId()));

	/* (Re)build: the old instance, if any, is dropped without a hook. */
	Py_CLEAR(entry->instance);
	if (entry->fingerprint)
		pfree(entry->fingerprint);
	entry->fingerprint = MemoryContextStrdup(TopMemoryContext, fingerprint.data);
	entry->in_xact = false;
	entry->xact_level = 0;
	args = Py_BuildValue("(NN)", host_options_to_dict(options), column_definitions(rel));
	previous = host_acting_owner_push(entry->owner);
	host_python_depth++;
	entry->instance = PyObject_Call(host_load_class(wrapper), args, NULL);
	host_python_depth--;
	host_acting_owner_pop(previous);
	Py_DECREF(args);
	if (entry->instance == NULL)
	{
		RelationClose(rel);
		host_report_python_error(ERROR, "__init__");
	}
	RelationClose(rel);
	enter_transaction(entry);
	return entry;
}

/* The owner of the foreign table an instance serves, or InvalidOid. */
Oid
host_instance_owner(PyObject *instance)
{
	HASH_SEQ_STATUS status;
	HostInstance *entry;

	if (instances == NULL || instance == NULL)
		return InvalidOid;
	if (instance == owner_memo_instance)
		return owner_memo;
	hash_seq_init(&status, instances);
	while ((entry = hash_seq_search(&status)) != NULL)
		if (entry->instance == instance)
		{
			hash_seq_term(&status);
			owner_memo_instance = instance;
			owner_memo = entry->owner;
			return entry->owner;
		}
	return InvalidOid;
}

/* Instances used in the current transaction, collected before calling hooks. */
static List *
instances_in_transaction(void)
{
	HASH_SEQ_STATUS status;
	HostInstance *entry;
	List	   *result = NIL;

	if (instances == NULL)
		return NIL;
	hash_seq_init(&status, instances);
	while ((entry = hash_seq_search(&status)) != NULL)
		if (entry->in_xact && entry->instance != NULL)
			result = lappend(result, entry);
	return result;
}

static void
host_xact_callback(XactEvent event, void *arg)
{
	List	   *used = instances_in_transaction();
	ListCell   *lc;

	if (used == NIL)
		return;
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			foreach(lc, used)
				call_hook(lfirst(lc), "pre_commit", NULL, ERROR);
			return;
		case XACT_EVENT_PRE_PREPARE:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot PREPARE a transaction that used hubspot_fdw foreign tables")));
			return;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			foreach(lc, used)
				call_hook(lfirst(lc), "commit", NULL, WARNING);
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			host_interrupts_held = 0;	/* no Python frame survives an abort */
			foreach(lc, used)
				call_hook(lfirst(lc), "rollback", NULL, WARNING);
			break;
		default:
			return;
	}
	foreach(lc, used)
	{
		HostInstance *entry = lfirst(lc);

		entry->in_xact = false;
		entry->xact_level = 0;
	}
}

static void
host_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	List	   *used;
	ListCell   *lc;

	if (event != SUBXACT_EVENT_PRE_COMMIT_SUB && event != SUBXACT_EVENT_COMMIT_SUB &&
		event != SUBXACT_EVENT_ABORT_SUB)
		return;
	used = instances_in_transaction();
	foreach(lc, used)
	{
		HostInstance *entry = lfirst(lc);

		if (entry->xact_level < level)
			continue;
		if (event == SUBXACT_EVENT_PRE_COMMIT_SUB)
			call_hook(entry, "sub_commit", Py_BuildValue("(i)", level), ERROR);
		else if (event == SUBXACT_EVENT_ABORT_SUB)
		{
			call_hook(entry, "sub_rollback", Py_BuildValue("(i)", level), WARNING);
			entry->xact_level = level - 1;
		}
		else
			entry->xact_level = level - 1;
	}
}

void
host_xact_init(void)
{
	RegisterXactCallback(host_xact_callback, NULL);
	RegisterSubXactCallback(host_subxact_callback, NULL);
}
