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

/* PostgreSQL's own actions for SIGINT and SIGTERM, which ours chain to */
static struct sigaction pg_sigint_action;
static struct sigaction pg_sigterm_action;

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

/* Run the action PostgreSQL had installed (a plain handler or, if so, a siginfo one). */
static void
run_pg_action(const struct sigaction *action, int signo, siginfo_t *info, void *context)
{
	if (action->sa_flags & SA_SIGINFO)
	{
		if (action->sa_sigaction != NULL)
			action->sa_sigaction(signo, info, context);
	}
	else if (action->sa_handler != NULL && action->sa_handler != SIG_IGN &&
			 action->sa_handler != SIG_DFL)
		action->sa_handler(signo);
}

static void
host_sigint(int signo, siginfo_t *info, void *context)
{
	int			save_errno = errno;

	run_pg_action(&pg_sigint_action, signo, info, context);
	interrupt_python_if_running();
	errno = save_errno;
}

static void
host_sigterm(int signo, siginfo_t *info, void *context)
{
	int			save_errno = errno;

	run_pg_action(&pg_sigterm_action, signo, info, context);
	interrupt_python_if_running();
	errno = save_errno;
}

/*
 * Install a signal action with sigaction() itself: since PostgreSQL 17
 * pqsignal() records the handler in a table its own wrapper reads (which our
 * handler must not overwrite: it calls the wrapper), and since 18 it does not
 * return the previous handler.  old: where the previous action goes, or NULL.
 */
static void
set_action(int signo, void (*handler) (int, siginfo_t *, void *), struct sigaction *old)
{
	struct sigaction action;

	memset(&action, 0, sizeof(action));
	sigemptyset(&action.sa_mask);
	action.sa_flags = SA_RESTART | SA_SIGINFO;
	action.sa_sigaction = handler;
	sigaction(signo, &action, old);
}

static void
ignore_signal(int signo, struct sigaction *old)
{
	struct sigaction action;

	memset(&action, 0, sizeof(action));
	sigemptyset(&action.sa_mask);
	action.sa_handler = SIG_IGN;
	sigaction(signo, &action, old);
}

void
host_install_interrupt_handlers(void)
{
	PyObject   *result;

	/* Remember PostgreSQL's handlers before Python's signal module runs. */
	ignore_signal(SIGINT, &pg_sigint_action);
	ignore_signal(SIGTERM, &pg_sigterm_action);

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
		sigaction(SIGINT, &pg_sigint_action, NULL);
		sigaction(SIGTERM, &pg_sigterm_action, NULL);
		host_report_python_error(ERROR, "installing the cancel handler");
	}
	Py_DECREF(result);

	set_action(SIGINT, host_sigint, NULL);
	set_action(SIGTERM, host_sigterm, NULL);
}
