/*-------------------------------------------------------------------------
 *
 * interrupts.c
 *		  Deliver query cancels and terminations into running Python code.
 *
 * PostgreSQL's handlers only set flags, which the backend checks between
 * rows; while a wrapper sits in Python (an HTTP wait, a sleep, a loop) no
 * check happens.  We wrap the SIGINT and SIGTERM handlers: after
 * PostgreSQL's own handler ran, if Python is on the stack, we ask Python to
 * run its SIGINT handler at the next opportunity (PyErr_SetInterruptEx is
 * async-signal-safe).  That handler, installed from Python at start-up,
 * raises hubspot_fdw.host.QueryCanceled when a cancel is really pending, so
 * the exception unwinds the wrapper's frames normally (finally blocks run)
 * and C then raises PostgreSQL's real cancel error.  Nothing ever longjmps
 * through the interpreter.  statement_timeout arrives as a SIGINT the
 * backend sends itself, so it takes the same path.
 *
 * The signal also interrupts poll()/select(), which Linux never restarts, so
 * a blocking socket wait with a timeout returns to Python at once.
 *
 * A wrapper may hold interrupts (hold_interrupts / resume_interrupts in
 * pymodule.c) around a request that changes something remote: while held,
 * a cancel is only recorded (PostgreSQL's flags stay set, Python is not
 * interrupted and HOLD_INTERRUPTS keeps CHECK_FOR_INTERRUPTS quiet), so the
 * request runs to its answer or its own timeout; the wrapper then asks
 * cancel_pending() and reports what the remote side did.
 *
 *-------------------------------------------------------------------------
 */
#include "hubspot_fdw.h"

#include <signal.h>

#include "miscadmin.h"

static pqsigfunc pg_sigint_handler = NULL;
static pqsigfunc pg_sigterm_handler = NULL;

/* hold_interrupts() depth; reset when a transaction aborts */
int			host_interrupts_held = 0;

bool
host_cancel_pending(void)
{
	return InterruptPending && (QueryCancelPending || ProcDiePending);
}

static void
interrupt_python_if_running(void)
{
	if (host_python_depth > 0 && host_interrupts_held == 0 && host_cancel_pending())
		PyErr_SetInterruptEx(SIGINT);
}

static void
host_sigint(SIGNAL_ARGS)
{
	int			save_errno = errno;

	if (pg_sigint_handler != NULL && pg_sigint_handler != SIG_IGN &&
		pg_sigint_handler != SIG_DFL)
		pg_sigint_handler(postgres_signal_arg);
	interrupt_python_if_running();
	errno = save_errno;
}

static void
host_sigterm(SIGNAL_ARGS)
{
	int			save_errno = errno;

	if (pg_sigterm_handler != NULL && pg_sigterm_handler != SIG_IGN &&
		pg_sigterm_handler != SIG_DFL)
		pg_sigterm_handler(postgres_signal_arg);
	interrupt_python_if_running();
	errno = save_errno;
}

void
host_install_interrupt_handlers(void)
{
	PyObject   *result;

	/* Remember PostgreSQL's handlers before Python's signal module runs. */
	pg_sigint_handler = pqsignal(SIGINT, SIG_IGN);
	pg_sigterm_handler = pqsignal(SIGTERM, SIG_IGN);

	/*
	 * Register the Python-level SIGINT handler (this also installs Python's
	 * C handler, which we replace right after: only the Python-level entry
	 * matters, because PyErr_SetInterruptEx runs it).
	 */
	{
		PyObject   *signal_module = PyImport_ImportModule("signal");
		PyObject   *host_module = PyImport_ImportModule("_hubspot_fdw_host");
		PyObject   *handler = NULL;

		result = NULL;
		if (signal_module != NULL && host_module != NULL)
			handler = PyObject_GetAttrString(host_module, "on_cancel_signal");
		if (handler != NULL)
			result = PyObject_CallMethod(signal_module, "signal", "iO", SIGINT, handler);
		Py_XDECREF(signal_module);
		Py_XDECREF(host_module);
		Py_XDECREF(handler);
	}
	if (result == NULL)
	{
		pqsignal(SIGINT, pg_sigint_handler);
		pqsignal(SIGTERM, pg_sigterm_handler);
		host_report_python_error(ERROR, "installing the cancel handler");
	}
	Py_DECREF(result);

	pqsignal(SIGINT, host_sigint);
	pqsignal(SIGTERM, host_sigterm);
}
