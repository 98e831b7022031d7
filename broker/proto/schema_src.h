/* SPDX-License-Identifier: MIT */
/*
 * schema_src.h — the texts of the schema tables (schema_*.c), compiled by
 * schema_load.c at first use.
 */
#ifndef BROKER_PROTO_SCHEMA_SRC_H
#define BROKER_PROTO_SCHEMA_SRC_H

extern const char ks_src_core[];
extern const char ks_src_groups[];
extern const char ks_src_admin[];
extern const char ks_src_security[];
/* Not a table: every type of the language, for tests and fuzzing. */
extern const char ks_src_selftest[];

/* Every table, NULL-terminated. */
extern const char *const ks_tables[];

#endif /* BROKER_PROTO_SCHEMA_SRC_H */
