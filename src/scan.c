/*-------------------------------------------------------------------------
 *
 * scan.c
 *		  Planning and executing scans: get_rel_size, get_path_keys,
 *		  can_sort, can_limit, execute, explain, end_scan.
 *
 * execute() is called lazily at the first row and again after a rescan,
 * with every qual evaluated (Params and outer values included).  It may
 * return any iterable of mappings or sequences, or a LocalScan, which the
 * host then streams itself (delegated.c).  Rows are converted only for the
 * columns the query needs.  A LIMIT is offered to can_limit only when this
 * table is the whole query, there is no WHERE clause and any ORDER BY was
 * accepted; PostgreSQL keeps its own Limit node, so the wrapper is asked
 * for limit+offset rows with offset 0, which is correct whatever it does.
 *
 * Before each execute() the host sets the instance attribute row_lock:
 * "modify" when the scan feeds an UPDATE or DELETE of this table, "update"
 * or "share" for SELECT ... FOR UPDATE / FOR SHARE (and their NO KEY / KEY
 * variants), else None; row_lock_wait is "wait", "nowait" or "skip".  Not
 * in Multicorn: a wrapper that locks must fall back without them.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "access/table.h"
#include "catalog/pg_collation.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/prep.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* Planner state kept in baserel->fdw_private. */
typedef struct HostPlanState
{
	PyObject   *instance;
	double		startup_cost;
	int			width;			/* get_rel_size's width, shown by EXPLAIN */
	CacheFallback *fallback;	/* a cache read planned apart: no Python at all */
} HostPlanState;

/* Indexes into ForeignScan.fdw_private. */
enum
{
	PRIV_QUALS,
	PRIV_ATTNUMS,
	PRIV_SORTKEYS,
	PRIV_LIMIT,
	PRIV_ROW_LOCK				/* list (lock name, wait policy name) or NIL */
};

typedef struct HostScanState
{
	DelegatedScan *fallback;	/* a cache read planned apart (cache_fallback.c) */
	PyObject   *instance;
	Oid			owner;			/* the table's owner: the acting owner while rows come */
	HostColumns *cols;
	bool	   *wanted;			/* by attnum-1: convert this column */
	bool		any_wanted;		/* false for count(*) and the like */
	PyObject   *columns;		/* the Python set passed to execute */
	List	   *quals;
	List	   *exprs;
	List	   *exprstates;
	PyObject   *sortkeys;		/* Python list, or NULL */
	int			limit;			/* rows asked for, or -1 */
	List	   *row_lock;		/* PRIV_ROW_LOCK */
	PyObject   *iterator;
	PyObject   *row;			/* last row, released on the next */
	DelegatedScan *delegated;
	DelegatedPlan delegated_plan;	/* reused by rescans running the same SQL */
	char	   *delegated_sql;	/* for EXPLAIN ANALYZE */
	MemoryContext delegated_cxt;	/* one delegated execution; reset on rescan */
	bool		started;
	bool		finished;
} HostScanState;

/* ---------- helpers ---------- */

static PyObject *
columns_set(TupleDesc tupdesc, Bitmapset *attrs)
{
	PyObject   *set = PySet_New(NULL);
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);

	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (att->attisdropped)
			continue;
		if (whole_row || bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber, attrs))
		{
			PyObject   *name = host_py_str(NameStr(att->attname));

			PySet_Add(set, name);
			Py_DECREF(name);
		}
	}
	return set;
}

static Bitmapset *
attrs_used(RelOptInfo *baserel, List *clauses)
{
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs);
	foreach(lc, clauses)
	{
		Node	   *clause = lfirst(lc);

		if (IsA(clause, RestrictInfo))
			clause = (Node *) ((RestrictInfo *) clause)->clause;
		pull_varattnos(clause, baserel->relid, &attrs);
	}
	return attrs;
}

/* Attribute numbers as an IntList (0 means the whole row). */
static List *
attrs_to_list(Bitmapset *attrs)
{
	List	   *result = NIL;
	int			x = -1;

	while ((x = bms_next_member(attrs, x)) >= 0)
		result = lappend_int(result, x + FirstLowInvalidHeapAttributeNumber);
	return result;
}

static PyObject *
sortkeys_to_py(List *sortkeys, TupleDesc tupdesc)
{
	PyObject   *list = PyList_New(0);
	PyObject   *sortkey_class = host_api_object("SortKey");
	ListCell   *lc;

	foreach(lc, sortkeys)
	{
		List	   *key = lfirst(lc);
		AttrNumber	attnum = intVal(linitial(key));
		char	   *collate = strVal(lfourth(key));
		PyObject   *obj;

		obj = host_call_method(sortkey_class, "__call__",
							   Py_BuildValue("(NiNNN)",
											 host_py_str(NameStr(TupleDescAttr(tupdesc, attnum - 1)->attname)),
											 (int) attnum,
											 PyBool_FromLong(intVal(lsecond(key))),
											 PyBool_FromLong(intVal(lthird(key))),
											 collate[0] ? host_py_str(collate) : (Py_INCREF(Py_None), Py_None)),
							   NULL);
		PyList_Append(list, obj);
		Py_DECREF(obj);
	}
	return list;
}

/* ---------- planning ---------- */

static void
hostGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	HostPlanState *plan = palloc0(sizeof(HostPlanState));
	Relation	rel;
	TupleDesc	tupdesc;
	List	   *exprs = NIL;
	List	   *quals;
	PyObject   *result;
	PyObject   *cost;

	baserel->fdw_private = plan;
	host_forbid_parallel_plan(root);
	plan->fallback = host_fallback_plan_rel(root, baserel, foreigntableid);
	if (plan->fallback != NULL)
		return;
	rel = table_open(foreigntableid, NoLock);
	tupdesc = RelationGetDescr(rel);
	plan->instance = host_get_instance(foreigntableid)->instance;
	quals = host_extract_quals(root, baserel, baserel->baserestrictinfo, &exprs);
	result = host_call_method(plan->instance, "get_rel_size",
							  Py_BuildValue("(NN)",
											host_quals_to_py(quals, exprs, NIL, NULL, tupdesc,
															 QUALS_CONST_ONLY),
											columns_set(tupdesc, attrs_used(baserel, baserel->baserestrictinfo))),
							  NULL);
	if (!PyTuple_Check(result) || PyTuple_Size(result) != 2)
	{
		Py_DECREF(result);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("get_rel_size() must return a tuple (rows, width)")));
	}
	baserel->rows = Max(PyFloat_AsDouble(PyTuple_GET_ITEM(result, 0)), 1);
	baserel->reltarget->width = Max((int) PyLong_AsLong(PyTuple_GET_ITEM(result, 1)), 1);
	Py_DECREF(result);
	if (PyErr_Occurred())
		host_report_python_error(ERROR, "get_rel_size");

	plan->width = baserel->reltarget->width;
	cost = PyObject_GetAttrString(plan->instance, "_startup_cost");
	plan->startup_cost = cost ? PyFloat_AsDouble(cost) : 20;
	Py_XDECREF(cost);
	PyErr_Clear();
	baserel->fdw_private = plan;
	table_close(rel, NoLock);
}

/*
 * Multicorn2's cost model: the wrapper's _startup_cost, then rows * width in
 * total (never below the startup cost), so plans come out as under upstream.
 */
static double
total_cost(HostPlanState *plan, RelOptInfo *baserel, double rows)
{
	return Max(plan->startup_cost, rows * plan->width);
}

/* The attnum of our Var behind this pathkey, or 0. */
static List *
pathkey_sortkey(PathKey *pathkey, RelOptInfo *baserel)
{
	EquivalenceClass *ec = pathkey->pk_eclass;
	ListCell   *lc;

	foreach(lc, ec->ec_members)
	{
		EquivalenceMember *em = lfirst(lc);
		Var		   *var = host_rel_var((Node *) em->em_expr, baserel->relid);

		if (var != NULL && bms_equal(em->em_relids, baserel->relids))
		{
			Oid			collation = ec->ec_collation;
			char	   *collname = (OidIsValid(collation) && collation != DEFAULT_COLLATION_OID)
				? get_collation_name(collation) : "";

			return list_make4(makeInteger(var->varattno),
							  makeInteger(compat_pathkey_descending(pathkey)),
							  makeInteger(pathkey->pk_nulls_first),
							  makeString(pstrdup(collname ? collname : "")));
		}
	}
	return NIL;
}

/* How many leading query pathkeys the wrapper sorts by; their sortkeys in *accepted. */
static int
accepted_sort_prefix(PlannerInfo *root, RelOptInfo *baserel, HostPlanState *plan,
					 TupleDesc tupdesc, List **accepted)
{
	List	   *wanted = NIL;
	ListCell   *lc;
	PyObject   *result;
	PyObject   *iterator;
	PyObject   *item;
	Bitmapset  *accepted_attnums = NULL;
	int			prefix = 0;

	*accepted = NIL;
	foreach(lc, root->query_pathkeys)
	{
		List	   *key = pathkey_sortkey(lfirst(lc), baserel);

		if (key == NIL)
			return 0;			/* Multicorn asks only when every key is ours */
		wanted = lappend(wanted, key);
	}
	if (wanted == NIL)
		return 0;
	result = host_call_method(plan->instance, "can_sort",
							  Py_BuildValue("(N)", sortkeys_to_py(wanted, tupdesc)), NULL);
	iterator = result == Py_None ? NULL : PyObject_GetIter(result);
	while (iterator && (item = PyIter_Next(iterator)) != NULL)
	{
		PyObject   *attnum = PyObject_GetAttrString(item, "attnum");

		if (attnum != NULL)
			accepted_attnums = bms_add_member(accepted_attnums, (int) PyLong_AsLong(attnum));
		Py_XDECREF(attnum);
		Py_DECREF(item);
	}
	Py_XDECREF(iterator);
	Py_DECREF(result);
	if (PyErr_Occurred())
		host_report_python_error(ERROR, "can_sort");
	foreach(lc, wanted)
	{
		List	   *key = lfirst(lc);

		if (!bms_is_member(intVal(linitial(key)), accepted_attnums))
			break;
		*accepted = lappend(*accepted, key);
		prefix++;
	}
	return prefix;
}

/* LIMIT+OFFSET rows the wrapper may stop after, or -1 (see file header). */
static int
pushable_limit(PlannerInfo *root, RelOptInfo *baserel, HostPlanState *plan, bool sorted_fully)
{
	Query	   *parse = root->parse;
	int64		limit;
	int64		offset = 0;
	PyObject   *result;
	bool		ok;

	if (parse->commandType != CMD_SELECT || parse->limitCount == NULL ||
		!IsA(parse->limitCount, Const) || ((Const *) parse->limitCount)->constisnull ||
		parse->limitOption == LIMIT_OPTION_WITH_TIES ||
		(parse->limitOffset != NULL && !IsA(parse->limitOffset, Const)) ||
		baserel->baserestrictinfo != NIL || !sorted_fully ||
		bms_membership(root->all_baserels) != BMS_SINGLETON ||
		parse->groupClause || parse->groupingSets || parse->distinctClause ||
		parse->hasAggs || parse->hasWindowFuncs || parse->hasTargetSRFs ||
		parse->havingQual || parse->setOperations || parse->rowMarks)
		return -1;
	limit = DatumGetInt64(((Const *) parse->limitCount)->constvalue);
	if (parse->limitOffset != NULL && !((Const *) parse->limitOffset)->constisnull)
		offset = DatumGetInt64(((Const *) parse->limitOffset)->constvalue);
	if (limit < 0 || offset < 0 || limit + offset > PG_INT32_MAX)
		return -1;
	result = host_call_method(plan->instance, "can_limit",
							  Py_BuildValue("(Li)", (long long) (limit + offset), 0), NULL);
	ok = PyObject_IsTrue(result) == 1;
	Py_DECREF(result);
	return ok ? (int) (limit + offset) : -1;
}

static bool
ec_member_is_attnum(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
					EquivalenceMember *em, void *arg)
{
	Var		   *var = host_rel_var((Node *) em->em_expr, rel->relid);

	return var != NULL && var->varattno == *(AttrNumber *) arg;
}

/* Join clauses "our column = something outside" usable to parameterize a path. */
static List *
join_clauses_for(PlannerInfo *root, RelOptInfo *baserel, AttrNumber attnum)
{
	List	   *result;
	ListCell   *lc;

	result = generate_implied_equalities_for_column(root, baserel, ec_member_is_attnum,
													&attnum, baserel->lateral_referencers);
	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *rinfo = lfirst(lc);
		OpExpr	   *op = (OpExpr *) rinfo->clause;
		Var		   *left,
				   *right;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2 || !op_mergejoinable(op->opno, exprType(linitial(op->args))))
			continue;
		/* an outer join's clause may not be pushed below it */
		if (!join_clause_is_movable_to(rinfo, baserel))
			continue;
		left = host_rel_var(linitial(op->args), baserel->relid);
		right = host_rel_var(lsecond(op->args), baserel->relid);
		if ((left != NULL && left->varattno == attnum) ||
			(right != NULL && right->varattno == attnum))
			result = lappend(result, rinfo);
	}
	return result;
}

static void
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel, HostPlanState *plan,
						Oid relid)
{
	PyObject   *keys = host_call_method(plan->instance, "get_path_keys", NULL, NULL);
	PyObject   *iterator = keys == Py_None ? NULL : PyObject_GetIter(keys);
	PyObject   *item;

	while (iterator && (item = PyIter_Next(iterator)) != NULL)
	{
		PyObject   *columns = NULL;
		double		rows = 1;
		Relids		required_outer = NULL;
		bool		usable = true;

		if (!PyArg_ParseTuple(item, "Od", &columns, &rows))
		{
			Py_DECREF(item);
			break;
		}
		for (Py_ssize_t i = 0; usable && i < PySequence_Size(columns); i++)
		{
			PyObject   *name = PySequence_GetItem(columns, i);
			AttrNumber	attnum = name ? get_attnum(relid, host_py_to_cstring(name)) : InvalidAttrNumber;
			List	   *clauses;
			RestrictInfo *rinfo;

			Py_XDECREF(name);
			clauses = attnum != InvalidAttrNumber ? join_clauses_for(root, baserel, attnum) : NIL;
			if (clauses == NIL)
			{
				usable = false;
				break;
			}
			rinfo = linitial(clauses);

			/*
			 * Only base relations can be required outer rels: since PostgreSQL
			 * 16 clause_relids also hold the outer joins that null a Var.
			 */
			required_outer = bms_union(required_outer,
									   bms_intersect(bms_difference(rinfo->clause_relids, baserel->relids),
													 root->all_baserels));
		}
		Py_DECREF(item);
		if (!usable || bms_is_empty(required_outer) || bms_overlap(required_outer, baserel->relids))
			continue;
		add_path(baserel, (Path *)
				 compat_create_foreignscan_path(root, baserel, NULL, Max(rows, 1), plan->startup_cost,
										 total_cost(plan, baserel, Max(rows, 1)), NIL,
										 required_outer, NULL, list_make2(NIL, makeInteger(-1))));
	}
	Py_XDECREF(iterator);
	Py_XDECREF(keys);
	if (PyErr_Occurred())
		host_report_python_error(ERROR, "get_path_keys");
}

static void
hostGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	HostPlanState *plan = baserel->fdw_private;
	Relation	rel;
	List	   *accepted = NIL;
	int			prefix;
	int			nkeys = list_length(root->query_pathkeys);
	Cost		total = total_cost(plan, baserel, baserel->rows);

	if (plan->fallback != NULL)
	{
		host_fallback_add_paths(root, baserel, plan->fallback);
		return;
	}
	rel = table_open(foreigntableid, NoLock);
	prefix = nkeys > 0 ? accepted_sort_prefix(root, baserel, plan, RelationGetDescr(rel), &accepted) : 0;
	if (prefix > 0)
		add_path(baserel, (Path *)
				 compat_create_foreignscan_path(root, baserel, NULL, baserel->rows, plan->startup_cost,
										 total, list_copy_head(root->query_pathkeys, prefix),
										 NULL, NULL,
										 list_make2(accepted,
													makeInteger(pushable_limit(root, baserel, plan,
																			   prefix == nkeys)))));
	add_path(baserel, (Path *)
			 compat_create_foreignscan_path(root, baserel, NULL, baserel->rows, plan->startup_cost,
									 total, NIL, NULL, NULL,
									 list_make2(NIL, makeInteger(pushable_limit(root, baserel, plan,
																				nkeys == 0)))));
	add_parameterized_paths(root, baserel, plan, foreigntableid);
	table_close(rel, NoLock);
}

/* How the scan must lock what it returns (see the file header), or NIL. */
static List *
scan_row_lock(PlannerInfo *root, RelOptInfo *baserel)
{
	PlanRowMark *mark;
	const char *lock = NULL;
	const char *wait = "wait";

	if ((root->parse->commandType == CMD_UPDATE || root->parse->commandType == CMD_DELETE) &&
		(baserel->relid == root->parse->resultRelation ||
		 bms_is_member(baserel->relid, root->all_result_relids)))
		lock = "modify";
	else if ((mark = get_plan_rowmark(root->rowMarks, baserel->relid)) != NULL &&
			 mark->strength != LCS_NONE)
	{
		lock = mark->strength >= LCS_FORNOKEYUPDATE ? "update" : "share";
		if (mark->waitPolicy == LockWaitError)
			wait = "nowait";
		else if (mark->waitPolicy == LockWaitSkip)
			wait = "skip";
	}
	if (lock == NULL)
		return NIL;
	return list_make2(makeString(pstrdup(lock)), makeString(pstrdup(wait)));
}

static ForeignScan *
hostGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				   ForeignPath *best_path, List *tlist, List *scan_clauses, Plan *outer_plan)
{
	HostPlanState *plan = baserel->fdw_private;
	List	   *exprs = NIL;
	List	   *quals;
	List	   *path_private = best_path->fdw_private;
	List	   *private;

	if (plan->fallback != NULL)
		return host_fallback_make_plan(baserel, plan->fallback, tlist, scan_clauses, outer_plan);
	/* the width get_rel_size gave, not the one of the projected columns */
	best_path->path.pathtarget->width = plan->width;
	quals = host_extract_quals(root, baserel, scan_clauses, &exprs);
	private = list_make5(quals,
						 attrs_to_list(attrs_used(baserel, scan_clauses)),
						 linitial(path_private),
						 lsecond(path_private),
						 scan_row_lock(root, baserel));
	/* PostgreSQL rechecks every clause: quals are advisory */
	return make_foreignscan(tlist, extract_actual_clauses(scan_clauses, false),
							baserel->relid, exprs, private, NIL, NIL, outer_plan);
}

/* ---------- execution ---------- */

static void
release_scan_objects(void *arg)
{
	HostScanState *state = arg;

	/* a delegated executor left open by an error is cleaned up by its resource owner */
	state->delegated = NULL;
	Py_CLEAR(state->iterator);
	Py_CLEAR(state->row);
	Py_CLEAR(state->columns);
	Py_CLEAR(state->sortkeys);
	Py_CLEAR(state->instance);
}

static void
hostBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	Relation	rel = node->ss.ss_currentRelation;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	HostScanState *state = palloc0(sizeof(HostScanState));
	HostInstance *instance;
	List	   *attnums;
	List	   *sortkeys;
	MemoryContextCallback *callback;
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	node->fdw_state = state;
	if (host_fallback_is_scan(plan))
	{
		state->fallback = host_fallback_begin(node, eflags);
		return;
	}
	attnums = list_nth(plan->fdw_private, PRIV_ATTNUMS);
	sortkeys = list_nth(plan->fdw_private, PRIV_SORTKEYS);
	state->delegated_plan.cxt = CurrentMemoryContext;
	state->delegated_cxt = AllocSetContextCreate(CurrentMemoryContext, "hubspot_fdw delegated scan",
												 ALLOCSET_SMALL_SIZES);
	instance = host_get_instance(RelationGetRelid(rel));
	state->instance = instance->instance;
	state->owner = instance->owner;
	Py_INCREF(state->instance);
	callback = palloc0(sizeof(MemoryContextCallback));
	callback->func = release_scan_objects;
	callback->arg = state;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);

	state->cols = host_columns_build(tupdesc);
	state->wanted = palloc0(sizeof(bool) * Max(tupdesc->natts, 1));
	foreach(lc, attnums)
	{
		int			attnum = lfirst_int(lc);

		attrs = bms_add_member(attrs, attnum - FirstLowInvalidHeapAttributeNumber);
		for (int i = 0; i < tupdesc->natts; i++)
			if (attnum == 0 || attnum == i + 1)
				state->wanted[i] = state->any_wanted = true;
	}
	state->columns = columns_set(tupdesc, attrs);
	state->quals = list_nth(plan->fdw_private, PRIV_QUALS);
	state->exprs = plan->fdw_exprs;
	state->exprstates = ExecInitExprList(plan->fdw_exprs, (PlanState *) node);
	state->sortkeys = sortkeys != NIL ? sortkeys_to_py(sortkeys, tupdesc) : NULL;
	state->limit = intVal(list_nth(plan->fdw_private, PRIV_LIMIT));
	state->row_lock = list_nth(plan->fdw_private, PRIV_ROW_LOCK);
}

static PyObject *
scan_kwargs(HostScanState *state)
{
	if (state->sortkeys)
		Py_INCREF(state->sortkeys);
	return host_kwargs("sortkeys", state->sortkeys,
					   "limit", state->limit >= 0 ? PyLong_FromLong(state->limit) : NULL,
					   "offset", state->limit >= 0 ? PyLong_FromLong(0) : NULL,
					   NULL);
}

/* hubspot_fdw.host.capabilities.LocalScan, looked up once per backend. */
static PyObject *
local_scan_type(void)
{
	static PyObject *local_scan_class = NULL;

	if (local_scan_class == NULL)
	{
		PyObject   *capabilities = PyImport_ImportModule("hubspot_fdw.host.capabilities");

		if (capabilities != NULL)
			local_scan_class = PyObject_GetAttrString(capabilities, "LocalScan");
		Py_XDECREF(capabilities);
		if (local_scan_class == NULL)
			host_report_python_error(ERROR, "loading LocalScan");
	}
	return local_scan_class;
}

/* Set row_lock / row_lock_wait on the instance (a wrapper without them is fine). */
static void
announce_row_lock(HostScanState *state)
{
	PyObject   *lock = Py_None;
	PyObject   *wait = Py_None;

	if (state->row_lock != NIL)
	{
		lock = host_py_str(strVal(linitial(state->row_lock)));
		wait = host_py_str(strVal(lsecond(state->row_lock)));
	}
	else
	{
		Py_INCREF(lock);
		Py_INCREF(wait);
	}
	if (PyObject_SetAttrString(state->instance, "row_lock", lock) < 0 ||
		PyObject_SetAttrString(state->instance, "row_lock_wait", wait) < 0)
		PyErr_Clear();
	Py_DECREF(lock);
	Py_DECREF(wait);
}

static void
start_scan(ForeignScanState *node, HostScanState *state)
{
	Relation	rel = node->ss.ss_currentRelation;
	PyObject   *quals;
	PyObject   *result;
	PyObject   *local_scan_class = NULL;

	quals = host_quals_to_py(state->quals, state->exprs, state->exprstates,
							 node->ss.ps.ps_ExprContext, RelationGetDescr(rel), QUALS_EVALUATE);
	announce_row_lock(state);
	Py_INCREF(state->columns);
	result = host_call_method(state->instance, "execute",
							  Py_BuildValue("(NN)", quals, state->columns), scan_kwargs(state));
	state->started = true;

	/* Upstream over-releases None here; for us it is simply no rows. */
	if (result == Py_None)
	{
		Py_DECREF(result);
		state->finished = true;
		return;
	}
	local_scan_class = local_scan_type();
	if (PyObject_IsInstance(result, local_scan_class) == 1)
	{
		MemoryContext old = MemoryContextSwitchTo(state->delegated_cxt);

		state->delegated = delegated_scan_begin(result, rel, state->wanted,
												&state->delegated_plan);
		state->delegated_sql = state->delegated_plan.sql;
		MemoryContextSwitchTo(old);
		Py_DECREF(result);
		return;
	}
	state->iterator = PyObject_GetIter(result);
	Py_DECREF(result);
	if (state->iterator == NULL)
		host_report_python_error(ERROR, "execute() must return an iterable of rows");
}

static TupleTableSlot *
hostIterateForeignScan(ForeignScanState *node)
{
	HostScanState *state = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	PyObject   *item;
	Oid			previous;

	CHECK_FOR_INTERRUPTS();
	if (state->fallback)
	{
		TupleTableSlot *row = delegated_scan_next(state->fallback, slot);

		return row != NULL ? row : ExecClearTuple(slot);
	}
	if (!state->started)
		start_scan(node, state);
	if (state->finished)
		return ExecClearTuple(slot);
	if (state->delegated)
	{
		TupleTableSlot *row = delegated_scan_next(state->delegated, slot);

		if (row != NULL)
			return row;
		state->finished = true;
		return ExecClearTuple(slot);
	}

	previous = host_acting_owner_push(state->owner);
	host_python_depth++;
	item = PyIter_Next(state->iterator);
	host_python_depth--;
	host_acting_owner_pop(previous);
	if (item == NULL)
	{
		if (PyErr_Occurred())
			host_report_python_error(ERROR, "execute");
		state->finished = true;
		return ExecClearTuple(slot);
	}
	Py_XSETREF(state->row, item);
	if (item == Py_None)
	{
		state->finished = true;	/* Multicorn: a None row ends the scan */
		return ExecClearTuple(slot);
	}
	if (!state->any_wanted && !PyUnicode_Check(item) && !PyBytes_Check(item))
	{
		/* nothing to convert (count(*)): an all-NULL row */
		ExecClearTuple(slot);
		memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
		return ExecStoreVirtualTuple(slot);
	}
	host_store_py_row(item, state->cols, slot, state->wanted);
	return slot;
}

static void
hostReScanForeignScan(ForeignScanState *node)
{
	HostScanState *state = node->fdw_state;

	if (state->fallback)
	{
		delegated_scan_rescan(state->fallback);
		return;
	}
	if (state->delegated)
		delegated_scan_end(state->delegated);
	state->delegated = NULL;
	MemoryContextReset(state->delegated_cxt);
	Py_CLEAR(state->iterator);
	Py_CLEAR(state->row);
	state->started = false;
	state->finished = false;
}

static void
hostEndForeignScan(ForeignScanState *node)
{
	HostScanState *state = node->fdw_state;
	PyObject   *result;

	if (state == NULL)
		return;
	if (state->fallback)
	{
		delegated_scan_end(state->fallback);
		state->fallback = NULL;
		return;
	}
	if (state->delegated)
		delegated_scan_end(state->delegated);
	state->delegated = NULL;
	Py_CLEAR(state->iterator);
	Py_CLEAR(state->row);
	result = host_call_method(state->instance, "end_scan", NULL, NULL);
	Py_DECREF(result);
}

static void
hostExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	HostScanState *state = node->fdw_state;
	Relation	rel = node->ss.ss_currentRelation;
	PyObject   *quals;
	PyObject   *kwargs;
	PyObject   *lines;
	PyObject   *iterator;
	PyObject   *line;

	if (state->fallback)
	{
		host_fallback_explain(state->fallback, es);
		return;
	}
	quals = host_quals_to_py(state->quals, state->exprs, state->exprstates,
							 node->ss.ps.ps_ExprContext, RelationGetDescr(rel),
							 state->started ? QUALS_EVALUATE : QUALS_PLACEHOLDER);
	kwargs = scan_kwargs(state);
	PyDict_SetItemString(kwargs, "verbose", es->verbose ? Py_True : Py_False);
	Py_INCREF(state->columns);
	lines = host_call_method(state->instance, "explain",
							 Py_BuildValue("(NN)", quals, state->columns), kwargs);
	iterator = lines == Py_None ? NULL : PyObject_GetIter(lines);
	Py_DECREF(lines);
	while (iterator && (line = PyIter_Next(iterator)) != NULL)
	{
		char	   *text = host_py_to_cstring(line);

		Py_DECREF(line);
		ExplainPropertyText("Multicorn", text, es);
	}
	Py_XDECREF(iterator);
	if (PyErr_Occurred())
		host_report_python_error(ERROR, "explain");
	if (state->delegated_sql)
		ExplainPropertyText("Delegated Query", state->delegated_sql, es);
}

/* Is this the routine of this library's handler? */
bool
host_is_host_routine(FdwRoutine *routine)
{
	return routine != NULL && routine->GetForeignRelSize == hostGetForeignRelSize;
}

void
host_scan_routines(FdwRoutine *routine)
{
	routine->GetForeignRelSize = hostGetForeignRelSize;
	routine->GetForeignPaths = hostGetForeignPaths;
	routine->GetForeignPlan = hostGetForeignPlan;
	routine->BeginForeignScan = hostBeginForeignScan;
	routine->IterateForeignScan = hostIterateForeignScan;
	routine->ReScanForeignScan = hostReScanForeignScan;
	routine->EndForeignScan = hostEndForeignScan;
	routine->ExplainForeignScan = hostExplainForeignScan;
}
