/*-------------------------------------------------------------------------
 *
 * compat.h
 *		  The one place where hubspot_fdw differs by PostgreSQL major version.
 *
 * The host builds from one source against PostgreSQL 15, 16, 17 and 18.
 * Every PG_VERSION_NUM test lives here, each commented once; the rest of the
 * code calls the compat_* wrappers below with PostgreSQL 15's argument lists
 * (or with what all four versions share) and contains no version tests.
 *
 * What is the same in 15-18 and so needs nothing here: planner_hook_type and
 * standard_planner (19 adds an ExplainState argument); the background-worker
 * API (RegisterDynamicBackgroundWorker, BackgroundWorkerInitializeConnectionByOid
 * with its flags argument, bgw_type).  Since 16 modules are built with
 * -fvisibility=hidden, so a background worker's entry point must be declared
 * PGDLLEXPORT (harmless in 15); fmgr functions get it from PG_FUNCTION_INFO_V1.
 * Since 17 pqsignal() installs a wrapper handler and since 18 it returns
 * nothing, so interrupts.c chains handlers with sigaction(), not pqsignal().
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_FDW_COMPAT_H
#define HUBSPOT_FDW_COMPAT_H

#include "nodes/parsenodes.h"
#include "nodes/pathnodes.h"

/*
 * 18 split commands/explain.h: ExplainState and NewExplainState moved to
 * explain_state.h, ExplainProperty* to explain_format.h.
 */
#include "commands/explain.h"
#if PG_VERSION_NUM >= 180000
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#endif

/* 16 moved per-relation permissions out of RangeTblEntry into RTEPermissionInfo. */
#if PG_VERSION_NUM >= 160000
#include "parser/parse_relation.h"
#endif

/*
 * create_foreignscan_path: 17 added fdw_restrictinfo (for join and upper
 * paths; NIL for a base relation), 18 added disabled_nodes (0: a foreign
 * scan is never disabled by an enable_* setting).
 */
#if PG_VERSION_NUM >= 180000
#define compat_create_foreignscan_path(root, rel, target, rows, startup_cost, total_cost, \
									   pathkeys, required_outer, fdw_outerpath, fdw_private) \
	create_foreignscan_path((root), (rel), (target), (rows), 0, (startup_cost), (total_cost), \
							(pathkeys), (required_outer), (fdw_outerpath), NIL, (fdw_private))
#elif PG_VERSION_NUM >= 170000
#define compat_create_foreignscan_path(root, rel, target, rows, startup_cost, total_cost, \
									   pathkeys, required_outer, fdw_outerpath, fdw_private) \
	create_foreignscan_path((root), (rel), (target), (rows), (startup_cost), (total_cost), \
							(pathkeys), (required_outer), (fdw_outerpath), NIL, (fdw_private))
#else
#define compat_create_foreignscan_path create_foreignscan_path
#endif

/*
 * ReplaceVarsFromTargetList: 18 added result_relation (for RETURNING's
 * OLD/NEW Vars; 0 where the clause is not a RETURNING list).
 */
#if PG_VERSION_NUM >= 180000
#define compat_ReplaceVarsFromTargetList(node, target_varno, sublevels_up, target_rte, \
										 targetlist, nomatch_option, nomatch_varno, \
										 outer_hasSubLinks) \
	ReplaceVarsFromTargetList((node), (target_varno), (sublevels_up), (target_rte), \
							  (targetlist), 0, (nomatch_option), (nomatch_varno), \
							  (outer_hasSubLinks))
#else
#define compat_ReplaceVarsFromTargetList ReplaceVarsFromTargetList
#endif

/* 18 replaced PathKey's btree strategy number with a CompareType. */
#if PG_VERSION_NUM >= 180000
#define compat_pathkey_descending(pathkey) ((pathkey)->pk_cmptype == COMPARE_GT)
#else
#define compat_pathkey_descending(pathkey) ((pathkey)->pk_strategy == BTGreaterStrategyNumber)
#endif

/* 16 renamed the GUC force_parallel_mode to debug_parallel_query (same values). */
#if PG_VERSION_NUM >= 160000
#define COMPAT_DEBUG_PARALLEL_GUC "debug_parallel_query"
#define compat_debug_parallel_query debug_parallel_query
#else
#define COMPAT_DEBUG_PARALLEL_GUC "force_parallel_mode"
#define compat_debug_parallel_query force_parallel_mode
#endif

/*
 * Relation permissions.  Up to 15 a relation's range-table entry carries
 * them (requiredPerms, checkAsUser, selectedCols, ...); since 16 the entry
 * points (perminfoindex) into its query's rteperminfos list.
 */

/* The role rte's relation is accessed as; InvalidOid: the current user. */
static inline Oid
compat_rte_check_as_user(Query *query, RangeTblEntry *rte)
{
#if PG_VERSION_NUM >= 160000
	if (rte->perminfoindex == 0)
		return InvalidOid;
	return getRTEPermissionInfo(query->rteperminfos, rte)->checkAsUser;
#else
	return rte->checkAsUser;
#endif
}

/* rte asks for no permission check (and, since 16, has no RTEPermissionInfo). */
static inline void
compat_rte_clear_permissions(RangeTblEntry *rte)
{
#if PG_VERSION_NUM >= 160000
	rte->perminfoindex = 0;
#else
	rte->requiredPerms = 0;
	rte->checkAsUser = InvalidOid;
	rte->selectedCols = NULL;
	rte->insertedCols = NULL;
	rte->updatedCols = NULL;
	rte->extraUpdatedCols = NULL;
#endif
}

/*
 * query's relation entry rte is read with role's rights: the executor checks
 * that role may SELECT from it (as it checks a view's tables as the view's owner).
 */
static inline void
compat_rte_select_as(Query *query, RangeTblEntry *rte, Oid role)
{
#if PG_VERSION_NUM >= 160000
	RTEPermissionInfo *perminfo;

	rte->perminfoindex = 0;
	perminfo = addRTEPermissionInfo(&query->rteperminfos, rte);
	perminfo->requiredPerms = ACL_SELECT;
	perminfo->checkAsUser = role;
#else
	compat_rte_clear_permissions(rte);
	rte->requiredPerms = ACL_SELECT;
	rte->checkAsUser = role;
#endif
}

/*
 * The permission check query's rte asks for is made by sub's entry sub_rte
 * instead (as a view's check moves into its expansion); rte asks for none.
 */
static inline void
compat_rte_move_permissions(Query *query, RangeTblEntry *rte, Query *sub,
							RangeTblEntry *sub_rte)
{
#if PG_VERSION_NUM >= 160000
	if (rte->perminfoindex != 0)
	{
		RTEPermissionInfo *perminfo = getRTEPermissionInfo(query->rteperminfos, rte);

		sub->rteperminfos = lappend(sub->rteperminfos, copyObject(perminfo));
		sub_rte->perminfoindex = list_length(sub->rteperminfos);
	}
	else
		sub_rte->perminfoindex = 0;
#else
	sub_rte->requiredPerms = rte->requiredPerms;
	sub_rte->checkAsUser = rte->checkAsUser;
	sub_rte->selectedCols = bms_copy(rte->selectedCols);
	sub_rte->insertedCols = bms_copy(rte->insertedCols);
	sub_rte->updatedCols = bms_copy(rte->updatedCols);
	sub_rte->extraUpdatedCols = bms_copy(rte->extraUpdatedCols);
#endif
	compat_rte_clear_permissions(rte);
}

#endif							/* HUBSPOT_FDW_COMPAT_H */
