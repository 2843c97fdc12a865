/*-------------------------------------------------------------------------
 *
 * modify.c
 *		  INSERT, UPDATE, DELETE and COPY FROM through the wrapper's
 *		  rowid_column, insert(values), update(rowid, newvalues),
 *		  delete(rowid) and end_modify().
 *
 * The rowid column is fetched by the scan as a junk column.  A mapping or
 * sequence returned by insert/update/delete replaces the row RETURNING
 * sees; None keeps the row as given (for DELETE: as scanned, fetched as a
 * whole-row junk column when the statement has RETURNING).
 * BeginForeignInsert is implemented, so COPY FROM into a foreign table and
 * tuple routing into a foreign partition work (upstream crashes there).
 * Rows are sent one at a time, or, when the wrapper's modify_batch_size is
 * above 1, as Multicorn2 does, in lists of that many to bulk_insert(rows),
 * except for an INSERT with RETURNING (or under a view's WITH CHECK OPTION),
 * which stays row by row so that RETURNING is always exact.  Beyond
 * Multicorn, a wrapper may define expect_rows(rows) to learn before the
 * first row how many rows an INSERT will send, and
 * modify_context(operation, returning, on_conflict) to learn whether the
 * statement has RETURNING and, for INSERT ... ON CONFLICT DO NOTHING,
 * on_conflict = "nothing"; insert() may then return False: the row was not
 * inserted (the statement reports INSERT 0 0 for it).  ON CONFLICT with a
 * conflict target, or DO UPDATE, is refused at parse analysis with 0A000:
 * a foreign table has no unique index to infer it from.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "access/htup_details.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "parser/analyze.h"
#include "parser/parsetree.h"
#include "utils/syscache.h"
#include "catalog/pg_class.h"
#include "catalog/pg_proc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#define ROWID_JUNK_NAME "hubspot_fdw_rowid"

typedef struct HostModifyState
{
	PyObject   *instance;
	HostColumns *cols;
	AttrNumber	rowid_junk;		/* in the subplan's target list */
	Oid			rowid_type;
	AttrNumber	wholerow_junk;	/* DELETE ... RETURNING only */
} HostModifyState;

static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;

/* The attnum of the wrapper's rowid_column, with a clear error if unusable. */
static AttrNumber
rowid_attnum(HostInstance *entry, Relation rel)
{
	PyObject   *name = PyObject_GetAttrString(entry->instance, "rowid_column");
	char	   *colname;
	AttrNumber	attnum;

	if (name == NULL)
		host_report_python_error(ERROR, "rowid_column");
	if (name == Py_None)
	{
		Py_DECREF(name);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("this foreign table's wrapper does not support UPDATE or DELETE"),
				 errhint("The wrapper class must define rowid_column.")));
	}
	colname = host_py_to_cstring(name);
	Py_DECREF(name);
	attnum = get_attnum(RelationGetRelid(rel), colname);
	if (attnum == InvalidAttrNumber)
		ereport(ERROR,			/* Multicorn2's message; the names in the server log */
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("The rowid attribute does not exist"),
				 errdetail_log("rowid_column \"%s\" is not a column of foreign table \"%s\".",
							   colname, RelationGetRelationName(rel))));
	return attnum;
}

static void
hostAddForeignUpdateTargets(PlannerInfo *root, Index rtindex, RangeTblEntry *target_rte,
							Relation target_relation)
{
	HostInstance *entry = host_get_instance(RelationGetRelid(target_relation));
	AttrNumber	attnum = rowid_attnum(entry, target_relation);
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(target_relation), attnum - 1);

	add_row_identity_var(root, makeVar(rtindex, attnum, att->atttypid, att->atttypmod,
									   att->attcollation, 0),
						 rtindex, ROWID_JUNK_NAME);
	if (root->parse->commandType == CMD_DELETE && root->parse->returningList != NIL)
		add_row_identity_var(root, makeWholeRowVar(target_rte, rtindex, 0, false),
							 rtindex, "wholerow");
}

static HostModifyState *
modify_state(ResultRelInfo *rinfo)
{
	Relation	rel = rinfo->ri_RelationDesc;
	HostModifyState *state = palloc0(sizeof(HostModifyState));

	state->instance = host_get_instance(RelationGetRelid(rel))->instance;
	Py_INCREF(state->instance);
	state->cols = host_columns_build(RelationGetDescr(rel));
	rinfo->ri_FdwState = state;
	return state;
}

/* Rows an INSERT will send, when the plan says (a VALUES list), else -1. */
static int
planned_insert_rows(Plan *subplan)
{
	if (IsA(subplan, Result) && outerPlan(subplan) != NULL)
		subplan = outerPlan(subplan);
	if (IsA(subplan, ValuesScan))
		return list_length(((ValuesScan *) subplan)->values_lists);
	if (IsA(subplan, Result) && outerPlan(subplan) == NULL)
		return 1;
	return -1;
}

/*
 * Tell a wrapper that defines expect_rows(rows) how many rows this INSERT
 * will send (None when unknown, e.g. INSERT ... SELECT), before any row, so
 * it can refuse a statement before doing anything remote.  Not in Multicorn.
 */
static void
announce_insert_rows(HostModifyState *state, int rows)
{
	PyObject   *result;
	bool		missing;

	result = host_call_method_opt(state->instance, "expect_rows",
								  Py_BuildValue("(N)", rows >= 0 ? PyLong_FromLong(rows)
												: (Py_INCREF(Py_None), Py_None)),
								  NULL, &missing);
	Py_XDECREF(result);
}

/*
 * Tell a wrapper that defines modify_context(operation, returning,
 * on_conflict) what kind of statement starts.  Not in Multicorn.
 */
static void
announce_modify_context(HostModifyState *state, ModifyTableState *mtstate, ResultRelInfo *rinfo,
						CmdType operation)
{
	const char *name = operation == CMD_UPDATE ? "update" :
		operation == CMD_DELETE ? "delete" : "insert";
	ModifyTable *plan = mtstate ? (ModifyTable *) mtstate->ps.plan : NULL;
	bool		nothing = plan && IsA(plan, ModifyTable) && operation == CMD_INSERT &&
		plan->onConflictAction == ONCONFLICT_NOTHING;

	/* RETURNING projections are built after BeginForeignModify: ask the plan */
	bool		returning = plan && IsA(plan, ModifyTable) ? plan->returningLists != NIL
		: rinfo->ri_projectReturning != NULL;
	PyObject   *result;
	bool		missing;

	result = host_call_method_opt(state->instance, "modify_context",
								  Py_BuildValue("(sNN)", name,
												PyBool_FromLong(returning),
												nothing ? host_py_str("nothing") : (Py_INCREF(Py_None), Py_None)),
								  NULL, &missing);
	Py_XDECREF(result);
}

static void
hostBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
					   int subplan_index, int eflags)
{
	HostModifyState *state;
	Plan	   *subplan;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	state = modify_state(rinfo);
	announce_modify_context(state, mtstate, rinfo, mtstate->operation);
	subplan = outerPlanState(mtstate)->plan;
	if (mtstate->operation == CMD_INSERT)
	{
		announce_insert_rows(state, planned_insert_rows(subplan));
		return;
	}
	state->rowid_junk = ExecFindJunkAttributeInTlist(subplan->targetlist, ROWID_JUNK_NAME);
	if (!AttributeNumberIsValid(state->rowid_junk))
		elog(ERROR, "could not find the rowid junk column");
	state->rowid_type = exprType((Node *) ((TargetEntry *) list_nth(subplan->targetlist,
																	state->rowid_junk - 1))->expr);
	state->wholerow_junk = ExecFindJunkAttributeInTlist(subplan->targetlist, "wholerow");
}

static void
hostBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	HostModifyState *state = modify_state(rinfo);

	announce_modify_context(state, mtstate, rinfo, CMD_INSERT);
	announce_insert_rows(state, -1);	/* COPY, partition routing */
}

/* Let a returned row replace the slot's content; None keeps it. */
static TupleTableSlot *
returned_row(HostModifyState *state, PyObject *result, TupleTableSlot *slot)
{
	if (result != Py_None)
		host_store_py_row(result, state->cols, slot, NULL);
	Py_DECREF(result);
	return slot;
}

static PyObject *
rowid_value(HostModifyState *state, TupleTableSlot *planSlot)
{
	bool		isnull;
	Datum		rowid = ExecGetJunkAttribute(planSlot, state->rowid_junk, &isnull);

	return host_datum_to_py(rowid, isnull, state->rowid_type);
}

static TupleTableSlot *
hostExecForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					  TupleTableSlot *planSlot)
{
	HostModifyState *state = rinfo->ri_FdwState;
	PyObject   *result;

	result = host_call_method(state->instance, "insert",
							  Py_BuildValue("(N)", host_slot_to_dict(slot, state->cols)), NULL);
	if (result == Py_False)
	{
		/* ON CONFLICT DO NOTHING: the remote side already has this row */
		Py_DECREF(result);
		return NULL;
	}
	return returned_row(state, result, slot);
}

static TupleTableSlot *
hostExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					  TupleTableSlot *planSlot)
{
	HostModifyState *state = rinfo->ri_FdwState;
	PyObject   *result;

	result = host_call_method(state->instance, "update",
							  Py_BuildValue("(NN)", rowid_value(state, planSlot),
											host_slot_to_dict(slot, state->cols)),
							  NULL);
	return returned_row(state, result, slot);
}

static TupleTableSlot *
hostExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
					  TupleTableSlot *planSlot)
{
	HostModifyState *state = rinfo->ri_FdwState;
	PyObject   *result;

	result = host_call_method(state->instance, "delete",
							  Py_BuildValue("(N)", rowid_value(state, planSlot)), NULL);
	if (result != Py_None)
		return returned_row(state, result, slot);
	Py_DECREF(result);
	if (AttributeNumberIsValid(state->wholerow_junk))
	{
		bool		isnull;
		Datum		datum = ExecGetJunkAttribute(planSlot, state->wholerow_junk, &isnull);

		if (!isnull)
		{
			HeapTupleHeader header = DatumGetHeapTupleHeader(datum);
			HeapTupleData tuple;

			tuple.t_len = HeapTupleHeaderGetDatumLength(header);
			ItemPointerSetInvalid(&tuple.t_self);
			tuple.t_tableOid = RelationGetRelid(rinfo->ri_RelationDesc);
			tuple.t_data = header;
			/* a heap slot keeps the tuple pointer: give it its own copy */
			ExecForceStoreHeapTuple(heap_copytuple(&tuple), slot, true);
			return slot;
		}
	}
	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	ExecStoreVirtualTuple(slot);
	return slot;
}

/*
 * Rows per ExecForeignBatchInsert: the wrapper's modify_batch_size (1 when it
 * has none), but 1 whenever the rows must come back one by one.
 */
static int
hostGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	HostModifyState *state = rinfo->ri_FdwState;
	PyObject   *instance;
	PyObject   *size;
	long		batch;

	if (rinfo->ri_projectReturning != NULL || rinfo->ri_WithCheckOptions != NIL)
		return 1;
	instance = state ? state->instance
		: host_get_instance(RelationGetRelid(rinfo->ri_RelationDesc))->instance;
	if (!PyObject_HasAttrString(instance, "modify_batch_size"))
		return 1;
	size = PyObject_GetAttrString(instance, "modify_batch_size");
	if (size == NULL)
		host_report_python_error(ERROR, "modify_batch_size");
	batch = PyLong_Check(size) ? PyLong_AsLong(size) : -1;
	Py_DECREF(size);
	if (batch < 1 || batch > PG_INT32_MAX)
	{
		PyErr_Clear();
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("modify_batch_size must be a positive integer")));
	}
	return (int) batch;
}

/*
 * bulk_insert(list of row dicts).  A returned sequence of the same length
 * replaces the rows AFTER triggers see (None items keep their row).
 */
static TupleTableSlot **
hostExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots,
						   TupleTableSlot **planSlots, int *numSlots)
{
	HostModifyState *state = rinfo->ri_FdwState;
	PyObject   *rows = PyList_New(*numSlots);
	PyObject   *result;

	for (int i = 0; i < *numSlots; i++)
		PyList_SET_ITEM(rows, i, host_slot_to_dict(slots[i], state->cols));
	result = host_call_method(state->instance, "bulk_insert", Py_BuildValue("(N)", rows), NULL);
	if (result != Py_None && PySequence_Check(result) && !PyUnicode_Check(result) &&
		PySequence_Size(result) == *numSlots)
	{
		for (int i = 0; i < *numSlots; i++)
		{
			PyObject   *row = PySequence_GetItem(result, i);

			if (row == NULL)
				host_report_python_error(ERROR, "bulk_insert");
			if (row != Py_None)
				host_store_py_row(row, state->cols, slots[i], NULL);
			Py_DECREF(row);
		}
	}
	PyErr_Clear();
	Py_DECREF(result);
	return slots;
}

static void
end_modify(ResultRelInfo *rinfo)
{
	HostModifyState *state = rinfo->ri_FdwState;
	PyObject   *result;

	if (state == NULL)
		return;
	result = host_call_method(state->instance, "end_modify", NULL, NULL);
	Py_DECREF(result);
	Py_CLEAR(state->instance);
	rinfo->ri_FdwState = NULL;
}

static void
hostEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	end_modify(rinfo);
}

static void
hostEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	end_modify(rinfo);
}

static int
hostIsForeignRelUpdatable(Relation rel)
{
	return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

/* Is relid a foreign table served by this host's handler? */
static bool
is_host_foreign_table(Oid relid)
{
	ForeignTable *table;
	ForeignServer *server;
	ForeignDataWrapper *fdw;
	char	   *handler;

	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		return false;
	table = GetForeignTable(relid);
	server = GetForeignServer(table->serverid);
	fdw = GetForeignDataWrapper(server->fdwid);
	if (!OidIsValid(fdw->fdwhandler))
		return false;
	handler = get_func_name(fdw->fdwhandler);
	return handler != NULL && strcmp(handler, "hubspot_fdw_handler") == 0;
}

/* Refuse the ON CONFLICT forms a foreign table cannot honour, before planning. */
static void
host_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	if (prev_post_parse_analyze)
		prev_post_parse_analyze(pstate, query, jstate);
	if (query->commandType == CMD_INSERT && query->onConflict != NULL &&
		query->resultRelation > 0 &&
		(query->onConflict->action != ONCONFLICT_NOTHING ||
		 query->onConflict->arbiterElems != NIL ||
		 OidIsValid(query->onConflict->constraint)))
	{
		RangeTblEntry *rte = rt_fetch(query->resultRelation, query->rtable);

		if (is_host_foreign_table(rte->relid))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("ON CONFLICT with a conflict target or DO UPDATE is not supported on foreign table \"%s\"",
							get_rel_name(rte->relid)),
					 errdetail("Nothing was sent to HubSpot."),
					 errhint("Use ON CONFLICT DO NOTHING without a target: a duplicate HubSpot rejects then inserts nothing.")));
	}
}

void
host_modify_init(void)
{
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = host_post_parse_analyze;
}

void
host_modify_routines(FdwRoutine *routine)
{
	routine->AddForeignUpdateTargets = hostAddForeignUpdateTargets;
	routine->BeginForeignModify = hostBeginForeignModify;
	routine->ExecForeignInsert = hostExecForeignInsert;
	routine->GetForeignModifyBatchSize = hostGetForeignModifyBatchSize;
	routine->ExecForeignBatchInsert = hostExecForeignBatchInsert;
	routine->ExecForeignUpdate = hostExecForeignUpdate;
	routine->ExecForeignDelete = hostExecForeignDelete;
	routine->EndForeignModify = hostEndForeignModify;
	routine->BeginForeignInsert = hostBeginForeignInsert;
	routine->EndForeignInsert = hostEndForeignInsert;
	routine->IsForeignRelUpdatable = hostIsForeignRelUpdatable;
}
