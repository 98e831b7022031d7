/* SPDX-License-Identifier: MIT */
/*
 * schema_selftest.c — a message that uses every type and attribute of the
 * schema language, including what no table of the broker uses yet
 * (varints, f64, unsigned types, nullable structs, tagged fields inside
 * array elements). Not registered: tests/unit/proto_schema.c and
 * tests/fuzz/fuzz_schema.c compile it to cover the whole codec.
 */
#include "proto/schema_src.h"

const char ks_src_selftest[] = "Every 1000 req 0-3 2+\n"
			       "  B bool 0+\n"
			       "  I8 i8 0+\n"
			       "  I16 i16 0+\n"
			       "  U16 u16 0+\n"
			       "  I32 i32 0+\n"
			       "  U32 u32 0+\n"
			       "  I64 i64 0+\n"
			       "  V varint 0+\n"
			       "  VL varlong 1+\n"
			       "  UV uvarint 0+\n"
			       "  F f64 0+\n"
			       "  Id uuid 0+\n"
			       "  S str 0+ n1+\n"
			       "  By bytes 0+ n0+\n"
			       "  R rec 0+ n0+\n"
			       "  St {} 0+ n3+\n"
			       "    A i32 0+\n"
			       "    Inner []{} 0+ n2+\n"
			       "      X str 0+\n"
			       "      T i64 2+ t5 =7\n"
			       "  Ints []i32 0+\n"
			       "  Strs []str 1+\n"
			       "  Tag {} 2+ t1\n"
			       "    Q u16 2+ =9\n"
			       "  Tag2 str 2+ t0 n2+ =null\n";
