/*-------------------------------------------------------------------------
 *
 * parallel.c
 *		  Parallel query never reaches the embedded interpreter.
 *
 * A wrapper runs SQL in subtransactions and calls HubSpot; neither is
 * allowed in a parallel worker or while the leader is in parallel mode
 * (force_parallel_mode / debug_parallel_query put a whole query in
 * parallel mode even without a Gather node).  So:
 *   - the planner hook plans a query that still reads a table of this
 *     handler through the wrapper (after cache substitution) without
 *     parallel mode (host_query_needs_wrapper);
 *   - a backend that loaded the library while planning (no hook yet) is
 *     caught at GetForeignRelSize, which turns parallel mode off for the
 *     rest of the planning (host_forbid_parallel_plan);
 *   - foreign scans of this handler are never parallel-safe (no
 *     IsForeignScanParallelSafe callback), so never below a Gather;
 *   - anything that still arrives (host_refuse_parallel_mode) is an ERROR
 *     raised before Python runs, so the session and the interpreter stay
 *     usable.
 * Cache tables read in a foreign table's place are ordinary tables and
 * keep their parallel plans.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"

/* Is this foreign table served by this library's handler? */
bool
host_is_host_foreign_table(Oid relid)
{
	FdwRoutine *routine = GetFdwRoutineByRelId(relid);

	return host_is_host_routine(routine);
}

static bool
needs_wrapper_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *query = (Query *) node;
		ListCell   *lc;

		foreach(lc, query->rtable)
		{
			RangeTblEntry *rte = lfirst(lc);

			if (rte->rtekind == RTE_RELATION && rte->relkind == RELKIND_FOREIGN_TABLE &&
				host_is_host_foreign_table(rte->relid))
				return true;
		}
		return query_tree_walker(query, needs_wrapper_walker, context, 0);
	}
	return expression_tree_walker(node, needs_wrapper_walker, context);
}

/* Does the (substituted) query still read or write a table through the wrapper? */
bool
host_query_needs_wrapper(Query *query)
{
	return needs_wrapper_walker((Node *) query, NULL);
}

/*
 * Planning a scan through the wrapper: no parallel mode for this query.
 * Relations planned before this one lose their parallel paths too (they
 * are added after every relation's size is known).
 */
void
host_forbid_parallel_plan(PlannerInfo *root)
{
	root->glob->parallelModeOK = false;
	root->glob->parallelModeNeeded = false;
	for (int i = 1; i < root->simple_rel_array_size; i++)
	{
		RelOptInfo *rel = root->simple_rel_array[i];

		if (rel != NULL)
			rel->consider_parallel = false;
	}
}

/* Python must not run here: a parallel worker or a parallel-mode transaction. */
bool
host_parallel_mode(void)
{
	return IsParallelWorker() || IsInParallelMode();
}

void
host_refuse_parallel_mode(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("HubSpot foreign tables cannot be read or written in parallel mode"),
			 errdetail("The wrapper runs SQL and calls HubSpot, which a parallel query forbids."),
			 errhint("Plan the query without forcing parallel mode (%s = off).",
					 PG_VERSION_NUM >= 160000 ? "debug_parallel_query" : "force_parallel_mode")));
}
