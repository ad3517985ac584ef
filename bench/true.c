// SPDX-License-Identifier: GPL-2.0
/* true - the smallest useful program for the exec storm; built -static -O2 (no ld.so). */
int main(void)
{
	return 0;
}
