# Shared by man_pages.sh and completion.sh (sourced; the leading "_" keeps
# the runner from running it): what the programs and the broker say they
# accept, which the manual and the completions must cover.

# help_options BINARY: every short and long option its --help prints.
help_options() {
	"$1" --help 2>/dev/null </dev/null |
		grep -oE '(^|[[:space:],[])--?[A-Za-z][A-Za-z0-9-]*' |
		sed 's/^[^-]*//' | sort -u
}

# broker_settings SRC: every name the broker's settings accept, from the
# tables and special cases of broker/config.c and of the security modules
# it hands settings to.
broker_settings() {
	grep -hoE '^[[:space:]]*\{"[a-z][a-z0-9.]*"|strcmp\(name, "[a-z][a-z0-9.]*"\)' \
		"$1/broker/config.c" "$1"/broker/security/{listeners,tls,authz}.c |
		grep -oE '"[^"]*"' | tr -d '"' | sort -u
}
