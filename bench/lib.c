// SPDX-License-Identifier: GPL-2.0
/* lib.c - the shared library bench/dlopen maps: one function, so that it has code to map. */
int execban_bench_lib(int x);

int execban_bench_lib(int x)
{
	return x + 1;
}
