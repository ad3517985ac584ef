#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: bash completion (dist/execban.bash-completion), driven as bash drives it
# (COMP_WORDS, COMP_CWORD, the function "complete -p execban" names). It offers every verb of
# main.c's table, every option of every verb as the source parses it (the getopt_long tables,
# and the options the hand-written parsers compare), option arguments, and for --rule the
# labels of the policy in force, from "execban show" (a stub here), silently nothing when that
# cannot be read.
set -u
cd "$(dirname "$0")/../.."
top=$PWD
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t() { # NAME COMMAND...: ok if the command succeeds
	local name=$1
	shift
	if "$@"; then
		echo "ok - completion: $name"
		pass=$((pass + 1))
	else
		echo "not ok - completion: $name"
		echo "#   failed: $*"
		fail=$((fail + 1))
	fi
}

# shellcheck source=/dev/null
. dist/execban.bash-completion
spec=$(complete -p execban)
t "complete -p execban names a completion function" [ "$spec" = "complete -F _execban execban" ]
fn=${spec#complete -F }
fn=${fn% execban}

comp() { # WORD...: what completing the last word offers, one per line
	COMP_WORDS=(execban "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn" execban "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	[ ${#COMPREPLY[@]} = 0 ] || printf '%s\n' "${COMPREPLY[@]}"
}
has_all() { # LIST-FILE WORD...: every WORD is a line of LIST-FILE
	local w missing=
	for w in "${@:2}"; do
		grep -qxF -- "$w" "$1" || missing="$missing $w"
	done
	[ -z "$missing" ] || { echo "#   missing:$missing"; return 1; }
}

# Every verb and its options, from the source.
python3 - "$tmp/verbs" <<'PY'
import glob, re, sys
src = {f: open(f).read() for f in glob.glob("userspace/*.c")}
verbs = re.findall(r'\{ "([a-z]+)", (cmd_[a-z_]+),', src["userspace/main.c"])
with open(sys.argv[1], "w") as out:
	for name, fn in verbs:
		body = ""
		for text in src.values():
			m = re.search(r"^int %s\(int argc, char \*\*argv\)\n\{\n(.*?)\n\}\n" % fn, text, re.S | re.M)
			if m:
				body = m.group(1)
				# the verb's own helpers in its file (a usage parser called from it)
				body += "".join(re.findall(r"^static [^\n]*\n\{\n(.*?)\n\}\n", text, re.S | re.M)) \
					if "getopt_long" not in body else ""
		opts = set(re.findall(r'\{ "([a-z][a-z0-9-]*)", (?:no|required|optional)_argument', body))
		opts |= set(re.findall(r'strcmp\([^,]*, "--([a-z][a-z0-9-]*)"\)', body))
		assert body, "no %s in userspace/" % fn
		out.write("%s %s\n" % (name, " ".join("--" + o for o in sorted(opts))))
PY
t "the source lists verbs (main.c) and their options" [ "$(wc -l <"$tmp/verbs")" -ge 16 ]

comp "" >"$tmp/c"
# shellcheck disable=SC2046
t "the first word offers every verb" has_all "$tmp/c" $(cut -d' ' -f1 "$tmp/verbs")
while read -r verb opts; do
	comp "$verb" -- >"$tmp/c"
	[ -n "$opts" ] || continue
	# shellcheck disable=SC2086
	t "$verb: every option the source parses is offered ($opts)" has_all "$tmp/c" $opts
done <"$tmp/verbs"
comp sign --p >"$tmp/c"
t "sign --p completes to --pass and --pass only" [ "$(cat "$tmp/c")" = --pass ]
comp quarantine "" >"$tmp/c"
t "quarantine offers its subcommands" has_all "$tmp/c" list restore
comp quarantine list -- >"$tmp/c"
t "quarantine list -- offers --dir --all --json" has_all "$tmp/c" --dir --all --json
comp import --action "" >"$tmp/c"
t "import --action offers deny and audit" [ "$(tr '\n' ' ' <"$tmp/c")" = "deny audit " ]
comp events --action "" >"$tmp/c"
t "events --action offers the event actions" has_all "$tmp/c" exec mmap module install tamper
comp sign --pass "" >"$tmp/c"
t "sign --pass offers openssl's -passin forms" has_all "$tmp/c" pass: env: file: fd: stdin
mkdir "$tmp/somedir"
touch "$tmp/somefile"
comp scan --quarantine "$tmp/some" >"$tmp/c"
t "scan --quarantine offers folders only" [ "$(cat "$tmp/c")" = "$tmp/somedir" ]

# --rule: the labels of the policy in force, through "execban show" (a stub on PATH).
mkdir "$tmp/bin"
cat >"$tmp/bin/execban" <<'STUB'
#!/bin/sh
[ "$1" = show ] || exit 2
[ -e "$STUB_FAIL" ] && { echo "execban: error: cannot read the policy" >&2; exit 3; }
cat <<'P'
name "gc-ban"
version 7
deny sha256=9b525dff19dba1a06cc76c26104ae266b8788bcbed613fd552ccec9f620a88a3 size=184 label=wechat reason="Removed from government devices"
audit sha256=1111111111111111111111111111111111111111111111111111111111111111 label=vendor-audit
deny signer-key=8963f707e289edc09df337a240938134371a5bb8 kind=skid label=vendor-key
interpreter /usr/bin/python3
P
STUB
chmod +x "$tmp/bin/execban"
export STUB_FAIL=$tmp/fail
PATH="$tmp/bin:$PATH" comp events --rule "" >"$tmp/c" 2>"$tmp/err"
t "events --rule offers the labels of the policy in force" \
	[ "$(tr '\n' ' ' <"$tmp/c")" = "vendor-audit vendor-key wechat " ]
PATH="$tmp/bin:$PATH" comp events --rule ven >"$tmp/c" 2>>"$tmp/err"
t "events --rule ven: the labels starting so" [ "$(tr '\n' ' ' <"$tmp/c")" = "vendor-audit vendor-key " ]
touch "$tmp/fail"
PATH="$tmp/bin:$PATH" comp events --rule "" >"$tmp/c" 2>>"$tmp/err"
t "--rule when the policy cannot be read: nothing offered" [ ! -s "$tmp/c" ]
t "... and nothing printed on the terminal" [ ! -s "$tmp/err" ]
mkdir "$tmp/no-execban"
ln -s "$(command -v sed)" "$(command -v sort)" "$tmp/no-execban/"
PATH="$tmp/no-execban" comp events --rule "" >"$tmp/c" 2>"$tmp/err"
t "--rule without execban installed: nothing, silently" bash -c "[ ! -s '$tmp/c' ] && [ ! -s '$tmp/err' ]"

echo "# completion: $pass passed, $fail failed"
[ "$fail" = 0 ]
