/*-------------------------------------------------------------------------
 *
 * hubspot_fdw.h
 *		  Private declarations of the hubspot_fdw Python FDW host.
 *
 * The host embeds CPython in the backend and drives a Multicorn-style
 * wrapper class.  Prototypes are grouped by the file that owns them; each
 * file owns one concern.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_FDW_H
#define HUBSPOT_FDW_H

/* Python.h must come first: it defines feature macros PostgreSQL also sets */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "postgres.h"

#include "access/tupdesc.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "nodes/execnodes.h"
#include "foreign/foreign.h"
#include "nodes/pathnodes.h"
#include "utils/relcache.h"

#include "compat.h"

#define HOST_DEFAULT_WRAPPER "hubspot_fdw.HubSpotFdw"

/* How one column converts between a Datum and a Python object. */
typedef struct HostColumn
{
	char	   *name;			/* attribute name */
	PyObject   *py_name;		/* the same name as a Python str */
	AttrNumber	attnum;			/* 1-based attribute number */
	int			position;		/* index among non-dropped columns */
	Oid			typid;
	int32		typmod;
	FmgrInfo	infunc;			/* input function, for text fallbacks */
	Oid			ioparam;
	Oid			elemtypid;		/* element type for arrays, else InvalidOid */
	struct HostColumn *element; /* how array elements convert, or NULL */
	int			ndims;			/* declared array dimensions (attndims), or 0 */
	int16		elem_len;
	bool		elem_byval;
	char		elem_align;
} HostColumn;

/* Conversion info for every non-dropped column of a relation. */
typedef struct HostColumns
{
	int			natts;			/* tupdesc->natts, dropped columns included */
	int			ncolumns;		/* non-dropped columns */
	HostColumn **by_attnum;		/* index attnum-1, NULL for dropped */
	HostColumn *columns;		/* ncolumns entries in table order */
} HostColumns;

/* One cached wrapper instance per foreign table per backend. */
typedef struct HostInstance
{
	Oid			relid;			/* hash key: the foreign table */
	char	   *fingerprint;	/* options + columns + user, to detect changes */
	PyObject   *instance;		/* the wrapper object */
	bool		in_xact;		/* begin() called in this transaction */
	int			xact_level;		/* deepest nesting level seen (1 = top) */
	Oid			owner;			/* the foreign table's owner (local SQL runs as it) */
} HostInstance;

/* host.c: interpreter, GUCs, handler and validator */
extern char *host_python_path;
extern int	host_read_mode;		/* HOST_READ_MODE_* */
#define HOST_READ_MODE_DEFAULT 0
#define HOST_READ_MODE_AUTO 1
#define HOST_READ_MODE_CACHE 2
#define HOST_READ_MODE_LIVE 3
extern bool host_python_started(void);
extern void host_python_ensure(void);
extern PyObject *host_api_object(const char *name);
extern bool host_api_loaded(void);
extern int	host_python_depth;

/* pycall.c: calling into Python safely and reporting its errors */
extern PyObject *host_call_method(PyObject *obj, const char *method,
								  PyObject *args, PyObject *kwargs);
extern PyObject *host_call_method_opt(PyObject *obj, const char *method,
									  PyObject *args, PyObject *kwargs,
									  bool *missing);
extern void host_report_python_error(int elevel, const char *context);
extern PyObject *host_py_str(const char *s);
extern char *host_py_to_cstring(PyObject *obj);
extern PyObject *host_kwargs(const char *first,...);

/* interrupts.c: cancel and statement_timeout reach Python */
extern void host_install_interrupt_handlers(void);
extern bool host_cancel_pending(void);
extern int	host_interrupts_held;

/* convert.c: Datum <-> Python */
extern HostColumns *host_columns_build(TupleDesc tupdesc);
extern void host_column_init(HostColumn *col, const char *name, Oid typid, int32 typmod);
extern PyObject *host_datum_to_py(Datum value, bool isnull, Oid typid);
extern Datum host_py_to_datum(PyObject *obj, HostColumn *col, bool *isnull);
extern void host_store_py_row(PyObject *row, HostColumns *cols,
							  TupleTableSlot *slot, bool *wanted);
extern PyObject *host_slot_to_dict(TupleTableSlot *slot, HostColumns *cols);
extern void host_convert_init(void);

/* options.c: option gathering and validation */
extern List *host_merged_options(Oid relid, Oid userid, char **wrapper);
extern char *host_server_wrapper(ForeignServer *server);
extern PyObject *host_options_to_dict(List *options);
extern void host_validate_options(List *options, Oid catalog);
extern List *host_without_wrapper(List *options);
extern List *host_user_mapping_options(Oid serverid, Oid userid);
extern void host_wrapper_validate_options(PyObject *cls, const char *kind, List *options);
extern void host_options_init(void);

/* instance.c: the per-table instance cache and transaction hooks */
extern HostInstance *host_get_instance(Oid relid);
extern PyObject *host_load_class(const char *wrapper);
extern void host_xact_init(void);

/* quals.c: WHERE clauses to Multicorn quals */
extern Var *host_rel_var(Node *node, Index relid);
extern List *host_extract_quals(PlannerInfo *root, RelOptInfo *baserel,
								List *clauses, List **exprs);
typedef enum QualValueMode
{
	QUALS_CONST_ONLY,			/* planning: only quals against constants */
	QUALS_PLACEHOLDER,			/* plain EXPLAIN: unevaluated values shown as '?' */
	QUALS_EVALUATE				/* execution: evaluate every right-hand side */
} QualValueMode;
extern PyObject *host_quals_to_py(List *quals, List *exprs, List *exprstates,
								  ExprContext *econtext, TupleDesc tupdesc,
								  QualValueMode mode);

/* scan.c, modify.c, import.c: the FDW callbacks */
extern void host_scan_routines(FdwRoutine *routine);
extern bool host_is_host_routine(FdwRoutine *routine);
extern void host_modify_routines(FdwRoutine *routine);
extern void host_modify_init(void);
extern List *hostImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);

/* delegated.c: local scans the host runs in C on the wrapper's behalf */
typedef struct DelegatedScan DelegatedScan;
typedef struct DelegatedPlan	/* the last plan of a scan node, kept for rescans */
{
	MemoryContext cxt;			/* lives as long as the scan node */
	char	   *sql;
	struct PlannedStmt *planned;
	Oid		   *types;
	int			ntypes;
} DelegatedPlan;
extern DelegatedScan *delegated_scan_begin(PyObject *spec, Relation foreignrel,
										   bool *wanted, DelegatedPlan *plan);
extern DelegatedScan *delegated_scan_begin_planned(struct PlannedStmt *planned,
												   ParamListInfo params, Relation foreignrel,
												   int eflags);
extern TupleTableSlot *delegated_scan_next(DelegatedScan *scan, TupleTableSlot *slot);
extern void delegated_scan_rescan(DelegatedScan *scan);
extern struct QueryDesc *delegated_scan_query(DelegatedScan *scan);
extern void delegated_scan_end(DelegatedScan *scan);

/* worker.c: the materializer's background workers (GUCs, launcher) */
extern void host_worker_init(void);

/* cache_substitute.c: the cache table planned in a cached foreign table's place */
extern void host_substitute_init(void);
extern void host_read_mode_assign(int newval, void *extra);
extern bool host_cache_substitution;	/* hubspot_fdw.cache_substitution */
extern void host_cache_substitution_assign(bool newval, void *extra);
extern Oid	host_cache_table_for(Oid relid, Oid userid);
extern struct Query *host_cache_subquery(RangeTblEntry *rte, Oid cacheid,
										 struct RowMarkClause *mark);

/* cache_fallback.c: cache reads the planner hook did not get to, planned apart */
typedef struct CacheFallback CacheFallback;
extern CacheFallback *host_fallback_plan_rel(PlannerInfo *root, RelOptInfo *baserel,
											 Oid foreigntableid);
extern void host_fallback_add_paths(PlannerInfo *root, RelOptInfo *baserel,
									CacheFallback *fallback);
extern ForeignScan *host_fallback_make_plan(RelOptInfo *baserel, CacheFallback *fallback,
											List *tlist, List *scan_clauses, Plan *outer_plan);
extern bool host_fallback_is_scan(ForeignScan *plan);
extern DelegatedScan *host_fallback_begin(ForeignScanState *node, int eflags);
extern void host_fallback_explain(DelegatedScan *scan, struct ExplainState *es);

/* access.c: whose rights local SQL runs with, user mappings, the wrapper option */
typedef struct HostRoleSave
{
	Oid			userid;
	int			sec_context;
	int			guc_level;
	bool		switched;
} HostRoleSave;
extern Oid	host_acting_owner_push(Oid owner);
extern void host_acting_owner_pop(Oid previous);
extern Oid	host_acting_owner(void);
extern void host_as_owner_begin(Oid owner, HostRoleSave *save);
extern void host_as_owner_end(HostRoleSave *save);
extern bool host_user_mapping_exists(Oid serverid, Oid userid);
extern void host_require_user_mapping(PyObject *cls, ForeignServer *server);
extern void host_report_missing_user_mapping(ForeignServer *server, Oid userid);
extern void host_check_wrapper_option(const char *wrapper, const char *current);
extern Oid	host_instance_owner(PyObject *instance);

/* cache_target.c: where a foreign table's cache is, how it reads (the rules' one home) */
typedef struct HostCacheTarget
{
	ForeignServer *server;
	char	   *table;			/* option "table", else the relation name */
	char	   *schema;			/* option "cache_schema", else the default */
	char	   *mode;			/* "auto", "cache" or "live" */
} HostCacheTarget;
typedef struct HostCacheReadUse	/* how a query uses a foreign table */
{
	bool		result_relation;	/* INSERT/UPDATE/DELETE/MERGE target */
	bool		security_quals; /* row-level security barriers */
	bool		system_columns; /* reads ctid, xmin, ... */
	bool		row_locked;		/* FOR UPDATE/SHARE */
	bool		locks_pushable; /* the path can lock the cache rows instead */
} HostCacheReadUse;
extern bool host_cache_read_eligible(RangeTblEntry *rte, const HostCacheReadUse *use);
extern char *host_default_cache_schema(const char *server);
extern void host_cache_target(Oid relid, HostCacheTarget *target);
extern bool host_lookup_row(const char *table, const char *key1_attname, const char *key1,
							const char *key2_attname, const char *key2, const char *want,
							Datum *value, bool *isnull);

/* parallel.c: parallel query never reaches the interpreter */
extern bool host_is_host_foreign_table(Oid relid);
extern bool host_query_needs_wrapper(struct Query *query);
extern void host_forbid_parallel_plan(PlannerInfo *root);
extern bool host_parallel_mode(void);
extern void host_refuse_parallel_mode(void);

/* pymodule.c: the _hubspot_fdw_host module Python code calls */
extern PyObject *PyInit__hubspot_fdw_host(void);
extern PyObject *host_raise_pg_error(MemoryContext context);

#endif							/* HUBSPOT_FDW_H */
