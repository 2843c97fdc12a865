/*-------------------------------------------------------------------------
 *
 * convert.c
 *		  Exact conversion between PostgreSQL Datums and Python objects.
 *
 * PostgreSQL -> Python: int2/4/8 -> int, float4/8 -> float, numeric ->
 * Decimal (no loss), bool -> bool, date -> date, timestamp -> naive
 * datetime, timestamptz -> aware datetime in UTC (microseconds kept),
 * json/jsonb -> parsed objects, bytea -> bytes, arrays -> lists (NULL
 * elements -> None), text-like -> str, anything else -> its output text.
 *
 * Python -> PostgreSQL: native fast paths for ints, floats, bools, text and
 * bytes; bytes into any other type are decoded as UTF-8 first; dict/list
 * into json(b) via json.dumps; lists into arrays with None as NULL, nested
 * lists as dimensions up to the column's declared ones (varchar[][]: two);
 * a dict into any other type as hstore text ("key"=>"value"); date/datetime
 * via isoformat; everything else (a list into text included) through str()
 * and the column type's input function, so PostgreSQL's input syntax applies.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/* Python's datetime.h uses the same include guard as utils/datetime.h */
#undef DATETIME_H
#include <datetime.h>

static PyObject *decimal_class = NULL;
static PyObject *json_loads = NULL;
static PyObject *json_dumps = NULL;
static bool server_is_utf8 = false;

void
host_convert_init(void)
{
	PyObject   *decimal_module;
	PyObject   *json_module;

	PyDateTime_IMPORT;
	decimal_module = PyImport_ImportModule("decimal");
	json_module = PyImport_ImportModule("json");
	if (PyDateTimeAPI == NULL || decimal_module == NULL || json_module == NULL)
		host_report_python_error(ERROR, "importing datetime, decimal and json");
	decimal_class = PyObject_GetAttrString(decimal_module, "Decimal");
	json_loads = PyObject_GetAttrString(json_module, "loads");
	json_dumps = PyObject_GetAttrString(json_module, "dumps");
	Py_DECREF(decimal_module);
	Py_DECREF(json_module);
	if (decimal_class == NULL || json_loads == NULL || json_dumps == NULL)
		host_report_python_error(ERROR, "importing datetime, decimal and json");
	server_is_utf8 = (GetDatabaseEncoding() == PG_UTF8);
}

/* ---------- PostgreSQL -> Python ---------- */

static PyObject *
text_bytes_to_py(const char *data, int len)
{
	PyObject   *result;

	if (server_is_utf8)
		result = PyUnicode_DecodeUTF8(data, len, "replace");
	else
	{
		char	   *copy = pnstrdup(data, len);

		result = host_py_str(copy);
		pfree(copy);
	}
	if (result == NULL)
		host_report_python_error(ERROR, "decoding text");
	return result;
}

static PyObject *
output_text_to_py(Datum value, Oid typid)
{
	Oid			outfunc;
	bool		isvarlena;
	char	   *text;
	PyObject   *result;

	getTypeOutputInfo(typid, &outfunc, &isvarlena);
	text = OidOutputFunctionCall(outfunc, value);
	result = host_py_str(text);
	pfree(text);
	return result;
}

static PyObject *
call_one(PyObject *callable, PyObject *arg, const char *what)
{
	PyObject   *result = PyObject_CallOneArg(callable, arg);

	Py_DECREF(arg);
	if (result == NULL)
		host_report_python_error(ERROR, what);
	return result;
}

static PyObject *
timestamp_to_py(Timestamp ts, bool with_zone, Oid typid)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_NOT_FINITE(ts) ||
		timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0 ||
		tm.tm_year < 1 || tm.tm_year > 9999)
		return output_text_to_py(TimestampGetDatum(ts), typid);	/* no Python equivalent */
	return PyDateTimeAPI->DateTime_FromDateAndTime(tm.tm_year, tm.tm_mon, tm.tm_mday,
												   tm.tm_hour, tm.tm_min, tm.tm_sec, fsec,
												   with_zone ? PyDateTime_TimeZone_UTC : Py_None,
												   PyDateTimeAPI->DateTimeType);
}

static PyObject *
array_to_py(Datum value)
{
	ArrayType  *array = DatumGetArrayTypeP(value);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		elemlen;
	bool		elembyval;
	char		elemalign;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	PyObject   *list;

	get_typlenbyvalalign(elemtype, &elemlen, &elembyval, &elemalign);
	deconstruct_array(array, elemtype, elemlen, elembyval, elemalign,
					  &elems, &nulls, &nelems);
	if (ARR_NDIM(array) > 1)
	{
		/* nested lists, innermost dimension last */
		int			ndim = ARR_NDIM(array);
		int		   *dims = ARR_DIMS(array);
		PyObject  **level_items = palloc(sizeof(PyObject *) * nelems);
		int			count = nelems;
		int			i,
					d;

		for (i = 0; i < nelems; i++)
			level_items[i] = host_datum_to_py(elems[i], nulls[i], elemtype);
		for (d = ndim - 1; d > 0; d--)
		{
			int			width = dims[d];
			int			groups = count / width;

			for (i = 0; i < groups; i++)
			{
				PyObject   *group = PyList_New(width);
				int			j;

				for (j = 0; j < width; j++)
					PyList_SET_ITEM(group, j, level_items[i * width + j]);
				level_items[i] = group;
			}
			count = groups;
		}
		list = PyList_New(count);
		for (i = 0; i < count; i++)
			PyList_SET_ITEM(list, i, level_items[i]);
		pfree(level_items);
		return list;
	}
	list = PyList_New(nelems);
	for (int i = 0; i < nelems; i++)
		PyList_SET_ITEM(list, i, host_datum_to_py(elems[i], nulls[i], elemtype));
	return list;
}

PyObject *
host_datum_to_py(Datum value, bool isnull, Oid typid)
{
	if (isnull)
		Py_RETURN_NONE;
	switch (typid)
	{
		case BOOLOID:
			return PyBool_FromLong(DatumGetBool(value));
		case INT2OID:
			return PyLong_FromLong(DatumGetInt16(value));
		case INT4OID:
			return PyLong_FromLong(DatumGetInt32(value));
		case INT8OID:
			return PyLong_FromLongLong(DatumGetInt64(value));
		case OIDOID:
			return PyLong_FromUnsignedLong(DatumGetObjectId(value));
		case FLOAT4OID:
			return PyFloat_FromDouble(DatumGetFloat4(value));
		case FLOAT8OID:
			return PyFloat_FromDouble(DatumGetFloat8(value));
		case NUMERICOID:
			{
				char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, value));
				PyObject   *str = PyUnicode_FromString(text);

				pfree(text);
				return call_one(decimal_class, str, "building a Decimal");
			}
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case XMLOID:
			{
				text	   *t = DatumGetTextPP(value);

				return text_bytes_to_py(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			}
		case NAMEOID:
			return text_bytes_to_py(NameStr(*DatumGetName(value)),
									strlen(NameStr(*DatumGetName(value))));
		case BYTEAOID:
			{
				bytea	   *b = DatumGetByteaPP(value);

				return PyBytes_FromStringAndSize(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
			}
		case DATEOID:
			{
				DateADT		d = DatumGetDateADT(value);
				int			year,
							month,
							day;

				if (DATE_NOT_FINITE(d))
					return output_text_to_py(value, typid);
				j2date(d + POSTGRES_EPOCH_JDATE, &year, &month, &day);
				if (year < 1 || year > 9999)
					return output_text_to_py(value, typid);
				return PyDate_FromDate(year, month, day);
			}
		case TIMESTAMPOID:
			return timestamp_to_py(DatumGetTimestamp(value), false, typid);
		case TIMESTAMPTZOID:
			return timestamp_to_py(DatumGetTimestampTz(value), true, typid);
		case JSONOID:
		case JSONBOID:
			return call_one(json_loads, output_text_to_py(value, typid), "parsing json");
		default:
			if (type_is_array(typid))
				return array_to_py(value);
			return output_text_to_py(value, typid);
	}
}

/* ---------- Python -> PostgreSQL ---------- */

void
host_column_init(HostColumn *col, const char *name, Oid typid, int32 typmod)
{
	Oid			infunc;

	col->name = pstrdup(name);
	col->py_name = host_py_str(name);
	col->typid = typid;
	col->typmod = typmod;
	getTypeInputInfo(typid, &infunc, &col->ioparam);
	fmgr_info(infunc, &col->infunc);
	col->elemtypid = get_element_type(typid);
	col->element = NULL;
	col->ndims = 0;
	if (OidIsValid(col->elemtypid))
	{
		col->element = palloc0(sizeof(HostColumn));
		host_column_init(col->element, name, col->elemtypid, -1);
		get_typlenbyvalalign(col->elemtypid, &col->elem_len, &col->elem_byval,
							 &col->elem_align);
	}
}

HostColumns *
host_columns_build(TupleDesc tupdesc)
{
	HostColumns *cols = palloc0(sizeof(HostColumns));
	int			position = 0;

	cols->natts = tupdesc->natts;
	cols->by_attnum = palloc0(sizeof(HostColumn *) * Max(tupdesc->natts, 1));
	cols->columns = palloc0(sizeof(HostColumn) * Max(tupdesc->natts, 1));
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		HostColumn *col;

		if (att->attisdropped)
			continue;
		col = &cols->columns[position];
		host_column_init(col, NameStr(att->attname), att->atttypid, att->atttypmod);
		col->ndims = att->attndims;
		col->attnum = i + 1;
		col->position = position++;
		cols->by_attnum[i] = col;
	}
	cols->ncolumns = position;
	return cols;
}

static Datum
input_from_text(PyObject *obj, HostColumn *col)
{
	char	   *text = host_py_to_cstring(obj);
	Datum		result;

	result = InputFunctionCall(&col->infunc, text, col->ioparam, col->typmod);
	pfree(text);
	return result;
}

static Datum
text_datum_from_str(PyObject *obj)
{
	Py_ssize_t	len;
	const char *utf8 = PyUnicode_AsUTF8AndSize(obj, &len);
	char	   *server;
	Datum		result;

	if (utf8 == NULL)
		host_report_python_error(ERROR, "encoding text");
	if (memchr(utf8, '\0', len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("the wrapper returned text containing a NUL (0x00) character"),
				 errhint("PostgreSQL text cannot hold NUL: the wrapper must remove or replace it.")));
	if (server_is_utf8)
		return PointerGetDatum(cstring_to_text_with_len(utf8, len));
	server = pg_any_to_server(utf8, len, PG_UTF8);
	result = PointerGetDatum(cstring_to_text(server));
	if (server != utf8)
		pfree(server);
	return result;
}

static void
wrong_python_type(PyObject *obj, HostColumn *col)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("cannot convert Python %s to type %s for column \"%s\"",
					Py_TYPE(obj)->tp_name, format_type_with_typemod(col->typid, col->typmod),
					col->name)));
}

static int64
python_int(PyObject *obj, HostColumn *col, int64 min, int64 max)
{
	int			overflow;
	long long	value = PyLong_AsLongLongAndOverflow(obj, &overflow);

	if (value == -1 && PyErr_Occurred())
		host_report_python_error(ERROR, "converting an int");
	if (overflow || value < min || value > max)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range for type %s in column \"%s\"",
						format_type_be(col->typid), col->name)));
	return value;
}

static bool
is_python_array(PyObject *obj)
{
	return PyList_Check(obj) || PyTuple_Check(obj);
}

static void
mismatched_dimensions(HostColumn *col)
{
	ereport(ERROR,
			(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
			 errmsg("multidimensional arrays must have sub-arrays with matching dimensions"),
			 errdetail("The wrapper returned nested lists of different lengths for column \"%s\".",
					   col->name)));
}

/* Convert the elements of nested lists, depth-first, into elems/nulls. */
static void
fill_array(PyObject *seq, int depth, int ndims, int *dims, HostColumn *col,
		   Datum *elems, bool *nulls, int *position)
{
	if (!is_python_array(seq) || PySequence_Fast_GET_SIZE(seq) != dims[depth])
		mismatched_dimensions(col);
	for (int i = 0; i < dims[depth]; i++)
	{
		PyObject   *item = PySequence_Fast_GET_ITEM(seq, i);

		if (depth + 1 < ndims)
			fill_array(item, depth + 1, ndims, dims, col, elems, nulls, position);
		else
		{
			elems[*position] = host_py_to_datum(item, col->element, &nulls[*position]);
			(*position)++;
		}
	}
}

/*
 * A list (or tuple) into an array column.  Nested lists become dimensions,
 * as many as the column declares (at least one); lists nested deeper are
 * elements, converted like any value of the element type.
 */
static Datum
array_from_sequence(PyObject *obj, HostColumn *col)
{
	int			maxdims = Min(Max(col->ndims, 1), MAXDIM);
	int			ndims = 0;
	int			dims[MAXDIM];
	int			lbs[MAXDIM];
	int			nitems = 1;
	int			position = 0;
	PyObject   *level = obj;
	Datum	   *elems;
	bool	   *nulls;

	while (ndims < maxdims && is_python_array(level))
	{
		Py_ssize_t	size = PySequence_Fast_GET_SIZE(level);

		if (size > MaxArraySize / Max(nitems, 1))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("array size exceeds the maximum allowed (%d)", (int) MaxArraySize)));
		dims[ndims] = (int) size;
		lbs[ndims] = 1;
		nitems *= (int) size;
		ndims++;
		if (size == 0)
			break;
		level = PySequence_Fast_GET_ITEM(level, 0);
	}
	if (nitems == 0)
		return PointerGetDatum(construct_empty_array(col->elemtypid));
	elems = palloc(sizeof(Datum) * nitems);
	nulls = palloc(sizeof(bool) * nitems);
	fill_array(obj, 0, ndims, dims, col, elems, nulls, &position);
	return PointerGetDatum(construct_md_array(elems, nulls, ndims, dims, lbs,
											  col->elemtypid, col->elem_len,
											  col->elem_byval, col->elem_align));
}

/* A dict as hstore's text form: "key"=>"value", NULL for None. */
static char *
hstore_text(PyObject *dict)
{
	StringInfoData buf;
	PyObject   *key;
	PyObject   *value;
	Py_ssize_t	pos = 0;

	initStringInfo(&buf);
	while (PyDict_Next(dict, &pos, &key, &value))
	{
		const char *parts[2];

		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		parts[0] = host_py_to_cstring(key);
		parts[1] = value == Py_None ? NULL : host_py_to_cstring(value);
		for (int i = 0; i < 2; i++)
		{
			if (i == 1)
				appendStringInfoString(&buf, "=>");
			if (parts[i] == NULL)
			{
				appendStringInfoString(&buf, "NULL");
				continue;
			}
			appendStringInfoChar(&buf, '"');
			for (const char *c = parts[i]; *c; c++)
			{
				if (*c == '"' || *c == '\\')
					appendStringInfoChar(&buf, '\\');
				appendStringInfoChar(&buf, *c);
			}
			appendStringInfoChar(&buf, '"');
		}
	}
	return buf.data;
}

/* bytes for a column that is not bytea: its UTF-8 text, as a new str. */
static PyObject *
decoded_bytes(PyObject *obj, HostColumn *col)
{
	Py_buffer	view;
	PyObject   *text;

	if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
		host_report_python_error(ERROR, "reading bytes");
	text = PyUnicode_DecodeUTF8(view.buf, view.len, "strict");
	PyBuffer_Release(&view);
	if (text == NULL)
	{
		PyErr_Clear();
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("bytes returned for column \"%s\" are not valid UTF-8", col->name),
				 errhint("Return str, or bytes encoded as UTF-8; only a bytea column takes raw bytes.")));
	}
	return text;
}

static Datum
json_from_python(PyObject *obj, HostColumn *col)
{
	PyObject   *text;
	Datum		result;

	if (PyUnicode_Check(obj))
		return input_from_text(obj, col);
	Py_INCREF(obj);
	text = call_one(json_dumps, obj, "serializing json");
	result = input_from_text(text, col);
	Py_DECREF(text);
	return result;
}

Datum
host_py_to_datum(PyObject *obj, HostColumn *col, bool *isnull)
{
	*isnull = (obj == NULL || obj == Py_None);
	if (*isnull)
		return (Datum) 0;

	if (col->typid != BYTEAOID && (PyBytes_Check(obj) || PyByteArray_Check(obj)))
	{
		PyObject   *text = decoded_bytes(obj, col);
		Datum		result;

		PG_TRY();
		{
			result = host_py_to_datum(text, col, isnull);
		}
		PG_FINALLY();
		{
			Py_DECREF(text);
		}
		PG_END_TRY();
		return result;
	}

	switch (col->typid)
	{
		case BOOLOID:
			if (PyBool_Check(obj))
				return BoolGetDatum(obj == Py_True);
			break;
		case INT2OID:
		case INT4OID:
		case INT8OID:
			if (PyBool_Check(obj))
				wrong_python_type(obj, col);
			if (PyLong_Check(obj))
			{
				if (col->typid == INT2OID)
					return Int16GetDatum(python_int(obj, col, PG_INT16_MIN, PG_INT16_MAX));
				if (col->typid == INT4OID)
					return Int32GetDatum(python_int(obj, col, PG_INT32_MIN, PG_INT32_MAX));
				return Int64GetDatum(python_int(obj, col, PG_INT64_MIN, PG_INT64_MAX));
			}
			break;
		case FLOAT4OID:
		case FLOAT8OID:
			if (PyFloat_Check(obj) || (PyLong_Check(obj) && !PyBool_Check(obj)))
			{
				double		d = PyFloat_AsDouble(obj);

				if (d == -1.0 && PyErr_Occurred())
					host_report_python_error(ERROR, "converting a float");
				return col->typid == FLOAT4OID ? Float4GetDatum((float4) d) : Float8GetDatum(d);
			}
			break;
		case TEXTOID:
			if (PyUnicode_Check(obj))
				return text_datum_from_str(obj);
			break;
		case VARCHAROID:
			if (PyUnicode_Check(obj) && col->typmod < 0)
				return text_datum_from_str(obj);
			break;
		case BYTEAOID:
			if (PyBytes_Check(obj) || PyByteArray_Check(obj) || PyMemoryView_Check(obj))
			{
				Py_buffer	view;
				bytea	   *result;

				if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
					host_report_python_error(ERROR, "reading bytes");
				result = palloc(VARHDRSZ + view.len);
				SET_VARSIZE(result, VARHDRSZ + view.len);
				memcpy(VARDATA(result), view.buf, view.len);
				PyBuffer_Release(&view);
				return PointerGetDatum(result);
			}
			break;
		case JSONOID:
		case JSONBOID:
			return json_from_python(obj, col);
		default:
			if (col->element != NULL && (PyList_Check(obj) || PyTuple_Check(obj)))
				return array_from_sequence(obj, col);
			break;
	}
	if (PyDate_Check(obj) || PyTime_Check(obj))
	{
		PyObject   *iso = PyObject_CallMethod(obj, "isoformat", NULL);
		Datum		result;

		if (iso == NULL)
			host_report_python_error(ERROR, "formatting a date");
		result = input_from_text(iso, col);
		Py_DECREF(iso);
		return result;
	}
	if (PyDict_Check(obj))
	{
		char	   *text = hstore_text(obj);
		Datum		result = InputFunctionCall(&col->infunc, text, col->ioparam, col->typmod);

		pfree(text);
		return result;
	}
	return input_from_text(obj, col);
}

/* ---------- rows ---------- */

typedef struct RowContext
{
	HostColumn *current;
} RowContext;

static void
row_error_callback(void *arg)
{
	RowContext *ctx = (RowContext *) arg;

	if (ctx->current != NULL)
		errcontext("converting the value of column \"%s\" returned by the wrapper",
				   ctx->current->name);
}

static PyObject *
mapping_item(PyObject *row, HostColumn *col, bool is_dict)
{
	PyObject   *item;

	if (is_dict)
	{
		item = PyDict_GetItemWithError(row, col->py_name);
		if (item == NULL && PyErr_Occurred())
			host_report_python_error(ERROR, "reading a row");
		Py_XINCREF(item);
		return item;
	}
	item = PyObject_GetItem(row, col->py_name);
	if (item == NULL)
	{
		if (!PyErr_ExceptionMatches(PyExc_KeyError))
			host_report_python_error(ERROR, "reading a row");
		PyErr_Clear();
	}
	return item;
}

/*
 * Store one row returned by Python into a virtual slot.  A mapping is read
 * by column name (missing keys are NULL); a sequence must hold a value for
 * every non-dropped column in table order.  Only columns with wanted[attnum-1]
 * are converted (all when wanted is NULL); the others are NULL.
 */
void
host_store_py_row(PyObject *row, HostColumns *cols, TupleTableSlot *slot, bool *wanted)
{
	ErrorContextCallback errcallback;
	RowContext	ctx = {NULL};
	PyObject   *seq = NULL;
	bool		is_dict = PyDict_Check(row);
	bool		is_mapping = is_dict;

	if (!is_dict)
	{
		if (PyUnicode_Check(row) || PyBytes_Check(row))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("wrapper returned a %s as a row", Py_TYPE(row)->tp_name),
					 errhint("Yield a mapping of column names to values, or a tuple of all column values.")));
		if (PyTuple_Check(row) || PyList_Check(row))
			seq = (Py_INCREF(row), row);
		else if (PyObject_HasAttrString(row, "keys"))
			is_mapping = true;
		else if (PySequence_Check(row))
		{
			seq = PySequence_Fast(row, "row");
			if (seq == NULL)
				host_report_python_error(ERROR, "reading a row");
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("wrapper returned a %s as a row", Py_TYPE(row)->tp_name),
					 errhint("Yield a mapping of column names to values, or a tuple of all column values.")));
	}
	if (seq != NULL && PySequence_Fast_GET_SIZE(seq) < cols->ncolumns)
	{
		Py_ssize_t	size = PySequence_Fast_GET_SIZE(seq);

		Py_DECREF(seq);
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("wrapper returned a row of %zd values for a table of %d columns",
						size, cols->ncolumns),
				 errhint("A sequence row needs a value for every column in table order; "
						 "a mapping may leave columns out.")));
	}

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	errcallback.callback = row_error_callback;
	errcallback.arg = &ctx;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	for (int i = 0; i < cols->ncolumns; i++)
	{
		HostColumn *col = &cols->columns[i];
		int			att = col->attnum - 1;

		if (wanted != NULL && !wanted[att])
			continue;
		ctx.current = col;
		if (is_mapping)
		{
			PyObject   *item = mapping_item(row, col, is_dict);

			slot->tts_values[att] = host_py_to_datum(item, col, &slot->tts_isnull[att]);
			Py_XDECREF(item);
		}
		else
			slot->tts_values[att] = host_py_to_datum(PySequence_Fast_GET_ITEM(seq, col->position),
													 col, &slot->tts_isnull[att]);
	}
	error_context_stack = errcallback.previous;
	Py_XDECREF(seq);
	ExecStoreVirtualTuple(slot);
}

/* All non-dropped columns of a slot as a {name: value} dict. */
PyObject *
host_slot_to_dict(TupleTableSlot *slot, HostColumns *cols)
{
	PyObject   *dict = PyDict_New();

	slot_getallattrs(slot);
	for (int i = 0; i < cols->ncolumns; i++)
	{
		HostColumn *col = &cols->columns[i];
		int			att = col->attnum - 1;
		PyObject   *value = host_datum_to_py(slot->tts_values[att], slot->tts_isnull[att],
											 col->typid);

		PyDict_SetItem(dict, col->py_name, value);
		Py_DECREF(value);
	}
	return dict;
}
