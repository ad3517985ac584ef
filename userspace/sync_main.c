// SPDX-License-Identifier: GPL-2.0
/*
 * sync_main.c - execban-sync, the program behind "execban sync" (main.c runs it): the only
 * one linked with libcurl. Its argv[0] is "execban sync", for getopt_long's messages.
 */
#include "cli.h"

int main(int argc, char **argv)
{
	return cmd_sync(argc, argv);
}
