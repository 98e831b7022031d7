/* SPDX-License-Identifier: MIT */
/*
 * users_cmd.h — `zcbroker users add|delete|list`: manage the SCRAM
 * credential store (creds.h) of a data directory.
 */
#ifndef ZC_USERS_CMD_H
#define ZC_USERS_CMD_H

/* argv[0] is "users". Exit status: 0 done, 1 failure, 2 usage error. */
int users_main(int argc, char **argv);

#endif /* ZC_USERS_CMD_H */
