/* ringos: pipes (see file.h). */
#include "errno.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"

#define PIPE_SIZE 4096

struct pipe {
	uint8_t buf[PIPE_SIZE];
	uint32_t head, tail;            /* bytes written / read so far */
	unsigned readers, writers;
};

int pipe_create(struct file **rd, struct file **wr)
{
	struct pipe *p = kmalloc(sizeof(*p));
	*rd = kmalloc(sizeof(**rd));
	*wr = kmalloc(sizeof(**wr));
	if (!p || !*rd || !*wr) {
		kfree(p);
		kfree(*rd);
		kfree(*wr);
		return -ENOMEM;
	}
	p->readers = p->writers = 1;
	**rd = (struct file){ .refs = 1, .pipe = p, .flags = O_RDONLY };
	**wr = (struct file){ .refs = 1, .pipe = p, .flags = O_WRONLY };
	return 0;
}

long pipe_read(struct pipe *p, void *buf, size_t len)
{
	while (p->head == p->tail) {
		if (!p->writers)
			return 0;               /* end of file */
		if (signal_pending(curproc))
			return -ERESTARTSYS;    /* nothing read yet: restart or EINTR */
		sleep_on(p);
	}
	size_t n = 0;
	while (n < len && p->tail != p->head)
		((uint8_t *)buf)[n++] = p->buf[p->tail++ % PIPE_SIZE];
	wake_up(p);
	return (long)n;
}

long pipe_write(struct pipe *p, const void *buf, size_t len)
{
	size_t n = 0;
	while (n < len) {
		if (!p->readers) {
			signal_send(curproc, SIGPIPE, 0, 0);
			return n ? (long)n : -EPIPE;
		}
		if (p->head - p->tail == PIPE_SIZE) {
			wake_up(p);
			if (signal_pending(curproc))
				return n ? (long)n : -ERESTARTSYS;  /* what was written stays */
			sleep_on(p);
			continue;
		}
		p->buf[p->head++ % PIPE_SIZE] = ((const uint8_t *)buf)[n++];
	}
	wake_up(p);
	return (long)n;
}

void pipe_close(struct pipe *p, bool writer)
{
	if (writer)
		p->writers--;
	else
		p->readers--;
	wake_up(p);
	if (!p->readers && !p->writers)
		kfree(p);
}
