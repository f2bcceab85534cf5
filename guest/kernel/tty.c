/*
 * ringos: the console's line discipline (include/tty.h). Input arrives in
 * interrupt context (the port's handler); readers sleep on the tty. Only the
 * settings that matter to ordinary programs act: ICRNL, ICANON (VERASE,
 * VEOF, VINTR), ECHO, ISIG, NOFLSH. The rest is stored and given back.
 */
#include "tty.h"
#include "kernel.h"
#include "proc.h"

#define ICRNL   0x100
#define ISIG    0x001
#define ICANON  0x002
#define ECHO    0x008
#define NOFLSH  0x080
#define VINTR   0
#define VERASE  2
#define VEOF    4

#define TTY_BUF 1024

/* iflag ICRNL|IXON, oflag OPOST|ONLCR, cflag CS8|CREAD|B38400,
 * lflag ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN, then c_line
 * and c_cc: ^C ^\ DEL ^U ^D (VINTR, VQUIT, VERASE, VKILL, VEOF). */
static uint32_t termios[TTY_TERMIOS_WORDS] = {
	0x500, 0x5, 0xbf, 0x8a3b, 0x7f1c0300, 0x0415, 0, 0, 0,
};
static int foreground = 1;

static char buf[TTY_BUF];
static uint32_t head, tail;     /* [tail, head) typed, not read */
static uint32_t lines;          /* complete lines (or EOF marks) in the buffer */
static bool eof_mark[TTY_BUF];  /* a Ctrl-D ended the line at this slot */

uint32_t *tty_termios(void)
{
	return termios;
}

int *tty_foreground(void)
{
	return &foreground;
}

static uint32_t lflag(void)
{
	return termios[3];
}

static uint8_t cc(int i)
{
	return ((const uint8_t *)&termios[4])[1 + i];  /* after c_line */
}

static void echo(const char *s, size_t n)
{
	if (lflag() & ECHO)
		arch_console_write(s, n);
}

void tty_input(char c)
{
	if ((termios[0] & ICRNL) && c == '\r')
		c = '\n';
	if ((lflag() & ISIG) && (uint8_t)c == cc(VINTR)) {
		echo("^C\n", 3);
		if (!(lflag() & NOFLSH))
			head = tail = lines = 0;
		for (int i = 0; i < NPROC; i++) {
			struct proc *p = proc_slot(i);
			if (p->state != P_FREE && p->state != P_ZOMBIE && p->pgid == foreground)
				signal_send(p, SIGINT, 0x80 /* SI_KERNEL */, 0);
		}
		wake_up(&head);
		return;
	}
	if (lflag() & ICANON) {
		if ((uint8_t)c == cc(VERASE) || c == '\b') {
			/* erase within the line being typed, never a finished one */
			if (head != tail && buf[(head - 1) % TTY_BUF] != '\n' &&
			    !eof_mark[(head - 1) % TTY_BUF]) {
				head--;
				echo("\b \b", 3);
			}
			return;
		}
		if (head - tail >= TTY_BUF - 1)
			return;         /* full: drop, as a tty does */
		bool eof = (uint8_t)c == cc(VEOF);
		eof_mark[head % TTY_BUF] = eof;
		buf[head++ % TTY_BUF] = c;
		if (eof || c == '\n') {
			lines++;
			wake_up(&head);
		}
		if (!eof)
			echo(&c, 1);
		return;
	}
	if (head - tail < TTY_BUF) {
		eof_mark[head % TTY_BUF] = false;
		buf[head++ % TTY_BUF] = c;
		echo(&c, 1);
		wake_up(&head);
	}
}

long tty_read(void *out, size_t len)
{
	uint32_t fl;
	bool canon;
	for (;;) {
		fl = arch_irq_save();
		canon = lflag() & ICANON;
		if (canon ? lines != 0 : head != tail)
			break;
		arch_irq_restore(fl);
		if (signal_pending(curproc))
			return -ERESTARTSYS;
		/* Input may arrive between the test and the sleep (the handler
		 * runs with interrupts on): a bounded sleep picks it up then. */
		sleep_on_timeout(&head, arch_time_ns() + 50000000ull);
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
		if (canon && c == '\n') {
			lines--;
			break;
		}
	}
	arch_irq_restore(fl);
	return (long)n;
}
