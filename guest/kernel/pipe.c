/* ringos: pipes (see file.h). */
#include "uapi/errno.h"
#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "poll.h"

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

long pipe_read(struct pipe *p, void *buf, size_t len, bool nonblock)
{
	while (p->head == p->tail) {
		if (!p->writers)
			return 0;               /* end of file */
		if (nonblock)
			return -EAGAIN;
		if (signal_pending(curproc))
			return -ERESTARTSYS;    /* nothing read yet: restart or EINTR */
		sleep_on(p);
	}
	size_t n = 0;
	while (n < len && p->tail != p->head)
		((uint8_t *)buf)[n++] = p->buf[p->tail++ % PIPE_SIZE];
	wake_up(p);
	poll_wake();
	return (long)n;
}

/* POSIX: writes of at most PIPE_BUF (4096) bytes are atomic; a
 * non-blocking one that does not fit whole writes nothing. */
long pipe_write(struct pipe *p, const void *buf, size_t len, bool nonblock)
{
	if (nonblock && p->readers && len <= PIPE_SIZE && PIPE_SIZE - (p->head - p->tail) < len)
		return -EAGAIN;
	size_t n = 0;
	while (n < len) {
		if (!p->readers) {
			signal_send(curproc, SIGPIPE, 0, 0);
			return n ? (long)n : -EPIPE;
		}
		if (p->head - p->tail == PIPE_SIZE) {
			wake_up(p);
			poll_wake();
			if (nonblock)
				return n ? (long)n : -EAGAIN;
			if (signal_pending(curproc))
				return n ? (long)n : -ERESTARTSYS;  /* what was written stays */
			sleep_on(p);
			continue;
		}
		p->buf[p->head++ % PIPE_SIZE] = ((const uint8_t *)buf)[n++];
	}
	wake_up(p);
	poll_wake();
	return (long)n;
}

unsigned pipe_poll(const struct pipe *p, bool writer)
{
	if (writer)
		return !p->readers ? POLLERR :
		       p->head - p->tail < PIPE_SIZE ? POLLOUT | POLLWRNORM : 0;
	return (p->head != p->tail ? POLLIN | POLLRDNORM : 0) | (!p->writers ? POLLHUP : 0);
}

void pipe_close(struct pipe *p, bool writer)
{
	if (writer)
		p->writers--;
	else
		p->readers--;
	wake_up(p);
	poll_wake();
	if (!p->readers && !p->writers)
		kfree(p);
}
