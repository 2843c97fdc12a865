/*-------------------------------------------------------------------------
 *
 * cache_substitute.c
 *		  Cache reads at native speed: when a HubSpot foreign table reads
 *		  from its cache, the planner gets the cache table in its place, the
 *		  way the rewriter expands a view.
 *
 * A planner_hook runs before standard_planner.  It walks the query (the
 * rewritten one, so foreign tables inside views count; subqueries, CTEs
 * and sublinks included) and decides, for each foreign table of the
 * hubspot_fdw wrapper HubSpotFdw, the read mode from the catalog:
 * the session's hubspot_fdw.read_mode unless "default", else the table's
 * read_mode option, else the server's (the host's merge order), else
 * "auto"; "auto" means the cache once hubspot_fdw.sync_state says the
 * table's backfill finished.  The
 * decision is made again at every (re)planning, so a cached plan follows
 * the mode once it is invalidated (see "Invalidation" below).
 *
 * In cache mode the foreign table's range table entry becomes a subquery
 *   SELECT <the foreign table's columns> FROM <cache schema>.<table>
 * (columns matched by name; a column the cache table lacks is NULL of its
 * type; a type difference is cast), whose range table also keeps a copy of
 * the foreign table's entry, outside the join tree: as for a view, the
 * executor checks the user's privileges on the foreign table, and the
 * cache table's entry asks for SELECT as the foreign table's owner (the
 * rights the wrapper's own cache reads run with).  The subquery is usually pulled up, so the planner
 * sees an ordinary table: its indexes, statistics and parallel scans.
 * FOR UPDATE/SHARE on the foreign table is pushed down to the cache table,
 * as for a view.  A user mapping (the user's or PUBLIC's) is required, as
 * on every other path.
 *
 * Never substituted: a result relation (INSERT/UPDATE/DELETE/MERGE target:
 * writes go to HubSpot through the wrapper), an entry with TABLESAMPLE,
 * security quals or inheritance children, an entry whose system columns
 * the query reads, and tables of other wrappers or other FDWs.  Those keep
 * the Python path, which reads the same cache.
 *
 * hubspot_fdw.cache_substitution = off turns all of this off (cached tables
 * are then read through the wrapper's delegated scan, as under upstream
 * Multicorn2).
 *
 * Invalidation: plans depend on the foreign table (its OID stays in the
 * plan's relationOids through the kept entry).  A SET of
 * hubspot_fdw.read_mode or hubspot_fdw.cache_substitution resets the plan
 * cache; a change of backfill_done in
 * sync_state sends a relcache invalidation for the matching foreign tables
 * (the trigger function hubspot_fdw._sync_state_mode_changed); user mapping
 * changes reset the plan cache; substituted plans depend on the role
 * (a user mapping is per user).  Server and table option changes already
 * invalidate plans in PostgreSQL.
 *
 * How columns map is worked out once per backend and foreign table, and
 * kept until either table changes (relcache invalidation); the read mode
 * itself is decided afresh at every planning.
 *
 * The hook only exists once the library is loaded; a backend that did not
 * preload it (shared_preload_libraries or session_preload_libraries) loads
 * it while planning its first HubSpot query, after the hook's turn: the FDW
 * callbacks then plan the same cache query apart and run it in C
 * (cache_fallback.c), so that query does not start Python either.  Not
 * here: the Python read paths (hubspot_fdw/fdw), writes.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/analyze.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_relation.h"
#include "parser/parsetree.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#define HOST_SCHEMA "hubspot_fdw"
#define CACHE_LABEL " (hubspot cache)"

static planner_hook_type prev_planner_hook = NULL;

bool		host_cache_substitution = true;

/* State of one walk over a query tree. */
typedef struct SubstituteWalk
{
	List	   *created;		/* subqueries we made: never walked again */
	bool		substituted;
} SubstituteWalk;

/* ---------- reading the catalog ---------- */

/* The OID of hubspot_fdw.<name>, or InvalidOid (extension older or absent). */
static Oid
host_table(const char *name)
{
	Oid			nsp = get_namespace_oid(HOST_SCHEMA, true);

	return OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
}

/*
 * Scan a small host table for rows whose first text column equals key1
 * (and whose column key2_attname equals key2, if given); return the value
 * of column want (a copy of text as a cstring, or a bool) of the first row.
 * Read with the extension's rights: no privilege check, like a catalog.
 */
bool
host_lookup_row(const char *table, const char *key1_attname, const char *key1,
		   const char *key2_attname, const char *key2, const char *want,
		   Datum *value, bool *isnull)
{
	Oid			relid = host_table(table);
	Relation	rel;
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tuple;
	int			nkeys = 0;
	AttrNumber	want_attnum;
	bool		found = false;

	if (!OidIsValid(relid))
		return false;
	rel = table_open(relid, AccessShareLock);
	want_attnum = get_attnum(relid, want);
	if (want_attnum == InvalidAttrNumber)
	{
		table_close(rel, AccessShareLock);
		return false;
	}
	ScanKeyInit(&keys[nkeys++], get_attnum(relid, key1_attname), BTEqualStrategyNumber,
				F_TEXTEQ, CStringGetTextDatum(key1));
	if (key2_attname != NULL)
		ScanKeyInit(&keys[nkeys++], get_attnum(relid, key2_attname), BTEqualStrategyNumber,
					F_TEXTEQ, CStringGetTextDatum(key2));
	scan = systable_beginscan(rel, InvalidOid, false,
							  ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot(),
							  nkeys, keys);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		Datum		datum = heap_getattr(tuple, want_attnum, RelationGetDescr(rel), isnull);
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), want_attnum - 1);

		*value = (*isnull || att->attbyval) ? datum : PointerGetDatum(TextDatumGetCString(datum));
		found = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

static bool
backfill_done(const char *server, const char *table)
{
	Datum		value;
	bool		isnull;

	return host_lookup_row("sync_state", "server_name", server, "table_name", table, "backfill_done",
					  &value, &isnull) && !isnull && DatumGetBool(value);
}

/*
 * Refuse a cache schema that is not this server's: stamped for another
 * server, or not stamped while this server's cache is stamped elsewhere
 * (the Python paths apply the same rule, hubspot_fdw/fdw/cache_reads.py).
 */
static void
check_cache_portal(const char *schema, const char *server)
{
	Datum		value;
	bool		isnull;

	if (host_lookup_row("cache_portals", "cache_schema", schema, NULL, NULL, "server_name",
				   &value, &isnull))
	{
		if (!isnull && strcmp(DatumGetCString(value), server) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cache schema \"%s\" belongs to server \"%s\", not to server \"%s\"",
							schema, DatumGetCString(value), server),
					 errdetail("hubspot_fdw.cache_portals records the server each cache schema was filled for."),
					 errhint("Give server \"%s\" its own cache_schema option, or SET hubspot_fdw.read_mode = 'live'.",
							 server)));
		return;
	}
	if (host_lookup_row("cache_portals", "server_name", server, NULL, NULL, "cache_schema",
				   &value, &isnull) && !isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schema \"%s\" is not the cache of server \"%s\"", schema, server),
				 errdetail("The sync stamped schema \"%s\" as this server's cache.",
						   DatumGetCString(value)),
				 errhint("Check the server's cache_schema option.")));
}

/* The user mapping is the grant, as with postgres_fdw: the user's or PUBLIC's. */
static void
require_user_mapping(Oid userid, ForeignServer *server)
{
	if (!host_user_mapping_exists(server->serverid, userid))
		host_report_missing_user_mapping(server, userid);
}

/*
 * Is the server's wrapper the HubSpot one?  Its foreign data wrapper must be
 * served by this library's handler (whatever the wrapper is called) and its
 * wrapper option unset or the default class: only a superuser may name
 * another, and any other class keeps its own read path.
 */
static bool
is_hubspot_wrapper(ForeignServer *server)
{
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);

	return OidIsValid(fdw->fdwhandler) && host_is_host_routine(GetFdwRoutine(fdw->fdwhandler)) &&
		strcmp(host_server_wrapper(server), HOST_DEFAULT_WRAPPER) == 0;
}

/*
 * The cache table a foreign table reads from now, or InvalidOid when it
 * reads live (or is not a HubSpot table).  userid: whose mapping counts.
 */
Oid
host_cache_table_for(Oid relid, Oid userid)
{
	HostCacheTarget target;
	Oid			nsp;
	Oid			cacheid;
	char		relkind;

	if (!is_hubspot_wrapper(GetForeignServer(GetForeignTable(relid)->serverid)))
		return InvalidOid;
	host_cache_target(relid, &target);	/* cache_target.c: the rules' one home */
	if (strcmp(target.mode, "live") == 0)
		return InvalidOid;
	nsp = get_namespace_oid(target.schema, true);
	cacheid = OidIsValid(nsp) ? get_relname_relid(target.table, nsp) : InvalidOid;
	relkind = OidIsValid(cacheid) ? get_rel_relkind(cacheid) : '\0';
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		return InvalidOid;		/* the Python path reports a missing cache */
	if (strcmp(target.mode, "auto") == 0 && !backfill_done(target.server->servername, target.table))
		return InvalidOid;
	check_cache_portal(target.schema, target.server->servername);
	require_user_mapping(userid, target.server);
	return cacheid;
}

/* ---------- what may be substituted ---------- */

typedef struct SystemColumnWalk
{
	Index		rti;
	int			levelsup;
} SystemColumnWalk;

static bool
system_column_walker(Node *node, SystemColumnWalk *walk)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		return var->varno == walk->rti && var->varlevelsup == walk->levelsup && var->varattno < 0;
	}
	if (IsA(node, Query))
	{
		bool		found;

		walk->levelsup++;
		found = query_tree_walker((Query *) node, system_column_walker, walk, 0);
		walk->levelsup--;
		return found;
	}
	return expression_tree_walker(node, system_column_walker, walk);
}

static bool
substitutable(Query *query, Index rti, RangeTblEntry *rte)
{
	SystemColumnWalk walk = {rti, 0};
	HostCacheReadUse use = {0};

	if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_FOREIGN_TABLE)
		return false;
	use.result_relation = rti == query->resultRelation;
	use.security_quals = rte->securityQuals != NIL;
	use.row_locked = get_parse_rowmark(query, rti) != NULL;
	use.locks_pushable = true;	/* FOR UPDATE/SHARE moves to the cache table, as for a view */
	use.system_columns = query_tree_walker(query, system_column_walker, &walk, 0);
	return host_cache_read_eligible(rte, &use);	/* cache_target.c: the one rule */
}

/* ---------- building the subquery ---------- */

/* The cache column for one foreign column, as the foreign column's type; NULL if impossible. */
static Node *
column_expr(Form_pg_attribute fatt, Relation cache, Index cache_rti)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(cache), NameStr(fatt->attname));
	Form_pg_attribute catt;
	Node	   *expr;

	if (attnum == InvalidAttrNumber || attnum < 0)
		return (Node *) makeNullConst(fatt->atttypid, fatt->atttypmod, fatt->attcollation);
	catt = TupleDescAttr(RelationGetDescr(cache), attnum - 1);
	expr = (Node *) makeVar(cache_rti, attnum, catt->atttypid, catt->atttypmod, catt->attcollation, 0);
	if (catt->atttypid != fatt->atttypid || catt->atttypmod != fatt->atttypmod)
	{
		expr = coerce_to_target_type(NULL, expr, catt->atttypid, fatt->atttypid, fatt->atttypmod,
									 COERCION_EXPLICIT, COERCE_EXPLICIT_CAST, -1);
		if (expr == NULL)
			return NULL;
		assign_expr_collations(NULL, expr);
	}
	if (exprCollation(expr) != fatt->attcollation)
		expr = (Node *) makeRelabelType((Expr *) expr, fatt->atttypid, fatt->atttypmod,
										fatt->attcollation, COERCE_IMPLICIT_CAST);
	return expr;
}

/*
 * How a foreign table's columns read from its cache table: the subquery's
 * target list and the cache table's column names, built once per backend
 * and kept until either table changes (relcache invalidation).
 */
typedef struct ColumnMap
{
	Oid			foreignid;		/* hash key */
	Oid			cacheid;
	bool		usable;			/* false: a column type has no cast */
	MemoryContext cxt;
	List	   *tlist;			/* TargetEntry per foreign attnum, over range table entry 2 */
	List	   *colnames;		/* the cache table's eref column names */
} ColumnMap;

static HTAB *column_maps = NULL;

static void
column_maps_invalidate(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	ColumnMap  *map;

	if (column_maps == NULL)
		return;
	hash_seq_init(&status, column_maps);
	while ((map = hash_seq_search(&status)) != NULL)
	{
		if (OidIsValid(relid) && map->foreignid != relid && map->cacheid != relid)
			continue;
		MemoryContextDelete(map->cxt);
		hash_search(column_maps, &map->foreignid, HASH_REMOVE, NULL);
	}
}

/* Build the map; both tables are locked by the caller. */
static void
build_column_map(ColumnMap *map, Oid foreignid, Oid cacheid)
{
	Relation	foreign = table_open(foreignid, NoLock);
	Relation	cache = table_open(cacheid, NoLock);
	TupleDesc	ftupdesc = RelationGetDescr(foreign);
	TupleDesc	ctupdesc = RelationGetDescr(cache);
	MemoryContext old = MemoryContextSwitchTo(map->cxt);

	map->foreignid = foreignid;
	map->cacheid = cacheid;
	map->usable = true;
	for (int i = 0; i < ftupdesc->natts && map->usable; i++)
	{
		Form_pg_attribute fatt = TupleDescAttr(ftupdesc, i);
		Node	   *expr = fatt->attisdropped
			? (Node *) makeNullConst(INT4OID, -1, InvalidOid)
			: column_expr(fatt, cache, 2);

		if (expr == NULL)
			map->usable = false;	/* no cast: the Python path copes */
		else
			map->tlist = lappend(map->tlist, makeTargetEntry((Expr *) expr, i + 1,
															 pstrdup(NameStr(fatt->attname)), false));
	}
	for (int i = 0; i < ctupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(ctupdesc, i);

		map->colnames = lappend(map->colnames,
								makeString(pstrdup(att->attisdropped ? "" : NameStr(att->attname))));
	}
	MemoryContextSwitchTo(old);
	table_close(cache, NoLock);
	table_close(foreign, NoLock);
}

static ColumnMap *
column_map(Oid foreignid, Oid cacheid)
{
	ColumnMap  *map;
	ColumnMap	built = {0};
	bool		found;

	if (column_maps == NULL)
	{
		HASHCTL		ctl = {0};

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(ColumnMap);
		column_maps = hash_create("hubspot_fdw column maps", 64, &ctl, HASH_ELEM | HASH_BLOBS);
		CacheRegisterRelcacheCallback(column_maps_invalidate, (Datum) 0);
	}
	map = hash_search(column_maps, &foreignid, HASH_FIND, NULL);
	if (map != NULL && map->cacheid == cacheid)
		return map;
	if (map != NULL)
		column_maps_invalidate((Datum) 0, foreignid);
	built.cxt = AllocSetContextCreate(CacheMemoryContext, "hubspot_fdw column map",
									  ALLOCSET_SMALL_SIZES);
	PG_TRY();
	{
		build_column_map(&built, foreignid, cacheid);
	}
	PG_CATCH();
	{
		MemoryContextDelete(built.cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	map = hash_search(column_maps, &foreignid, HASH_ENTER, &found);
	*map = built;
	return map;
}

/*
 * The cache table's entry: read with the rights of the foreign table's owner
 * (owner), as the wrapper's own cache reads are (access.c), so a role's own
 * foreign table reaches no cache table that role may not read.
 */
static RangeTblEntry *
cache_rte(Query *sub, Oid cacheid, Oid owner, List *colnames, const char *label, int lockmode)
{
	RangeTblEntry *rte = makeNode(RangeTblEntry);

	rte->rtekind = RTE_RELATION;
	rte->relid = cacheid;
	rte->relkind = get_rel_relkind(cacheid);
	rte->rellockmode = lockmode;
	rte->alias = makeAlias(label, NIL);
	rte->eref = makeAlias(label, colnames);
	rte->inh = true;
	rte->inFromCl = true;
	compat_rte_select_as(sub, rte, owner);
	return rte;
}

static Oid
table_owner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * The view-like query over the cache table standing for the foreign table
 * of rte: SELECT <the foreign table's columns> FROM <cache table>, with the
 * foreign table's entry kept (range table entry 1, outside the join tree)
 * and the cache table as entry 2.  mark: the locking clause on the foreign
 * table, or NULL.  NULL when a column type has no cast (the Python path
 * copes).  Locks the cache table.
 */
Query *
host_cache_subquery(RangeTblEntry *rte, Oid cacheid, RowMarkClause *mark)
{
	int			lockmode = mark ? RowShareLock : AccessShareLock;
	ColumnMap  *map;
	Query	   *sub;
	RangeTblEntry *kept;
	RangeTblRef *ref;

	LockRelationOid(cacheid, lockmode);
	map = column_map(rte->relid, cacheid);
	if (!map->usable)
		return NULL;

	/* the foreign table's entry, kept for the permission check (not scanned) */
	kept = copyObject(rte);
	kept->inh = false;
	kept->inFromCl = false;
	compat_rte_clear_permissions(kept); /* the caller says which check it makes */

	sub = makeNode(Query);
	sub->commandType = CMD_SELECT;
	sub->querySource = QSRC_ORIGINAL;
	sub->canSetTag = true;
	sub->rtable = list_make2(kept, cache_rte(sub, cacheid, table_owner(rte->relid),
											 copyObject(map->colnames),
											 psprintf("%s" CACHE_LABEL, rte->eref->aliasname),
											 lockmode));
	ref = makeNode(RangeTblRef);
	ref->rtindex = 2;
	sub->jointree = makeFromExpr(list_make1(ref), NULL);
	sub->targetList = copyObject(map->tlist);
	if (mark)
		applyLockingClause(sub, 2, mark->strength, mark->waitPolicy, true);
	return sub;
}

/* Turn query's entry rti into the cache subquery; false (nothing changed) if it cannot be. */
static bool
substitute(Query *query, Index rti, RangeTblEntry *rte, SubstituteWalk *walk)
{
	Oid			checkasuser = compat_rte_check_as_user(query, rte);
	Oid			userid = OidIsValid(checkasuser) ? checkasuser : GetUserId();
	Oid			cacheid = host_cache_table_for(rte->relid, userid);
	Query	   *sub;

	if (!OidIsValid(cacheid))
		return false;
	sub = host_cache_subquery(rte, cacheid, get_parse_rowmark(query, rti));
	if (sub == NULL)
		return false;
	compat_rte_move_permissions(query, rte, sub, linitial_node(RangeTblEntry, sub->rtable));

	/* as ApplyRetrieveRule does for a view */
	rte->rtekind = RTE_SUBQUERY;
	rte->subquery = sub;
	rte->security_barrier = false;
	rte->relid = InvalidOid;
	rte->relkind = 0;
	rte->rellockmode = 0;
	rte->tablesample = NULL;
	rte->inh = false;

	walk->created = lappend(walk->created, sub);
	walk->substituted = true;
	return true;
}

static bool
substitute_walker(Node *node, SubstituteWalk *walk)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *query = (Query *) node;
		Index		rti = 0;
		ListCell   *lc;

		if (list_member_ptr(walk->created, query))
			return false;
		foreach(lc, query->rtable)
		{
			RangeTblEntry *rte = lfirst(lc);

			rti++;
			if (substitutable(query, rti, rte))
				substitute(query, rti, rte, walk);
		}
		return query_tree_walker(query, substitute_walker, walk, 0);
	}
	return expression_tree_walker(node, substitute_walker, walk);
}

static PlannedStmt *
substitute_planner(Query *parse, const char *query_string, int cursorOptions,
				   ParamListInfo boundParams)
{
	SubstituteWalk walk = {NIL, false};
	PlannedStmt *result;

	if (parse->commandType != CMD_UTILITY && host_cache_substitution)
		substitute_walker((Node *) parse, &walk);
	if (parse->commandType != CMD_UTILITY && host_query_needs_wrapper(parse))
		cursorOptions &= ~CURSOR_OPT_PARALLEL_OK;	/* parallel.c */
	if (prev_planner_hook)
		result = prev_planner_hook(parse, query_string, cursorOptions, boundParams);
	else
		result = standard_planner(parse, query_string, cursorOptions, boundParams);
	if (walk.substituted)
		result->dependsOnRole = true;	/* the user mapping checked is the planner's user's */
	return result;
}

/* ---------- invalidation ---------- */

/* Assign hook of hubspot_fdw.read_mode (called before the variable changes). */
void
host_read_mode_assign(int newval, void *extra)
{
	if (newval != host_read_mode)
		ResetPlanCache();
}

/* Assign hook of hubspot_fdw.cache_substitution. */
void
host_cache_substitution_assign(bool newval, void *extra)
{
	if (newval != host_cache_substitution)
		ResetPlanCache();
}

static void
user_mapping_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	ResetPlanCache();
}

void
host_substitute_init(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = substitute_planner;
	CacheRegisterSyscacheCallback(USERMAPPINGOID, user_mapping_changed, (Datum) 0);
}

/* ---------- SQL-callable ---------- */

/* Invalidate the plans of the foreign tables standing for (server, table). */
static void
invalidate_sync_target(const char *server, const char *table)
{
	Relation	rel = table_open(ForeignTableRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tuple;

	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_foreign_table form = (Form_pg_foreign_table) GETSTRUCT(tuple);
		ForeignServer *owner = GetForeignServerExtended(form->ftserver, FSV_MISSING_OK);
		HostCacheTarget target;

		if (owner == NULL || strcmp(owner->servername, server) != 0)
			continue;
		host_cache_target(form->ftrelid, &target);
		if (target.table != NULL && strcmp(target.table, table) == 0)
			CacheInvalidateRelcacheByRelid(form->ftrelid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

static void
invalidate_row(HeapTuple tuple, TupleDesc desc)
{
	char	   *server = SPI_getvalue(tuple, desc, SPI_fnumber(desc, "server_name"));
	char	   *table = SPI_getvalue(tuple, desc, SPI_fnumber(desc, "table_name"));

	if (server != NULL && table != NULL)
		invalidate_sync_target(server, table);
}

PG_FUNCTION_INFO_V1(hubspot_fdw_sync_state_mode_changed);

/*
 * Trigger on hubspot_fdw.sync_state: a row whose backfill_done changed (or
 * that appeared or went away) may move its tables between live and cache
 * reads, so the plans of those foreign tables are made again at their next
 * use, in every session (the relcache invalidation is sent at commit).
 */
Datum
hubspot_fdw_sync_state_mode_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("hubspot_fdw._sync_state_mode_changed() must be called as a trigger")));
	desc = RelationGetDescr(trigdata->tg_relation);
	invalidate_row(trigdata->tg_trigtuple, desc);
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		invalidate_row(trigdata->tg_newtuple, desc);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(hubspot_fdw_python_started);

/* hubspot_fdw.python_started(): whether this backend started the host's Python. */
Datum
hubspot_fdw_python_started(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(host_python_started());
}
