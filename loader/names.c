// SPDX-License-Identifier: GPL-2.0-only
/* Stable names for the enums in bpf/bpfence.h, used in audit records and summaries; the exit
 * status table (loader/exitcodes.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "libbpfence.h"

#define HOOK_NAME_(e, prog, name, need) [BPFENCE_HOOK_##e] = name,
#define PROG_SKIP_(prog, sec, need)
static const char *const hook_names[BPFENCE_HOOK_MAX] = {
	BPFENCE_HOOK_LIST(HOOK_NAME_, PROG_SKIP_)
};

const char *bpfence_hook_name(unsigned int hook)
{
	if (hook == BPFENCE_HOOK_RESOLVER)
		return "resolver";
	return hook < BPFENCE_HOOK_MAX && hook_names[hook] ? hook_names[hook] : "unknown";
}

/* Every program of bpf/hooks.h, in its order: for `bpfence status --hooks` and the docs. */
#define HOOK_ROW_(e, prog, name, need) { #prog, "lsm/" name, name, BPFENCE_##need },
#define PROG_ROW_(prog, sec, need) { #prog, sec, NULL, BPFENCE_##need },
const struct bpfence_program bpfence_programs[] = {
	BPFENCE_HOOK_LIST(HOOK_ROW_, PROG_ROW_)
	{ NULL, NULL, NULL, 0 },
};

const char *bpfence_class_name(unsigned int class)
{
	static const char *const names[BPFENCE_CLASS_MAX] = {
		[BPFENCE_CLASS_FILE] = "file",	   [BPFENCE_CLASS_CONNECT] = "connect",
		[BPFENCE_CLASS_BROKER] = "broker", [BPFENCE_CLASS_UNIX] = "unix",
		[BPFENCE_CLASS_SOCKET] = "socket", [BPFENCE_CLASS_SYSTEM] = "system",
		[BPFENCE_CLASS_TASK] = "task",	   [BPFENCE_CLASS_NOPOLICY] = "nopolicy",
		[BPFENCE_CLASS_IPC] = "ipc",	   [BPFENCE_CLASS_DNS] = "dns",
	};

	return class < BPFENCE_CLASS_MAX && names[class] ? names[class] : "unknown";
}

const struct bpfence_exit_code bpfence_exit_codes[] = {
#define BPFENCE_EXIT_ROW(name, value, label, commands, meaning) { value, label, commands, meaning },
	BPFENCE_EXIT_CODES(BPFENCE_EXIT_ROW)
#undef BPFENCE_EXIT_ROW
	{ 0, NULL, NULL, NULL },
};

void bpfence_addr_str(const __u8 addr[16], char *buf, size_t n)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(addr, mapped, 12))
		inet_ntop(AF_INET, addr + 12, buf, n);
	else
		inet_ntop(AF_INET6, addr, buf, n);
}
