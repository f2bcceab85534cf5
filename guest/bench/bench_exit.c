/* The execve target of the fork_exec benchmark (guest/bench/bench.c): an
 * ordinary static glibc program that exits at once, like lmbench's "hello"
 * without the output. Installed in the benchmark initramfs as /bin/bench_exit. */
int main(void)
{
	return 0;
}
