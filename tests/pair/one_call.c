/* SPDX-License-Identifier: MIT */
/*
 * one_call.c — for one_call.sh, run under strace: one 64 KiB piece of a
 * file to a non-blocking unix stream socket, three ways, each between two
 * marker calls (getppid) that strace shows:
 *   A  zc_transfer_opts (describes both descriptors, masks signals)
 *   B  a prepared pair with SIGPIPE at its default (masked per call)
 *   C  a prepared pair with SIGPIPE ignored (nothing around the send)
 * Every piece is read back and compared. Exit 0 when all three moved
 * exactly 64 KiB.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zcio.h"

#define PIECE 65536

static unsigned char data[4 * PIECE], got[PIECE];

static void mark(void)
{
	syscall(SYS_getppid);
}

/* Read one piece back and compare it with the file's bytes at `off`. */
static int check(int fd, off_t off)
{
	size_t have = 0;
	ssize_t n;

	while (have < PIECE) {
		n = read(fd, got + have, PIECE - have);
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	return memcmp(got, data + off, PIECE) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct zc_options o = {.method = ZC_AUTO, .flags = ZC_F_NO_WAIT};
	struct zc_pair *p;
	int in, sk[2], sz = 1 << 20, bad = 0;
	off_t off = 0;
	ssize_t n;

	if (argc != 2)
		return 2;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + (i >> 11));
	in = open(argv[1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in < 0 || write(in, data, sizeof(data)) != (ssize_t)sizeof(data))
		return 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk))
		return 1;
	setsockopt(sk[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sk[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	fcntl(sk[0], F_SETFL, O_NONBLOCK | O_RDWR);

	signal(SIGPIPE, SIG_DFL);
	mark();
	n = zc_transfer_opts(sk[0], in, &off, PIECE, &o, NULL);
	mark();
	bad |= n != PIECE || check(sk[1], 0);

	for (int ign = 0; ign < 2; ign++) {
		signal(SIGPIPE, ign ? SIG_IGN : SIG_DFL);
		p = zc_pair_open(sk[0], in, &o);
		if (!p)
			return 1;
		mark();
		n = zc_pair_transfer(p, &off, PIECE, NULL);
		mark();
		bad |= n != PIECE || check(sk[1], (1 + ign) * PIECE);
		zc_pair_close(p);
	}
	bad |= off != 3 * PIECE;
	printf("%s\n", bad ? "bytes WRONG" : "3 pieces of 64 KiB, bytes ok");
	return bad;
}
