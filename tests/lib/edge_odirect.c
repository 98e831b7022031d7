/* SPDX-License-Identifier: MIT */
/*
 * edge_odirect.c — an output the caller opened with O_DIRECT, on ext4
 * ($ZC_TMP) and on tmpfs (/dev/shm): writes must then be aligned, and a
 * file's tail usually is not. AUTO and read-write must still deliver every
 * byte; an explicit method that cannot must fail before moving any. A
 * filesystem that refuses O_DIRECT makes the test a SKIP naming it, after
 * the other filesystem's checks (a pass would claim what was not tested).
 */
#include "fault.h"
#include "helpers.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define SEED 0xd1ec7

static char refused[256]; /* filesystems that refused O_DIRECT */

static void one_fs(const char *dir)
{
	static const uint64_t sizes[] = {100001, 1 << 20};
	char path[512];

	snprintf(path, sizeof(path), "%s/zcio-odirect-%d", dir, (int)getpid());
	for (unsigned k = 0; k < 2; k++) {
		for (int m = 0; m < ZC_METHOD_COUNT; m++) {
			uint64_t n = sizes[k];
			int in = t_open_src("od.in", n, SEED);
			int out = open(path,
				       O_RDWR | O_CREAT | O_TRUNC | O_DIRECT |
					   O_CLOEXEC,
				       0644);
			int rd = open(path, O_RDONLY | O_CLOEXEC);
			struct zc_stats st;
			ssize_t r;

			if (out < 0) {
				size_t len = strlen(refused);

				snprintf(refused + len, sizeof(refused) - len,
					 "%s%s (%s)", len ? ", " : "", dir,
					 strerror(errno));
				close(in);
				close(rd);
				unlink(path);
				return;
			}
			r = zc_transfer(out, in, NULL, ZC_TO_EOF,
					(enum zc_method)m, &st);
			if (r >= 0) {
				if (r != (ssize_t)n ||
				    !t_check_file(rd, n, SEED)) {
					fprintf(
					    stderr,
					    "O_DIRECT output on %s, %llu "
					    "bytes, %s: ret %zd, bad data\n",
					    dir, (unsigned long long)n,
					    zc_method_name((enum zc_method)m),
					    r);
					t_failures++;
				}
			} else if (m == ZC_AUTO || m == ZC_READ_WRITE ||
				   st.bytes != 0 || t_fsize(rd) != 0) {
				fprintf(stderr,
					"O_DIRECT output on %s, %llu bytes, "
					"%s: %s after %llu bytes\n",
					dir, (unsigned long long)n,
					zc_method_name((enum zc_method)m),
					strerror((int)-r),
					(unsigned long long)st.bytes);
				t_failures++;
			}
			close(in);
			close(out);
			close(rd);
		}
	}
	unlink(path);
}

int main(void)
{
	one_fs(t_tmpdir());
	one_fs("/dev/shm");
	if (t_failures || !refused[0])
		return t_result();
	t_skip("O_DIRECT outputs refused on %s", refused);
}
