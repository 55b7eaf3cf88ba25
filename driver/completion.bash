# bash completion for nettrace.
#
# Commands come from the plugins the driver finds (`nettrace --list`), so a
# plugin dropped into a plugin folder completes without editing this file;
# each command's options come from its own `-h` summary.

# The driver options given so far that change where plugins are found.
_nettrace_driver_args() {
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--plugin-dir) printf '%s\n%s\n' --plugin-dir "${COMP_WORDS[i + 1]}"; ((i++)) ;;
		-*) ;;
		*) return ;;
		esac
	done
}

# Plugin lines start with the name; lines that continue one start with a
# space.
_nettrace_commands() {
	"$1" "${@:2}" --list 2>/dev/null | awk 'NR > 1 && /^[^ ]/ { print $1 }'
}

# Option spellings from Boost.Program_options help lines:
# "  -4 [ --ipv4 ]   ..." and "  --reason NAMES   ...".
_nettrace_command_options() {
	"$1" "${@:3}" "$2" -h 2>/dev/null |
		sed -nE 's/^  (-[^ ]+)( \[ (--[^ ]+) \])?.*/\1 \3/p'
}

# The options of a command that take a value ("-s [ --saddr ] ADDR",
# "--listen ADDR:PORT").
_nettrace_valued_options() {
	"$1" "${@:3}" "$2" -h 2>/dev/null |
		sed -nE 's/^  (-[^ ]+)( \[ (--[^ ]+) \])? [A-Z][A-Z_:]*( |$).*/\1 \3/p'
}

# The values a command's summary lists for option $1, written as
# "a, b or c (default a)" ("--attach MODE  auto, tp_btf or tracepoint
# (default auto)"), where the help may wrap right after "(default". The
# rest of the arguments run the command.
_nettrace_listed_values() {
	local option=$1
	shift
	"$@" -h 2>/dev/null |
		sed -nE "s/^  (-[^ ]+ \[ )?$option [A-Z_]+ +([a-z0-9_]+(, [a-z0-9_]+)* or [a-z0-9_]+) \(default( .*|$)/\2/p" |
		sed 's/, / /g; s/ or / /'
}

# The drop reasons the running kernel names, from the NAME column of
# `nettrace CMD --list-reasons`. A comma-separated list completes its last
# name, the names before it kept.
_nettrace_reason_values() {
	local before=
	[[ $cur == *,* ]] && before=${cur%,*},
	compgen -W "$("$prog" "${driver_args[@]}" "$cmd" --list-reasons 2>/dev/null |
		awk -v before="$before" 'NR > 1 { print before $2 }')" -- "$cur"
}

# --netns takes a name from /run/netns as well as a path: a word that
# starts like a path completes as one, any other as a name.
_nettrace_netns_values() {
	case $cur in
	/* | .*) compgen -f -- "$cur" ;;
	*) compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur" ;;
	esac
}

# Option spellings of the command not yet on its command line (words
# after the command, `cmd_at`): an option given in either spelling ("-c"
# or "--count") is not offered again, except the address and port
# filters, which take several values.
_nettrace_options_left() {
	local given
	given=$(printf '%s\n' "${COMP_WORDS[@]:cmd_at+1:COMP_CWORD-cmd_at-1}" | sed -n 's/=.*//; /^-/p')
	_nettrace_command_options "$prog" "$cmd" "${driver_args[@]}" |
		awk -v given="$given" '
			BEGIN {
				n = split(given, g, "\n"); for (i = 1; i <= n; i++) seen[g[i]] = 1
				n = split("-s -d -N -S -D -P", r, " "); for (i = 1; i <= n; i++) again[r[i]] = 1
			}
			($1 in again) || !($1 in seen) && !($2 in seen) { print $1; if ($2 != "") print $2 }'
}

# Device names for --interface: those of the namespace --netns names on
# the line when ip(8) can reach it by name (NAME or /run/netns/NAME), else
# the local ones, where the command looks the name up without --netns.
_nettrace_interfaces() {
	local i ns=
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == --netns ]] && ns=${COMP_WORDS[i + 1]}
	done
	ns=${ns#/run/netns/}
	if [[ -n $ns && $ns != */* ]]; then
		ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
	else
		ls /sys/class/net 2>/dev/null
	fi
}

# The groups of probe points --points takes; a comma-separated list
# completes its last word, the words before it kept.
_nettrace_point_values() {
	local before=
	[[ $cur == *,* ]] && before=${cur%,*},
	compgen -W "${before}input"$'\n'"${before}output" -- "$cur"
}

# Values for the options whose values can be listed.
_nettrace_option_values() {
	case $1 in
	--netns) _nettrace_netns_values ;;
	--reason | --exclude-reason) _nettrace_reason_values ;;
	--interface) compgen -W "$(_nettrace_interfaces)" -- "$cur" ;;
	--points) _nettrace_point_values ;;
	-p | --proto) compgen -W 'tcp udp icmp icmp6 sctp udplite dccp' -- "$cur" ;;
	--attach) compgen -W "$(_nettrace_listed_values --attach "$prog" "${driver_args[@]}" "$cmd")" -- "$cur" ;;
	--plugin-dir) compgen -d -- "$cur" ;;
	--web-config | -w | --write) compgen -f -- "$cur" ;;
	*) return 1 ;;
	esac
}

_nettrace() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]}
	[[ -x $prog ]] || prog=nettrace
	local -a driver_args
	mapfile -t driver_args < <(_nettrace_driver_args)

	# The command is the first word that is neither an option nor the
	# value of --plugin-dir.
	local i cmd= cmd_at=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--plugin-dir) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]} cmd_at=$i; break ;;
		esac
	done

	local IFS=$'\n'
	if [[ -z $cmd ]]; then
		if [[ $prev == --plugin-dir ]]; then
			COMPREPLY=($(compgen -d -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W $'--plugin-dir\n--list\n--version\n--help\n-h' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_nettrace_commands "$prog" "${driver_args[@]}")"$'\nhelp' -- "$cur"))
		fi
		return
	fi
	if [[ $cmd == help ]]; then
		COMPREPLY=($(compgen -W "$(_nettrace_commands "$prog" "${driver_args[@]}")" -- "$cur"))
		return
	fi
	# doctor's arguments are the commands it is to check.
	if [[ $cmd == doctor && $cur != -* ]]; then
		COMPREPLY=($(compgen -W "$(_nettrace_commands "$prog" "${driver_args[@]}" |
			grep -vxF doctor)" -- "$cur"))
		return
	fi
	local values
	if values=$(_nettrace_option_values "$prev"); then
		COMPREPLY=($values)
		return
	fi
	# Any other value (an address, a port, a number) cannot be guessed.
	if [[ $prev == -* ]] &&
		_nettrace_valued_options "$prog" "$cmd" "${driver_args[@]}" | tr ' ' '\n' |
		grep -qxF -- "$prev"; then
		COMPREPLY=()
		return
	fi
	COMPREPLY=($(compgen -W "$(_nettrace_options_left)" -- "$cur"))
}

complete -F _nettrace nettrace
