/*-------------------------------------------------------------------------
 *
 * cache_fallback.c
 *		  Cache reads the planner hook did not get to: the cache query is
 *		  planned apart and run in C, so they do not start Python either.
 *
 * The substitution of cache_substitute.c happens in a planner_hook, which
 * exists only once the library is loaded.  A backend that did not preload
 * the library loads it while planning its first HubSpot query, after the
 * hook's turn.  The planner can also meet a foreign table the hook never
 * saw, in the body of an SQL function it inlines.  For such a table, when
 * it reads from its cache, the FDW callbacks build the same view-like query
 * over the cache table, move the table's restriction clauses into it, plan
 * it with the standard planner and run it with the executor (delegated.c).
 * The outer plan sees one scan costed as that plan.
 *
 * The same cases as the hook's stay on the Python path: a result relation,
 * TABLESAMPLE, security quals, system columns; and here also row locks
 * (SELECT ... FOR UPDATE), which the Python path takes on the cache rows.
 *
 * Clauses with Params of other nodes (PARAM_EXEC), subplans, placeholders,
 * whole-row references or volatile functions stay in the outer scan's
 * filter; so a rescan runs the same query again from its start.
 *
 * The plan made here depends on the cache table (its relationOids) and on
 * the user (the user mapping).  Once a fallback plan was made, the backend's
 * plan cache is reset when the transaction ends, so prepared statements are
 * planned again, with the substitution, at their next use.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "access/xact.h"
#include "catalog/pg_class.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/planner.h"
#include "optimizer/prep.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/rel.h"

/* ForeignScan.fdw_private of a fallback scan: (tag, PlannedStmt) */
#define FALLBACK_TAG "hubspot cache, planned apart"

struct CacheFallback
{
	PlannedStmt *planned;		/* the cache query */
	List	   *pushed;			/* RestrictInfos the cache query evaluates */
};

static bool reset_plans_at_xact_end = false;
static bool xact_callback_registered = false;

/* ---------- what may read this way ---------- */

static bool
reads_system_columns(RelOptInfo *baserel)
{
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	for (int attno = baserel->min_attr; attno < 0; attno++)
		if (!bms_is_empty(baserel->attr_needed[attno - baserel->min_attr]))
			return true;
	foreach(lc, baserel->baserestrictinfo)
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause, baserel->relid, &attrs);
	for (int attno = baserel->min_attr; attno < 0; attno++)
		if (bms_is_member(attno - FirstLowInvalidHeapAttributeNumber, attrs))
			return true;
	return false;
}

static bool
eligible(PlannerInfo *root, RelOptInfo *baserel, RangeTblEntry *rte)
{
	PlanRowMark *mark = get_plan_rowmark(root->rowMarks, baserel->relid);
	HostCacheReadUse use = {0};
	ListCell   *lc;

	use.result_relation = baserel->relid == root->parse->resultRelation ||
		bms_is_member(baserel->relid, root->all_result_relids);
	use.row_locked = mark != NULL && mark->strength != LCS_NONE;
	use.locks_pushable = false; /* the cache query is planned apart, without the lock */
	foreach(lc, baserel->baserestrictinfo)
		if (lfirst_node(RestrictInfo, lc)->security_level > 0)
			use.security_quals = true;
	use.system_columns = reads_system_columns(baserel);
	return host_cache_read_eligible(rte, &use);	/* cache_target.c: the one rule */
}

/* ---------- the restriction clauses the cache query takes ---------- */

typedef struct PushableWalk
{
	Index		relid;
} PushableWalk;

static bool
unpushable_walker(Node *node, PushableWalk *walk)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		return var->varno != walk->relid || var->varlevelsup != 0 || var->varattno <= 0;
	}
	if (IsA(node, Param))
		return ((Param *) node)->paramkind != PARAM_EXTERN;
	if (IsA(node, SubPlan) || IsA(node, AlternativeSubPlan) || IsA(node, PlaceHolderVar) ||
		IsA(node, SubLink))
		return true;
	return expression_tree_walker(node, unpushable_walker, walk);
}

/* Let the cache query's planner decide again whether an IN list is hashed. */
static bool
unhash_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, ScalarArrayOpExpr))
	{
		((ScalarArrayOpExpr *) node)->hashfuncid = InvalidOid;
		((ScalarArrayOpExpr *) node)->negfuncid = InvalidOid;
	}
	return expression_tree_walker(node, unhash_walker, context);
}

/* Move what can be moved into sub's WHERE; returns the RestrictInfos moved. */
static List *
push_clauses(RelOptInfo *baserel, RangeTblEntry *rte, Query *sub)
{
	List	   *pushed = NIL;
	List	   *clauses = NIL;
	ListCell   *lc;

	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		PushableWalk walk = {baserel->relid};
		Node	   *clause;

		if (rinfo->pseudoconstant || unpushable_walker((Node *) rinfo->clause, &walk) ||
			contain_volatile_functions((Node *) rinfo->clause))
			continue;
		clause = compat_ReplaceVarsFromTargetList(copyObject((Node *) rinfo->clause), baserel->relid, 0,
										   rte, sub->targetList, REPLACEVARS_REPORT_ERROR, 0, NULL);
		unhash_walker(clause, NULL);
		clauses = lappend(clauses, clause);
		pushed = lappend(pushed, rinfo);
	}
	if (clauses != NIL)
		sub->jointree->quals = (Node *) make_ands_explicit(clauses);
	return pushed;
}

/* ---------- planning ---------- */

static void
fallback_xact_callback(XactEvent event, void *arg)
{
	if (!reset_plans_at_xact_end)
		return;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		reset_plans_at_xact_end = false;
		ResetPlanCache();		/* the next plans are substituted */
	}
}

/*
 * For a foreign table the planner reached without the hook having put its
 * cache table in its place: the plan of its cache query, or NULL when it
 * reads live (or must take the Python path).
 */
CacheFallback *
host_fallback_plan_rel(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	RangeTblEntry *rte = planner_rt_fetch(baserel->relid, root);
	Oid			userid = OidIsValid(baserel->userid) ? baserel->userid : GetUserId();
	CacheFallback *fallback;
	Oid			cacheid;
	Query	   *sub;
	Plan	   *top;

	if (!host_cache_substitution || !eligible(root, baserel, rte))
		return NULL;
	cacheid = host_cache_table_for(foreigntableid, userid);
	if (!OidIsValid(cacheid))
		return NULL;
	sub = host_cache_subquery(rte, cacheid, NULL);
	if (sub == NULL)
		return NULL;
	/* the outer query checks the foreign table's privileges; sub's copy asks for none */

	fallback = palloc0(sizeof(CacheFallback));
	fallback->pushed = push_clauses(baserel, rte, sub);
	fallback->planned = standard_planner(sub, NULL, 0, root->glob->boundParams);
	top = fallback->planned->planTree;

	root->glob->relationOids = list_concat(root->glob->relationOids,
										   fallback->planned->relationOids);
	root->glob->invalItems = list_concat(root->glob->invalItems, fallback->planned->invalItems);
	root->glob->dependsOnRole = true;	/* the user mapping checked is this user's */
	if (fallback->planned->transientPlan)
		root->glob->transientPlan = true;

	baserel->rows = clamp_row_est(top->plan_rows);
	baserel->reltarget->width = Max(top->plan_width, 1);

	if (!xact_callback_registered)
	{
		RegisterXactCallback(fallback_xact_callback, NULL);
		xact_callback_registered = true;
	}
	reset_plans_at_xact_end = true;
	elog(DEBUG1, "hubspot_fdw: the cache of foreign table \"%s\" is planned apart "
		 "(the library was not loaded when this query's planning began)",
		 get_rel_name(foreigntableid));
	return fallback;
}

void
host_fallback_add_paths(PlannerInfo *root, RelOptInfo *baserel, CacheFallback *fallback)
{
	Plan	   *top = fallback->planned->planTree;

	add_path(baserel, (Path *)
			 compat_create_foreignscan_path(root, baserel, NULL, baserel->rows, top->startup_cost,
									 top->total_cost, NIL, NULL, NULL, NIL));
}

ForeignScan *
host_fallback_make_plan(RelOptInfo *baserel, CacheFallback *fallback, List *tlist,
						List *scan_clauses, Plan *outer_plan)
{
	List	   *local = NIL;
	ListCell   *lc;

	foreach(lc, scan_clauses)
		if (!list_member_ptr(fallback->pushed, lfirst(lc)))
			local = lappend(local, lfirst(lc));
	return make_foreignscan(tlist, extract_actual_clauses(local, false), baserel->relid, NIL,
							list_make2(makeString(pstrdup(FALLBACK_TAG)), fallback->planned),
							NIL, NIL, outer_plan);
}

/* ---------- execution ---------- */

bool
host_fallback_is_scan(ForeignScan *plan)
{
	List	   *private = plan->fdw_private;

	return list_length(private) == 2 && IsA(linitial(private), String) &&
		strcmp(strVal(linitial(private)), FALLBACK_TAG) == 0;
}

DelegatedScan *
host_fallback_begin(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;

	return delegated_scan_begin_planned(lsecond_node(PlannedStmt, plan->fdw_private),
										estate->es_param_list_info,
										node->ss.ss_currentRelation, eflags);
}

/* EXPLAIN: the cache query's own plan, under the foreign scan. */
void
host_fallback_explain(DelegatedScan *scan, ExplainState *es)
{
	ExplainState *inner = NewExplainState();
	char	   *line;
	char	   *saveptr = NULL;

	ExplainPropertyText("HubSpot read mode",
						"cache, planned apart (hubspot_fdw was loaded while this query was "
						"planned; preload it to have the cache table planned in place)", es);
	inner->costs = es->costs;
	inner->verbose = es->verbose;
	inner->format = EXPLAIN_FORMAT_TEXT;
	ExplainPrintPlan(inner, delegated_scan_query(scan));
	if (es->format != EXPLAIN_FORMAT_TEXT)
	{
		ExplainPropertyText("Cache Plan", inner->str->data, es);
		return;
	}
	for (line = strtok_r(inner->str->data, "\n", &saveptr); line != NULL;
		 line = strtok_r(NULL, "\n", &saveptr))
		ExplainPropertyText("Cache Plan", line, es);
}
