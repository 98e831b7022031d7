#!/usr/bin/env bash
# serial: yes
# SPDX-License-Identifier: MIT
#
# SASL over TLS (SASL_SSL) with real clients: the scenarios of sasl.sh,
# run over two SASL_SSL listeners whose certificates come from _tls.sh
# (own CA, the clients trust it through ssl.ca.location): kcat with
# SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN produces and reads back every
# record; kafka-python, confluent-kafka and kafkajs log in with SCRAM and
# produce/consume in a group; a wrong password, an unknown user and a
# mechanism the listener does not enable are refused; the SCRAM
# credential APIs answer a super user only.
# timeout: 240
# san: yes
. "$(dirname "$0")/_lib.sh"
. "$TB/_tls.sh"
zb_need_broker
zb_need_cmd openssl kcat
zb_need_py confluent_kafka
zb_need_py kafka
zb_need_kafkajs
tls_make_pki
ZC_SASL_PROTO=SASL_SSL ZC_TLS_CA=$PKI/ca.pem ZC_TLS_SETS=$(tls_broker_args)
export ZC_TMP ZC_SASL_PROTO ZC_TLS_CA ZC_TLS_SETS
exec "$TB/sasl.sh"
