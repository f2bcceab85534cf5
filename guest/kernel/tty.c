/*
 * ringos: the console's line discipline (include/tty.h). Input arrives in
 * interrupt context (the port's handler); readers sleep on the tty. The
 * settings that act: ICRNL, INLCR, IGNCR (input),
 * ICANON (VERASE, VKILL, VWERASE, VEOF, VEOL), VMIN/VTIME, ECHO, ECHOE,
 * ECHOK, ECHONL, ECHOCTL, ISIG (VINTR, VQUIT, VSUSP), NOFLSH, TOSTOP. The
 * rest is stored and given back.
 */
#include "tty.h"
#include "uapi/errno.h"
#include "kernel.h"
#include "poll.h"
#include "proc.h"

#define IGNCR   0x080
#define ICRNL   0x100
#define INLCR   0x040
#define ISIG    0x001
#define ICANON  0x002
#define ECHO    0x008
#define ECHOE   0x010
#define ECHOK   0x020
#define ECHONL  0x040
#define NOFLSH  0x080
#define TOSTOP  0x100
#define ECHOCTL 0x200
#define VINTR   0
#define VQUIT   1
#define VERASE  2
#define VKILL   3
#define VEOF    4
#define VTIME   5
#define VMIN    6
#define VSUSP   10
#define VEOL    11
#define VWERASE 14


#define TTY_BUF 1024

/* iflag ICRNL|IXON, oflag OPOST|ONLCR, cflag CS8|CREAD|B38400,
 * lflag ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN, then c_line
 * and c_cc as Linux's defaults: ^C ^\ DEL ^U ^D, VTIME 0, VMIN 1, ^Q ^S ^Z,
 * ^R ^O ^W ^V. */
static uint32_t termios[TTY_TERMIOS_WORDS] = {
	0x500, 0x5, 0xbf, 0x8a3b, 0x7f1c0300, 0x00010415, 0x1a131100, 0x170f1200, 0x16,
};
static uint16_t winsize[4] = { 24, 80, 0, 0 };
static int session;             /* whose controlling terminal it is; 0: nobody's */
static int foreground = 1;      /* the foreground process group */

static char buf[TTY_BUF];
static uint32_t head, tail;     /* [tail, head) typed, not read */
static uint32_t lines;          /* complete lines (or EOF marks) in the buffer */
static bool eof_mark[TTY_BUF];  /* a Ctrl-D ended the line at this slot */

static uint32_t iflag(void) { return termios[0]; }
static uint32_t lflag(void) { return termios[3]; }

static uint8_t cc(int i)
{
	return ((const uint8_t *)&termios[4])[1 + i];  /* after c_line */
}

/* Output: the port's console driver turns NL into CR NL itself (the
 * serial line and the hypervisor's console are line-based), so ONLCR is
 * always in effect and OPOST changes nothing else. */
static void output(const char *s, size_t n)
{
	arch_console_write(s, n);
}

static void echo(const char *s, size_t n)
{
	if (lflag() & ECHO)
		output(s, n);
}

/* A control character as ECHOCTL shows it: ^C, ^?. */
static void echo_ctl(char c)
{
	char two[2] = { '^', (char)(c == 0x7f ? '?' : c + '@') };
	if ((lflag() & ECHOCTL) && ((uint8_t)c < 32 || c == 0x7f) && c != '\n' && c != '\t')
		echo(two, 2);
	else
		echo(&c, 1);
}

static bool in_line(void)       /* a byte typed since the last line ended */
{
	return head != tail && buf[(head - 1) % TTY_BUF] != '\n' && !eof_mark[(head - 1) % TTY_BUF];
}

static void erase_one(void)
{
	head--;
	if (lflag() & ECHOE)
		echo("\b \b", 3);
}

static void signal_char(int sig, char c)
{
	echo_ctl(c);                    /* "^C", no newline: as Linux's tty */
	if (!(lflag() & NOFLSH))
		head = tail = lines = 0;
	if (foreground > 0)
		signal_group(foreground, sig);
	wake_up(&head);
	poll_wake();
}

void tty_input(char c)
{
	if ((iflag() & IGNCR) && c == '\r')
		return;
	if ((iflag() & ICRNL) && c == '\r')
		c = '\n';
	else if ((iflag() & INLCR) && c == '\n')
		c = '\r';
	if (lflag() & ISIG) {
		uint8_t u = (uint8_t)c;
		if (u && u == cc(VINTR))
			return signal_char(SIGINT, c);
		if (u && u == cc(VQUIT))
			return signal_char(SIGQUIT, c);
		if (u && u == cc(VSUSP))
			return signal_char(SIGTSTP, c);
	}
	if (lflag() & ICANON) {
		uint8_t u = (uint8_t)c;
		if (u == cc(VERASE) || c == '\b') {
			/* erase within the line being typed, never a finished one */
			if (in_line())
				erase_one();
			return;
		}
		if (u && u == cc(VKILL)) {
			while (in_line())
				erase_one();
			return;
		}
		if (u && u == cc(VWERASE)) {
			while (in_line() && buf[(head - 1) % TTY_BUF] == ' ')
				erase_one();
			while (in_line() && buf[(head - 1) % TTY_BUF] != ' ')
				erase_one();
			return;
		}
		if (head - tail >= TTY_BUF - 1)
			return;         /* full: drop, as a tty does */
		bool eof = u == cc(VEOF);
		bool eol = c == '\n' || (u && u == cc(VEOL));
		eof_mark[head % TTY_BUF] = eof;
		buf[head++ % TTY_BUF] = c;
		if (eof || eol) {
			lines++;
			wake_up(&head);
			poll_wake();
		}
		if (c == '\n' && !(lflag() & ECHO) && (lflag() & ECHONL))
			output("\n", 1);
		else if (!eof)
			echo_ctl(c);
		return;
	}
	if (head - tail < TTY_BUF) {
		eof_mark[head % TTY_BUF] = false;
		buf[head++ % TTY_BUF] = c;
		echo_ctl(c);
		wake_up(&head);
		poll_wake();
	}
}

/* Whether the caller belongs to the terminal's session (controls it). */
static bool in_session(void)
{
	return session && curproc->sid == session;
}

static bool sig_ignored_or_blocked(int sig)
{
	return (curproc->sig_blocked & SIG_BIT(sig)) ||
	       curproc->sigact[sig - 1].handler == SIG_IGN;
}

/* A background group of the session touching the terminal: sig to the
 * group and a restart, or -EIO when the signal would do nothing useful. */
static long background_check(int sig, bool eio_if_ignored)
{
	if (!in_session() || curproc->pgid == foreground)
		return 0;
	if (sig_ignored_or_blocked(sig))
		return eio_if_ignored ? -EIO : 0;
	signal_group(curproc->pgid, sig);
	return -ERESTARTSYS;
}

static bool readable(bool canon)
{
	uint32_t vmin = cc(VMIN);
	return canon ? lines != 0 : head != tail && (head - tail >= vmin || vmin == 0);
}

unsigned tty_poll(void)
{
	uint32_t fl = arch_irq_save();
	unsigned m = POLLOUT | POLLWRNORM;
	if ((lflag() & ICANON) ? lines != 0 : head != tail)
		m |= POLLIN | POLLRDNORM;
	arch_irq_restore(fl);
	return m;
}

long tty_read(void *out, size_t len, bool nonblock)
{
	uint32_t fl;
	bool canon;
	long rc = background_check(SIGTTIN, true);
	if (rc)
		return rc;
	if (!len)
		return 0;
	uint64_t deadline = 0;
	for (;;) {
		fl = arch_irq_save();
		canon = lflag() & ICANON;
		if (readable(canon))
			break;
		uint32_t vmin = cc(VMIN), vtime = cc(VTIME);
		if (!canon && vmin == 0) {
			/* VMIN 0: return at once (VTIME 0) or once VTIME tenths
			 * of a second pass with nothing typed. */
			if (!vtime || (deadline && arch_time_ns() >= deadline)) {
				arch_irq_restore(fl);
				return 0;
			}
			if (!deadline)
				deadline = arch_time_ns() + vtime * 100000000ull;
		}
		arch_irq_restore(fl);
		if (nonblock)
			return -EAGAIN;
		if (signal_pending(curproc))
			return -ERESTARTSYS;
		/* Input may arrive between the test and the sleep (the handler
		 * runs with interrupts on): a bounded sleep picks it up then. */
		uint64_t wake = arch_time_ns() + 50000000ull;
		sleep_on_timeout(&head, deadline && deadline < wake ? deadline : wake);
	}
	size_t n = 0;
	while (n < len && tail != head) {
		uint32_t at = tail % TTY_BUF;
		char c = buf[at];
		if (canon && eof_mark[at]) {
			tail++;
			lines--;
			break;          /* Ctrl-D: ends the read; alone, it is end of file */
		}
		((char *)out)[n++] = c;
		tail++;
		if (canon && (c == '\n' || ((uint8_t)c && (uint8_t)c == cc(VEOL)))) {
			lines--;
			break;
		}
	}
	arch_irq_restore(fl);
	return (long)n;
}

long tty_write(const void *s, size_t len)
{
	if (lflag() & TOSTOP) {
		long rc = background_check(SIGTTOU, false);
		if (rc)
			return rc;
	}
	output(s, len);
	return (long)len;
}

void tty_session_leader_exit(int sid)
{
	if (!session || session != sid)
		return;
	if (foreground > 0) {
		signal_group(foreground, SIGHUP);
		signal_group(foreground, SIGCONT);
	}
	session = 0;
	foreground = 0;
}

long tty_ioctl(uint32_t req, uint32_t arg)
{
	struct proc *p = curproc;
	int v;

	switch (req) {
	case 0x5401:                                            /* TCGETS */
		return copy_to_user(arg, termios, sizeof(termios)) ? -EFAULT : 0;
	case 0x5402: case 0x5403: case 0x5404: {                /* TCSETS, TCSETSW, TCSETSF */
		uint32_t t[TTY_TERMIOS_WORDS];
		long rc = background_check(SIGTTOU, false);
		if (rc)
			return rc;
		if (copy_from_user(t, arg, sizeof(t)))
			return -EFAULT;
		uint32_t fl = arch_irq_save();
		memcpy(termios, t, sizeof(t));
		if (req == 0x5404)
			head = tail = lines = 0;        /* TCSETSF: flush the input */
		arch_irq_restore(fl);
		return 0;
	}
	case 0x540b:                                            /* TCFLSH */
		if (arg == 0 || arg == 2) {
			uint32_t fl = arch_irq_save();
			head = tail = lines = 0;
			arch_irq_restore(fl);
		}
		return 0;
	case 0x5409: case 0x540a:                               /* TCSBRK, TCXONC */
		return 0;
	case 0x541B:                                            /* FIONREAD */
		v = (int)(head - tail);
		return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
	case 0x5413:                                            /* TIOCGWINSZ */
		return copy_to_user(arg, winsize, sizeof(winsize)) ? -EFAULT : 0;
	case 0x5414:                                            /* TIOCSWINSZ */
		if (copy_from_user(winsize, arg, sizeof(winsize)))
			return -EFAULT;
		if (foreground > 0)
			signal_group(foreground, SIGWINCH);
		return 0;
	case 0x540e:                                            /* TIOCSCTTY */
		if (p->sid != p->pid)
			return -EPERM;         /* only a session leader */
		if (session == p->sid)
			return 0;
		if (session && proc_find(session) && arg != 1)
			return -EPERM;         /* another live session's (root may steal: arg 1) */
		session = p->sid;
		foreground = p->pgid;
		return 0;
	case 0x5422:                                            /* TIOCNOTTY */
		if (!in_session())
			return -ENOTTY;
		if (p->pid == p->sid)
			tty_session_leader_exit(p->sid);
		return 0;
	case 0x540f:                                            /* TIOCGPGRP */
		if (session && !in_session())
			return -ENOTTY;
		return copy_to_user(arg, &foreground, sizeof(int)) ? -EFAULT : 0;
	case 0x5429:                                            /* TIOCGSID */
		if (!in_session())
			return -ENOTTY;
		return copy_to_user(arg, &session, sizeof(int)) ? -EFAULT : 0;
	case 0x5410: {                                          /* TIOCSPGRP */
		long rc;
		if (copy_from_user(&v, arg, sizeof(v)))
			return -EFAULT;
		if (v <= 0)
			return -EINVAL;
		if (session) {
			if (!in_session())
				return -ENOTTY;
			if ((rc = background_check(SIGTTOU, false)))
				return rc;
			if (!proc_group_exists(v, session))
				return -EPERM;
		}
		foreground = v;
		return 0;
	}
	}
	return -ENOTTY;
}

int tty_session(int *pgrp)
{
	*pgrp = foreground;
	return session;
}
