# tests/guest/kernel_args.sh: sourced by the scripts that boot guest kernels.
# kernel_args NAME ENVFILE: sets $args to the kernel's extra options (its
# "run-args:" comment lines, a default -cpu max and -smp 1, and -initrd
# ENVFILE when it has "run-env:" lines, which are written to ENVFILE).
# Use it as: kernel_args NAME "$tmp/env"; eval "set -- $args"
kernel_source() { # NAME -> its .c file
	for f in tests/guest/*/"$1".c tests/guest/"$1".c; do
		[ -f "$f" ] && { echo "$f"; return; }
	done
}

kernel_args() { # NAME ENVFILE
	_src=$(kernel_source "$1")
	args=""
	: > "$2"
	if [ -n "$_src" ]; then
		args=$(sed -n 's/.*run-args:[[:space:]]*\(.*\)$/\1/p' "$_src" | sed 's/[[:space:]]*\*\/[[:space:]]*$//' | tr '\n' ' ')
		sed -n 's/.*run-env:[[:space:]]*\([^[:space:]]*\).*$/\1/p' "$_src" > "$2"
	fi
	case " $args " in *" -cpu "*) ;; *) args="$args -cpu max" ;; esac
	case " $args " in *" -smp "*) ;; *) args="$args -smp 1" ;; esac
	[ -s "$2" ] && args="$args -initrd $2"
	return 0
}
