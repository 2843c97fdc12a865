/*-------------------------------------------------------------------------
 *
 * quals.c
 *		  Recognise the WHERE clauses a wrapper may use (Multicorn's Qual)
 *		  and turn them into Python Qual objects.
 *
 * Recognised: Var op expr (either side, using the commutator), Var op
 * ANY/ALL(array), Var IS [NOT] NULL, a boolean Var and NOT Var, and
 * Var IS [NOT] TRUE/FALSE/UNKNOWN (operator "IS" or "IS NOT" with the
 * value True, False or None, as Multicorn2 passes them).  The other
 * side may be a constant, a Param (prepared statements, InitPlans, outer
 * Vars of a parameterized nested loop once the planner replaced them) or a
 * stable expression; it must not reference this table or be volatile.
 * Quals are advisory: every clause stays in PostgreSQL's filter, so what is
 * not recognised here is simply not pushed.
 *
 * A qual is kept in plan-copyable form: (attnum, opname, kind, expr index),
 * the right-hand expressions going to fdw_exprs so the executor can
 * evaluate them.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/lsyscache.h"

typedef enum QualKind
{
	QUAL_SCALAR,				/* col op value */
	QUAL_ANY,					/* col op ANY(array) */
	QUAL_ALL,					/* col op ALL(array) */
	QUAL_IS_NULL,
	QUAL_IS_NOT_NULL,
	QUAL_BOOL_TRUE,				/* WHERE flag; flag IS [NOT] TRUE */
	QUAL_BOOL_FALSE,			/* WHERE NOT flag; flag IS [NOT] FALSE */
	QUAL_BOOL_UNKNOWN			/* flag IS [NOT] UNKNOWN */
} QualKind;

/*
 * The column of relation "relid" this expression is once binary-compatible
 * casts (RelabelType) are stripped, or NULL: a plain Var of this query level
 * with a user column's attnum.
 */
Var *
host_rel_var(Node *node, Index relid)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (node && IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		if (var->varno == relid && var->varlevelsup == 0 && var->varattno > 0)
			return var;
	}
	return NULL;
}

static List *qual_entry(AttrNumber attnum, const char *opname, QualKind kind, int expr_index);

static Var *
our_var(Node *node, RelOptInfo *baserel)
{
	return host_rel_var(node, baserel->relid);
}

/* x IS [NOT] TRUE/FALSE/UNKNOWN on a boolean column of ours. */
static List *
boolean_test_entry(BooleanTest *test, RelOptInfo *baserel)
{
	Var		   *var = our_var((Node *) test->arg, baserel);
	bool		negated = false;
	QualKind	kind;

	if (var == NULL || var->vartype != BOOLOID)
		return NIL;
	switch (test->booltesttype)
	{
		case IS_NOT_TRUE:
			negated = true;
			/* FALLTHROUGH */
		case IS_TRUE:
			kind = QUAL_BOOL_TRUE;
			break;
		case IS_NOT_FALSE:
			negated = true;
			/* FALLTHROUGH */
		case IS_FALSE:
			kind = QUAL_BOOL_FALSE;
			break;
		case IS_NOT_UNKNOWN:
			negated = true;
			/* FALLTHROUGH */
		case IS_UNKNOWN:
			kind = QUAL_BOOL_UNKNOWN;
			break;
		default:
			return NIL;
	}
	return qual_entry(var->varattno, negated ? "IS NOT" : "IS", kind, -1);
}

/* Can this expression be evaluated before scanning our relation? */
static bool
usable_value(PlannerInfo *root, Node *node, RelOptInfo *baserel)
{
	Relids		varnos = pull_varnos(root, node);

	return !bms_is_member(baserel->relid, varnos) &&
		!contain_volatile_functions(node) &&
		!contain_subplans(node);
}

static List *
qual_entry(AttrNumber attnum, const char *opname, QualKind kind, int expr_index)
{
	return list_make4(makeInteger(attnum), makeString(pstrdup(opname)),
					  makeInteger(kind), makeInteger(expr_index));
}

static List *
recognise(PlannerInfo *root, RelOptInfo *baserel, Expr *clause, List **exprs)
{
	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;
		Var		   *var;
		Node	   *other;
		Oid			opno = op->opno;

		if (list_length(op->args) != 2)
			return NIL;
		if ((var = our_var(linitial(op->args), baserel)) != NULL)
			other = lsecond(op->args);
		else if ((var = our_var(lsecond(op->args), baserel)) != NULL)
		{
			other = linitial(op->args);
			opno = get_commutator(opno);
			if (!OidIsValid(opno))
				return NIL;
		}
		else
			return NIL;
		if (!usable_value(root, other, baserel))
			return NIL;
		*exprs = lappend(*exprs, other);
		return qual_entry(var->varattno, get_opname(opno), QUAL_SCALAR, list_length(*exprs) - 1);
	}
	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *op = (ScalarArrayOpExpr *) clause;
		Var		   *var = our_var(linitial(op->args), baserel);
		Node	   *other = lsecond(op->args);

		if (var == NULL || !usable_value(root, other, baserel))
			return NIL;
		*exprs = lappend(*exprs, other);
		return qual_entry(var->varattno, get_opname(op->opno),
						  op->useOr ? QUAL_ANY : QUAL_ALL, list_length(*exprs) - 1);
	}
	if (IsA(clause, NullTest))
	{
		NullTest   *test = (NullTest *) clause;
		Var		   *var = our_var((Node *) test->arg, baserel);

		if (var == NULL || test->argisrow)
			return NIL;
		return qual_entry(var->varattno, test->nulltesttype == IS_NULL ? "=" : "<>",
						  test->nulltesttype == IS_NULL ? QUAL_IS_NULL : QUAL_IS_NOT_NULL, -1);
	}
	if (IsA(clause, BooleanTest))
		return boolean_test_entry((BooleanTest *) clause, baserel);
	if (IsA(clause, Var))
	{
		Var		   *var = our_var((Node *) clause, baserel);

		if (var != NULL && var->vartype == BOOLOID)
			return qual_entry(var->varattno, "=", QUAL_BOOL_TRUE, -1);
		return NIL;
	}
	if (IsA(clause, BoolExpr) && ((BoolExpr *) clause)->boolop == NOT_EXPR)
	{
		Var		   *var = our_var(linitial(((BoolExpr *) clause)->args), baserel);

		if (var != NULL && var->vartype == BOOLOID)
			return qual_entry(var->varattno, "=", QUAL_BOOL_FALSE, -1);
	}
	return NIL;
}

/*
 * Recognise the usable clauses among "clauses" (RestrictInfos or bare
 * expressions).  Right-hand expressions are appended to *exprs.
 */
List *
host_extract_quals(PlannerInfo *root, RelOptInfo *baserel, List *clauses, List **exprs)
{
	List	   *quals = NIL;
	ListCell   *lc;

	foreach(lc, clauses)
	{
		Expr	   *clause = (Expr *) lfirst(lc);
		List	   *qual;

		if (IsA(clause, RestrictInfo))
			clause = ((RestrictInfo *) clause)->clause;
		qual = recognise(root, baserel, clause, exprs);
		if (qual != NIL)
			quals = lappend(quals, qual);
	}
	return quals;
}

static PyObject *
qual_value(Node *expr, ExprState *state, ExprContext *econtext, QualValueMode mode,
		   bool *skip)
{
	*skip = false;
	if (mode == QUALS_EVALUATE && state != NULL)
	{
		bool		isnull;
		Datum		value = ExecEvalExpr(state, econtext, &isnull);

		return host_datum_to_py(value, isnull, exprType(expr));
	}
	if (IsA(expr, Const))
	{
		Const	   *c = (Const *) expr;

		return host_datum_to_py(c->constvalue, c->constisnull, c->consttype);
	}
	if (mode == QUALS_CONST_ONLY)
	{
		*skip = true;
		return NULL;
	}
	return PyUnicode_FromString("?");	/* a Param not evaluated under plain EXPLAIN */
}

PyObject *
host_quals_to_py(List *quals, List *exprs, List *exprstates, ExprContext *econtext,
				 TupleDesc tupdesc, QualValueMode mode)
{
	PyObject   *result = PyList_New(0);
	PyObject   *qual_class = host_api_object("Qual");
	ListCell   *lc;

	foreach(lc, quals)
	{
		List	   *entry = (List *) lfirst(lc);
		AttrNumber	attnum = intVal(linitial(entry));
		char	   *opname = strVal(lsecond(entry));
		QualKind	kind = intVal(lthird(entry));
		int			index = intVal(lfourth(entry));
		PyObject   *operator;
		PyObject   *value;
		PyObject   *qual;
		bool		skip = false;

		switch (kind)
		{
			case QUAL_IS_NULL:
			case QUAL_IS_NOT_NULL:
			case QUAL_BOOL_UNKNOWN:
				value = (Py_INCREF(Py_None), Py_None);
				break;
			case QUAL_BOOL_TRUE:
				value = (Py_INCREF(Py_True), Py_True);
				break;
			case QUAL_BOOL_FALSE:
				value = (Py_INCREF(Py_False), Py_False);
				break;
			default:
				value = qual_value(list_nth(exprs, index),
								   exprstates ? list_nth(exprstates, index) : NULL,
								   econtext, mode, &skip);
				break;
		}
		if (skip)
			continue;
		if (kind == QUAL_ANY || kind == QUAL_ALL)
			operator = Py_BuildValue("(sO)", opname, kind == QUAL_ANY ? Py_True : Py_False);
		else
			operator = PyUnicode_FromString(opname);
		qual = host_call_method(qual_class, "__call__",
								Py_BuildValue("(NNN)",
											  host_py_str(NameStr(TupleDescAttr(tupdesc, attnum - 1)->attname)),
											  operator, value),
								NULL);
		PyList_Append(result, qual);
		Py_DECREF(qual);
	}
	return result;
}
