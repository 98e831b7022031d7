/* SPDX-License-Identifier: MIT */
/*
 * sysinfo.c — the machine a result comes from: kernel release, CPU model,
 * online CPUs, and the filesystem the test files live on (cold-cache
 * figures mean little on tmpfs, reflinks need XFS or btrfs).
 */
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

static const struct {
	unsigned long magic;
	const char *name;
} fs_names[] = {
    {0xef53, "ext4"},	   {0x58465342, "xfs"},	      {0x9123683e, "btrfs"},
    {0x01021994, "tmpfs"}, {0x794c7630, "overlayfs"}, {0xca451a4e, "bcachefs"},
    {0x2fc12fc1, "zfs"},   {0x6969, "nfs"},	      {0xf2f52010, "f2fs"},
};

static void fs_type(const char *dir, char *out, size_t len)
{
	struct statfs sfs;

	snprintf(out, len, "unknown");
	if (statfs(dir, &sfs) < 0)
		return;
	for (size_t i = 0; i < sizeof(fs_names) / sizeof(fs_names[0]); i++)
		if ((unsigned long)sfs.f_type == fs_names[i].magic) {
			snprintf(out, len, "%s", fs_names[i].name);
			return;
		}
	snprintf(out, len, "0x%lx", (unsigned long)sfs.f_type);
}

static void cpu_model(char *out, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) != 0 || !colon)
			continue;
		colon++;
		colon += strspn(colon, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, len, "%s", colon);
		break;
	}
	fclose(f);
}

void zb_machine_info(struct zb_machine *m, const char *dir)
{
	struct utsname u;

	memset(m, 0, sizeof(*m));
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s %s", u.sysname,
			 u.release);
	cpu_model(m->cpu, sizeof(m->cpu));
	m->nproc = sysconf(_SC_NPROCESSORS_ONLN);
	fs_type(dir, m->fs, sizeof(m->fs));
	snprintf(m->dir, sizeof(m->dir), "%s", dir);
}
