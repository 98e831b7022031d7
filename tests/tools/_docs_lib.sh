# Shared by man_pages.sh and completion.sh (sourced; the leading "_" keeps
# the runner from running it): what the programs and the broker say they
# accept, which the manual and the completions must cover.

# help_options BINARY: every short and long option its --help prints.
help_options() {
	"$1" --help 2>/dev/null </dev/null |
		grep -oE '(^|[[:space:],[])--?[A-Za-z][A-Za-z0-9-]*' |
		sed 's/^[^-]*//' | sort -u
}

# broker_settings CONFIG_C: every name broker/config.c accepts, from its
# table and its special cases.
broker_settings() {
	grep -oE '^ *\{"[a-z][a-z0-9.]*"|strcmp\(name, "[a-z][a-z0-9.]*"\)' "$1" |
		grep -oE '"[^"]*"' | tr -d '"' | sort -u
}
