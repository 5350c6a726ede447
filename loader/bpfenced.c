// SPDX-License-Identifier: GPL-2.0-only
/* bpfenced: placeholder until the audit daemon lands (issue 3). */
int main(void)
{
	return 0;
}
