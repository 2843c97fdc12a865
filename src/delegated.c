/*-------------------------------------------------------------------------
 *
 * delegated.c
 *		  Delegated scans: a wrapper answers execute() with a LocalScan (one
 *		  SELECT over local tables) and the host runs it in C.
 *
 * The query is planned and run through the executor directly; each row's
 * datums are copied by reference from the inner executor's slot into the
 * foreign scan's slot, so no Python runs per row and no tuple is copied.
 * Output columns are matched to the foreign table's columns by name and
 * must have the same types; only the columns the query needs are deformed
 * and copied.  A query selecting every column of a local table in its
 * physical order needs no projection at all, which is the fastest shape.
 *
 * Planning and executor start-up run as the foreign table's owner, with
 * search_path fixed to pg_catalog, pg_temp (access.c), so a user who may
 * read the foreign table needs no privilege on the local tables behind it
 * (like a view) and cannot slip functions into the query.  Parameters arrive as text and take the
 * types PostgreSQL infers for them.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "catalog/pg_type.h"
#include "access/tableam.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

static ScanState *plain_seqscan(PlanState *planstate);

struct DelegatedScan
{
	QueryDesc  *query;
	char	   *sql;
	int			ncolumns;		/* result columns */
	int		   *target;			/* per result column: foreign attnum - 1 */
	int			natts;			/* foreign table's natts */
	int			ncopy;			/* result columns the query needs */
	int		   *copy_from;		/* their result column indexes ... */
	int		   *copy_to;		/* ... and foreign attnum - 1 */
	int			deform_upto;	/* deform the inner row up to this many columns */
	bool		passthrough;	/* same columns in the same order: hand out the inner slot */
	bool		explain_only;	/* started for EXPLAIN: never run, never finished */
	ScanState  *plain_seqscan;	/* a bare sequential scan we may drive directly */
};

static ParamListInfo
bind_params(PyObject *params, Oid *types, int ntypes)
{
	Py_ssize_t	nvalues = params ? PySequence_Size(params) : 0;
	ParamListInfo bound;

	if (nvalues < 0)
		host_report_python_error(ERROR, "reading LocalScan.params");
	if (nvalues < ntypes)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_PARAMETER),
				 errmsg("local scan uses %d parameters but %zd were given", ntypes, nvalues)));
	bound = makeParamList(ntypes);
	for (int i = 0; i < ntypes; i++)
	{
		PyObject   *value = PySequence_GetItem(params, i);
		ParamExternData *param = &bound->params[i];
		Oid			type = types[i] == UNKNOWNOID ? TEXTOID : types[i];

		param->ptype = type;
		param->pflags = PARAM_FLAG_CONST;
		param->isnull = (value == NULL || value == Py_None);
		param->value = (Datum) 0;
		if (!param->isnull)
		{
			Oid			infunc;
			Oid			ioparam;

			getTypeInputInfo(type, &infunc, &ioparam);
			param->value = OidInputFunctionCall(infunc, host_py_to_cstring(value), ioparam, -1);
		}
		Py_XDECREF(value);
	}
	return bound;
}

/* Parse and plan the query; the caller runs this as the owner. */
static void
plan_query(DelegatedPlan *plan, const char *sql)
{
	MemoryContext old = MemoryContextSwitchTo(plan->cxt);
	List	   *raw = pg_parse_query(sql);
	Oid		   *types = NULL;
	int			ntypes = 0;
	List	   *queries;
	Query	   *query;

	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("a local scan must be exactly one SELECT statement")));
	queries = pg_analyze_and_rewrite_varparams(linitial(raw), sql, &types, &ntypes, NULL);
	query = linitial_node(Query, queries);
	if (list_length(queries) != 1 || query->commandType != CMD_SELECT ||
		query->utilityStmt != NULL || query->hasModifyingCTE || query->rowMarks != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("a local scan must be exactly one read-only SELECT statement")));
	plan->planned = pg_plan_query(query, sql, 0, NULL);
	plan->types = types;
	plan->ntypes = ntypes;
	plan->sql = pstrdup(sql);
	MemoryContextSwitchTo(old);
}

/*
 * Start the query, planning it unless the previous scan of this node ran
 * the same SQL (a rescan, e.g. the inner side of a nested loop, usually
 * only changes parameters; plans are read-only for the executor).
 */
static QueryDesc *
start_query(DelegatedPlan *plan, const char *sql, PyObject *params)
{
	QueryDesc  *desc;

	if (plan->sql == NULL || strcmp(plan->sql, sql) != 0)
		plan_query(plan, sql);
	desc = CreateQueryDesc(plan->planned, plan->sql, GetActiveSnapshot(), InvalidSnapshot,
						   None_Receiver, bind_params(params, plan->types, plan->ntypes), NULL, 0);
	ExecutorStart(desc, 0);
	return desc;
}

static void
map_columns(DelegatedScan *scan, Relation foreignrel)
{
	TupleDesc	result = scan->query->tupDesc;
	TupleDesc	target = RelationGetDescr(foreignrel);

	scan->ncolumns = result->natts;
	scan->natts = target->natts;
	scan->target = palloc(sizeof(int) * Max(result->natts, 1));
	for (int i = 0; i < result->natts; i++)
	{
		Form_pg_attribute out = TupleDescAttr(result, i);
		int			match = -1;

		for (int j = 0; j < target->natts; j++)
		{
			Form_pg_attribute att = TupleDescAttr(target, j);

			if (!att->attisdropped && strcmp(NameStr(att->attname), NameStr(out->attname)) == 0)
			{
				match = j;
				break;
			}
		}
		if (match < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("local scan column \"%s\" is not a column of foreign table \"%s\"",
							NameStr(out->attname), RelationGetRelationName(foreignrel))));
		if (TupleDescAttr(target, match)->atttypid != out->atttypid)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("local scan column \"%s\" has type %s but the foreign table column has type %s",
							NameStr(out->attname), format_type_be(out->atttypid),
							format_type_be(TupleDescAttr(target, match)->atttypid)),
					 errhint("Cast the column in the local scan's SELECT list.")));
		scan->target[i] = match;
	}
}

/* Copy only what the query needs: an unused column is never deformed. */
static void
plan_copies(DelegatedScan *scan, bool *wanted)
{
	scan->copy_from = palloc(sizeof(int) * Max(scan->ncolumns, 1));
	scan->copy_to = palloc(sizeof(int) * Max(scan->ncolumns, 1));
	for (int i = 0; i < scan->ncolumns; i++)
	{
		if (wanted != NULL && !wanted[scan->target[i]])
			continue;
		scan->copy_from[scan->ncopy] = i;
		scan->copy_to[scan->ncopy] = scan->target[i];
		scan->ncopy++;
		scan->deform_upto = i + 1;
	}
}

/*
 * When the local query returns exactly the foreign table's columns in
 * order (the shape LocalScan recommends), its own slot can be handed to
 * PostgreSQL as the scan tuple: no copy at all, and the parent deforms the
 * heap tuple just as it would for a native scan.  ForeignScan nodes accept
 * a slot of any type ("scanopsfixed" is false for them).
 */
static void
plan_passthrough(DelegatedScan *scan, Relation foreignrel)
{
	TupleDesc	target = RelationGetDescr(foreignrel);

	scan->passthrough = (scan->ncolumns == target->natts);
	for (int i = 0; scan->passthrough && i < scan->ncolumns; i++)
		scan->passthrough = (scan->target[i] == i);
}

/* How the started query's rows become the foreign scan's. */
static void
plan_rows(DelegatedScan *scan, Relation foreignrel, bool *wanted)
{
	map_columns(scan, foreignrel);
	plan_copies(scan, wanted);
	plan_passthrough(scan, foreignrel);
	scan->plain_seqscan = plain_seqscan(scan->query->planstate);
}

DelegatedScan *
delegated_scan_begin(PyObject *spec, Relation foreignrel, bool *wanted, DelegatedPlan *plan)
{
	DelegatedScan *scan = palloc0(sizeof(DelegatedScan));
	PyObject   *sql = PyObject_GetAttrString(spec, "sql");
	PyObject   *params = PyObject_GetAttrString(spec, "params");
	Oid			save_userid;
	int			save_sec_context;

	if (sql == NULL || params == NULL)
	{
		Py_XDECREF(sql);
		host_report_python_error(ERROR, "reading the LocalScan");
	}
	scan->sql = host_py_to_cstring(sql);
	Py_DECREF(sql);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	PG_TRY();
	{
		HostRoleSave role;

		host_as_owner_begin(foreignrel->rd_rel->relowner, &role);
		scan->query = start_query(plan, scan->sql, params);
		host_as_owner_end(&role);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
		Py_DECREF(params);
	}
	PG_END_TRY();
	plan_rows(scan, foreignrel, wanted);
	return scan;
}

/*
 * Start a query planned by the caller (cache_fallback.c): its output
 * columns are named after the foreign table's columns.  The caller has
 * checked privileges (the plan asks for none); the relations the plan reads
 * are locked here, as the plan cache does for a plan it hands out.
 */
DelegatedScan *
delegated_scan_begin_planned(PlannedStmt *planned, ParamListInfo params, Relation foreignrel,
							 int eflags)
{
	DelegatedScan *scan = palloc0(sizeof(DelegatedScan));
	ListCell   *lc;

	foreach(lc, planned->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION)
			LockRelationOid(rte->relid, rte->rellockmode);
	}
	scan->explain_only = (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;
	scan->query = CreateQueryDesc(planned, "hubspot_fdw cache read", GetActiveSnapshot(),
								  InvalidSnapshot, None_Receiver, params, NULL, 0);
	ExecutorStart(scan->query, eflags & EXEC_FLAG_EXPLAIN_ONLY);
	plan_rows(scan, foreignrel, NULL);
	return scan;
}

/* The running query, for EXPLAIN. */
QueryDesc *
delegated_scan_query(DelegatedScan *scan)
{
	return scan->query;
}

/* Run the same query again from the start (its parameters cannot have changed). */
void
delegated_scan_rescan(DelegatedScan *scan)
{
	ExecReScan(scan->query->planstate);
}

/*
 * A sequential scan without a filter or a projection only calls the table
 * AM; for it we skip the two executor layers above table_scan_getnextslot
 * (this is what SeqNext does once its scan has begun).
 */
static ScanState *
plain_seqscan(PlanState *planstate)
{
	if (IsA(planstate, SeqScanState) && planstate->qual == NULL &&
		planstate->ps_ProjInfo == NULL)
		return (ScanState *) planstate;
	return NULL;
}

static TupleTableSlot *
next_inner_row(DelegatedScan *scan)
{
	ScanState  *seqscan = scan->plain_seqscan;
	MemoryContext old;
	TupleTableSlot *inner;

	if (seqscan != NULL && seqscan->ss_currentScanDesc != NULL)
	{
		if (table_scan_getnextslot(seqscan->ss_currentScanDesc, ForwardScanDirection,
								   seqscan->ss_ScanTupleSlot))
			return seqscan->ss_ScanTupleSlot;
		return NULL;
	}
	old = MemoryContextSwitchTo(scan->query->estate->es_query_cxt);
	inner = ExecProcNode(scan->query->planstate);
	MemoryContextSwitchTo(old);
	return TupIsNull(inner) ? NULL : inner;
}

/*
 * The next row as a slot to return from IterateForeignScan: the inner
 * query's own slot when it can pass through, else "slot" filled with the
 * needed columns.  NULL at the end.
 */
TupleTableSlot *
delegated_scan_next(DelegatedScan *scan, TupleTableSlot *slot)
{
	TupleTableSlot *inner = next_inner_row(scan);

	if (inner == NULL)
		return NULL;
	if (scan->passthrough)
		return inner;
	ExecClearTuple(slot);
	slot_getsomeattrs(inner, scan->deform_upto);
	memset(slot->tts_isnull, true, sizeof(bool) * scan->natts);
	for (int i = 0; i < scan->ncopy; i++)
	{
		slot->tts_values[scan->copy_to[i]] = inner->tts_values[scan->copy_from[i]];
		slot->tts_isnull[scan->copy_to[i]] = inner->tts_isnull[scan->copy_from[i]];
	}
	ExecStoreVirtualTuple(slot);
	return slot;
}

void
delegated_scan_end(DelegatedScan *scan)
{
	if (scan->query == NULL)
		return;
	if (!scan->explain_only)
		ExecutorFinish(scan->query);
	ExecutorEnd(scan->query);
	FreeQueryDesc(scan->query);
	scan->query = NULL;
}
