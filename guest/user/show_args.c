/* A program for other tests to execve (proc_fs's #! scripts and long
 * argument lists): writes to standard output what it was started with,
 * every string followed by a NUL:
 *   argc (in decimal), argv[0], argv[1], ..., then "exe=" and the target
 *   of /proc/self/exe, then "comm=" and /proc/self/comm without its newline.
 * It exits 0 if all of that could be written. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int put(const char *s)
{
	size_t n = strlen(s) + 1, done = 0;
	while (done < n) {
		ssize_t w = write(1, s + done, n - done);
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char num[16], exe[256] = "exe=", comm[64] = "comm=";
	int bad = 0;

	snprintf(num, sizeof(num), "%d", argc);
	bad |= put(num);
	for (int i = 0; i < argc; i++)
		bad |= put(argv[i]);
	ssize_t n = readlink("/proc/self/exe", exe + 4, sizeof(exe) - 5);
	exe[n > 0 ? 4 + n : 4] = '\0';
	bad |= put(exe);
	int fd = open("/proc/self/comm", O_RDONLY);
	n = fd >= 0 ? read(fd, comm + 5, sizeof(comm) - 6) : -1;
	comm[n > 0 ? 5 + n : 5] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	if (fd >= 0)
		close(fd);
	bad |= put(comm);
	return bad ? 1 : 0;
}
