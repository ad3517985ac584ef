// SPDX-License-Identifier: GPL-2.0
/*
 * dlopen - dlopen() N distinct shared libraries (RTLD_NOW), call into each, then dlclose them:
 * every one is mapped executable (mmap_file with PROT_EXEC), which is what execban's mapping
 * hook judges. Prints the nanoseconds the N dlopen() calls took (CLOCK_MONOTONIC).
 *
 *   dlopen N PATTERN      PATTERN holds one %d (0..N-1)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long n, i;
	unsigned long long t0, t1;
	int (*fn)(int);
	char path[4096];
	void **h;

	if (argc != 3) {
		fprintf(stderr, "usage: dlopen N PATTERN-with-%%d\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 10);
	h = calloc(n, sizeof(*h));
	if (!h)
		return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), argv[2], (int)i);
		h[i] = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!h[i]) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
	}
	t1 = now_ns();
	for (i = 0; i < n; i++) {
		fn = (int (*)(int))dlsym(h[i], "execban_bench_lib");
		if (!fn || fn(1) != 2) {
			fprintf(stderr, "dlopen: library %lu does not work\n", i);
			return 1;
		}
		dlclose(h[i]);
	}
	printf("%llu\n", t1 - t0);
	return 0;
}
