/* SPDX-License-Identifier: MIT */
/*
 * listeners.c — parse and check Kafka's listener settings (listeners.h).
 * Kafka's rules: NAME://HOST:PORT with an optional [IPv6] host; names are
 * upper-cased and unique; each name has a security protocol (the map, or
 * the name itself when it is a protocol name); ports are unique (except
 * 0); advertised listeners name configured listeners and never advertise
 * the 0.0.0.0 meta-address.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "security/listeners.h"
#include "security/sasl.h"
#include "security/secfile.h"

static const char *const proto_names[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT",
					  "SASL_SSL"};

const char *listener_proto_name(enum listener_proto p)
{
	return (unsigned)p < 4 ? proto_names[p] : "?";
}

int listener_proto_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, proto_names[i]))
			return i;
	return -1;
}

void listener_conf_init(struct listener_conf *c)
{
	memset(c, 0, sizeof(*c));
}

void listener_conf_free(struct listener_conf *c)
{
	free(c->listeners);
	free(c->advertised);
	free(c->proto_map);
	free(c->sasl_mechs);
	for (int i = 0; i < c->nper; i++)
		free(c->per[i].mechs);
	listener_conf_init(c);
}

static int dup_into(char **dst, const char *v)
{
	char *p = strdup(v);

	if (!p)
		return -ENOMEM;
	free(*dst);
	*dst = p;
	return 0;
}

static void upper(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

int listener_conf_set(struct listener_conf *c, const char *name,
		      const char *value)
{
	static const char pre[] = "listener.name.",
			  suf[] = ".sasl.enabled.mechanisms";
	size_t n = strlen(name), pl = sizeof(pre) - 1, sl = sizeof(suf) - 1;
	char lname[LISTENER_NAME_MAX + 1];

	if (!strcmp(name, "listeners"))
		return dup_into(&c->listeners, value);
	if (!strcmp(name, "advertised.listeners"))
		return dup_into(&c->advertised, value);
	if (!strcmp(name, "listener.security.protocol.map"))
		return dup_into(&c->proto_map, value);
	if (!strcmp(name, "sasl.enabled.mechanisms"))
		return dup_into(&c->sasl_mechs, value);
	if (n <= pl + sl || strncmp(name, pre, pl) ||
	    strcmp(name + n - sl, suf))
		return -ENOENT;
	if (n - pl - sl > LISTENER_NAME_MAX)
		return -EINVAL;
	snprintf(lname, sizeof(lname), "%.*s", (int)(n - pl - sl), name + pl);
	upper(lname);
	for (int i = 0; i < c->nper; i++)
		if (!strcmp(c->per[i].name, lname))
			return dup_into(&c->per[i].mechs, value);
	if (c->nper == LISTENERS_MAX)
		return -EINVAL;
	if (dup_into(&c->per[c->nper].mechs, value))
		return -ENOMEM;
	snprintf(c->per[c->nper].name, sizeof(c->per[c->nper].name), "%s",
		 lname);
	c->nper++;
	return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, const char *a,
		const char *b)
{
	snprintf(err, errlen, fmt, a, b);
	return -EINVAL;
}

static int valid_name(const char *s)
{
	if (!*s || strlen(s) > LISTENER_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

/* NAME://HOST:PORT, HOST may be empty or [IPv6]. */
static int parse_endpoint(const char *item, struct listener *l, char *err,
			  size_t errlen)
{
	const char *sep = strstr(item, "://"), *h, *colon;
	char *end;
	long port;
	size_t hl;

	if (!sep || sep == item || (size_t)(sep - item) > LISTENER_NAME_MAX)
		return fail(err, errlen, "%s%s: expected NAME://HOST:PORT",
			    item, "");
	memset(l, 0, sizeof(*l));
	memcpy(l->name, item, (size_t)(sep - item));
	upper(l->name);
	if (!valid_name(l->name))
		return fail(err, errlen, "%s: bad listener name %s", item,
			    l->name);
	h = sep + 3;
	if (*h == '[') {
		const char *close = strchr(h, ']');
		if (!close || close[1] != ':')
			return fail(err, errlen, "%s%s: bad [IPv6] host", item,
				    "");
		h++;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(h, ':');
		if (!colon)
			return fail(err, errlen, "%s%s: no port", item, "");
		hl = (size_t)(colon - h);
		if (memchr(h, ':', hl))
			return fail(err, errlen,
				    "%s%s: an IPv6 host needs [brackets]", item,
				    "");
	}
	if (hl > LISTENER_HOST_MAX)
		return fail(err, errlen, "%s%s: host too long", item, "");
	for (size_t i = 0; i < hl; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr("-._:%", h[i]))
			return fail(err, errlen, "%s%s: bad host", item, "");
	memcpy(l->host, h, hl);
	l->host[hl] = 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 0 || port > 65535)
		return fail(err, errlen, "%s%s: port must be 0..65535", item,
			    "");
	l->port = (int)port;
	return 0;
}

/* A mechanism list into a bit set; 0 or -EINVAL. */
static int parse_mechs(const char *list, const char *what, unsigned *bits,
		       char *err, size_t errlen)
{
	char m[64];
	const char *p = list;
	int r, id;

	*bits = 0;
	while ((r = sec_list_next(&p, ',', m, sizeof(m))) == 1) {
		if ((id = sasl_mech_parse(m)) < 0)
			return fail(err, errlen,
				    "%s: SASL mechanism %s not supported "
				    "(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)",
				    what, m);
		*bits |= 1u << id;
	}
	if (r < 0)
		return fail(err, errlen, "%s: bad list %s", what, list);
	return 0;
}

static int map_lookup(const char *map, const char *name, char *err,
		      size_t errlen)
{
	char item[LISTENER_NAME_MAX + 32];
	char seen[LISTENERS_MAX * 2][LISTENER_NAME_MAX + 32];
	const char *p = map;
	int r, found = -1, n = 0;

	while ((r = sec_list_next(&p, ',', item, sizeof(item))) == 1) {
		char *colon = strchr(item, ':');
		int proto;
		if (!colon)
			return fail(err, errlen,
				    "listener.security.protocol.map: %s%s: "
				    "expected NAME:PROTOCOL",
				    item, "");
		*colon = 0;
		upper(item);
		if ((proto = listener_proto_parse(colon + 1)) < 0)
			return fail(err, errlen,
				    "listener.security.protocol.map: %s: "
				    "unknown protocol %s",
				    item, colon + 1);
		if (!valid_name(item))
			return fail(err, errlen,
				    "listener.security.protocol.map: bad name "
				    "%s%s",
				    item, "");
		for (int i = 0; i < n; i++)
			if (!strcmp(seen[i], item))
				return fail(err, errlen,
					    "listener.security.protocol.map: "
					    "%s%s twice",
					    item, "");
		if (n < (int)(sizeof(seen) / sizeof(*seen)))
			snprintf(seen[n++], sizeof(seen[0]), "%s", item);
		if (!strcmp(item, name))
			found = proto;
	}
	if (r < 0)
		return fail(err, errlen, "listener.security.protocol.map: %s%s",
			    "entry too long", "");
	if (found < 0)
		return fail(err, errlen,
			    "no security protocol for listener %s (add it to "
			    "listener.security.protocol.map)%s",
			    name, "");
	return found;
}

int listeners_resolve(const struct listener_conf *c, struct listener *out,
		      char *err, size_t errlen)
{
	static const char def_map[] = "PLAINTEXT:PLAINTEXT,SSL:SSL,"
				      "SASL_PLAINTEXT:SASL_PLAINTEXT,"
				      "SASL_SSL:SASL_SSL";
	const char *p = c->listeners ? c->listeners : LISTENERS_DEFAULT;
	char item[512];
	unsigned def_mechs;
	int n = 0, r;

	while ((r = sec_list_next(&p, ',', item, sizeof(item))) == 1) {
		struct listener *l = &out[n];
		if (n == LISTENERS_MAX)
			return fail(err, errlen, "listeners: more than %s%s",
				    "16", "");
		if (parse_endpoint(item, l, err, errlen))
			return -EINVAL;
		for (int i = 0; i < n; i++) {
			if (!strcmp(out[i].name, l->name))
				return fail(err, errlen,
					    "listeners: %s named twice%s",
					    l->name, "");
			if (l->port && out[i].port == l->port)
				return fail(err, errlen,
					    "listeners: %s and %s use the same "
					    "port",
					    out[i].name, l->name);
		}
		int proto = map_lookup(c->proto_map ? c->proto_map : def_map,
				       l->name, err, errlen);
		if (proto < 0)
			return -EINVAL;
		l->proto = (enum listener_proto)proto;
		snprintf(l->adv_host, sizeof(l->adv_host), "%s",
			 strcmp(l->host, "0.0.0.0") && strcmp(l->host, "::")
			     ? l->host
			     : "");
		l->adv_port = l->port;
		n++;
	}
	if (r < 0)
		return fail(err, errlen, "listeners: entry too long%s%s", "",
			    "");
	if (!n)
		return fail(err, errlen, "listeners: empty%s%s", "", "");

	if (c->advertised) {
		struct listener a;
		int adv_n = 0;
		for (int i = 0; i < n; i++)
			out[i].adv_port = -1;
		p = c->advertised;
		while ((r = sec_list_next(&p, ',', item, sizeof(item))) == 1) {
			int i;
			if (parse_endpoint(item, &a, err, errlen))
				return -EINVAL;
			for (i = 0; i < n && strcmp(out[i].name, a.name); i++)
				;
			if (i == n)
				return fail(err, errlen,
					    "advertised.listeners: %s is not "
					    "in listeners%s",
					    a.name, "");
			if (out[i].adv_port >= 0)
				return fail(err, errlen,
					    "advertised.listeners: %s named "
					    "twice%s",
					    a.name, "");
			if (!a.host[0] || !strcmp(a.host, "0.0.0.0") ||
			    !strcmp(a.host, "::"))
				return fail(err, errlen,
					    "advertised.listeners: %s: cannot "
					    "advertise the address %s",
					    a.name,
					    a.host[0] ? a.host : "\"\"");
			if (!a.port)
				return fail(err, errlen,
					    "advertised.listeners: %s: port "
					    "0%s",
					    a.name, "");
			memcpy(out[i].adv_host, a.host, sizeof(a.host));
			out[i].adv_port = a.port;
			adv_n++;
		}
		if (r < 0 || !adv_n)
			return fail(err, errlen,
				    "advertised.listeners: empty or bad%s%s",
				    "", "");
	}

	if (parse_mechs(c->sasl_mechs ? c->sasl_mechs : SASL_MECHS_DEFAULT,
			"sasl.enabled.mechanisms", &def_mechs, err, errlen))
		return -EINVAL;
	for (int i = 0; i < n; i++)
		out[i].sasl_mechs = def_mechs;
	for (int k = 0; k < c->nper; k++) {
		int i;
		char what[128];
		for (i = 0; i < n && strcmp(out[i].name, c->per[k].name); i++)
			;
		/* A setting for a listener that does not exist is a typo
		 * that would leave the real one with other mechanisms. */
		if (i == n)
			return fail(err, errlen,
				    "listener.name.%s.sasl.enabled.mechanisms:"
				    " no listener %s",
				    c->per[k].name, c->per[k].name);
		snprintf(what, sizeof(what),
			 "listener.name.%s.sasl.enabled.mechanisms",
			 c->per[k].name);
		if (parse_mechs(c->per[k].mechs, what, &out[i].sasl_mechs, err,
				errlen))
			return -EINVAL;
	}
	for (int i = 0; i < n; i++)
		if ((out[i].proto == LP_SASL_PLAINTEXT ||
		     out[i].proto == LP_SASL_SSL) &&
		    !out[i].sasl_mechs)
			return fail(err, errlen,
				    "listener %s: no SASL mechanism enabled%s",
				    out[i].name, "");
	return n;
}
