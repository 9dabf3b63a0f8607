#!/usr/bin/env bash
# The real kube-apiserver rejects every invalid fixture that tests/fixtures/invalid/README.md
# lists under its "## schema" or "## cel" heading. The offline validator is tested on the same
# fixtures, so the two cannot drift apart unnoticed. What the apiserver must say, in order:
#   - every "# expect-apiserver: TEXT" line of the fixture, if it has any; else
#   - the "# expect: TEXT" of the offline validator, verbatim, if the apiserver says it; else
#   - the field path that TEXT names (spec.pricing.currency, spec.tags[team], ...): the
#     apiserver words its schema errors its own way, but must blame the same field.
source "$(dirname "$0")/../fleet/testlib.sh"
FIX=$T_ROOT/tests/fixtures/invalid
README=$FIX/README.md
compgen -G "$T_ROOT/crds/*.yaml" >/dev/null || t_fail "no CRDs in crds/"
[ -f "$README" ] || t_fail "no $README"
t_fleet

t_kubectl hub apply --server-side --force-conflicts -f "$T_ROOT/crds/" >/dev/null || t_fail "apply crds/"
t_established hub crd/{memberclusters,gpupools,aiworkloads,budgets}.hybridai.io
t_eventually 30 "hybridai.io kinds served" t_kubectl hub get aiw,mc -A

# CLASS[file]: the README section ("## schema ...", "## cel ...", ...) whose bullet names the file.
declare -A CLASS
section=""
while IFS= read -r line; do
  case "$line" in
  "## "*) section=$(echo "$line" | awk '{print tolower($2)}') ;;
  "- "*) CLASS[$(echo "$line" | awk '{print $2}')]=$section ;;
  esac
done <"$README"

# field_path TEXT: the first spec./metadata. path in TEXT, e.g. spec.placement.locations[1].
field_path() {
  echo "$1" | grep -o -E '(spec|metadata)(\.[A-Za-z0-9_]+|\[[^]]*\])+' | head -1
  return 0
}

declare -A done_by_class=([schema]=0 [cel]=0)
declare -A how=([apiserver]=0 [verbatim]=0 [field]=0)
skipped=()
failures=()
mapfile -t fixtures < <(cd "$FIX" && find . -name '*.yaml' | sed 's|^\./||' | LC_ALL=C sort)
for f in "${fixtures[@]}"; do
  class=${CLASS[$f]:-}
  if [ "$class" != schema ] && [ "$class" != cel ]; then
    skipped+=("$f${class:+ ($class)}")
    continue
  fi
  mapfile -t expects < <(sed -n 's/^# *expect-apiserver: *//p' "$FIX/$f")
  mode=apiserver
  if [ "${#expects[@]}" = 0 ]; then
    mapfile -t expects < <(sed -n 's/^# *expect: *//p' "$FIX/$f")
    mode=offline
  fi
  if [ "${#expects[@]}" = 0 ]; then
    failures+=("$f: no '# expect:' line")
    continue
  fi
  # Namespaced fixtures name their namespace; it must exist for the apiserver to get to validation.
  for ns in $(sed -n 's/^  namespace: *//p' "$FIX/$f" | tr -d '"' | sort -u); do
    if ! t_kubectl hub get namespace "$ns" >/dev/null 2>&1; then
      t_kubectl hub create namespace "$ns" >/dev/null
      t_on_exit "kubectl --context hub delete namespace '$ns' --wait=false >/dev/null 2>&1"
    fi
  done
  if out=$(t_kubectl hub create --dry-run=server -f "$FIX/$f" 2>&1); then
    failures+=("$f ($class): accepted by the apiserver, expected rejection with '${expects[0]}'")
    continue
  fi
  ok=1
  for e in "${expects[@]}"; do
    if [[ $out == *"$e"* ]]; then
      [ "$mode" = apiserver ] && how[apiserver]=$((how[apiserver] + 1)) || how[verbatim]=$((how[verbatim] + 1))
      continue
    fi
    path=$(field_path "$e")
    if [ "$mode" = offline ] && [ -n "$path" ] && [[ $out == *"$path"* ]]; then
      how[field]=$((how[field] + 1))
      continue
    fi
    ok=0
    failures+=("$f ($class): rejected, but the apiserver's message lacks '$e'${path:+ (or its field $path)}:
      $out")
  done
  [ "$ok" = 1 ] || continue
  done_by_class[$class]=$((done_by_class[$class] + 1))
done

[ "${#skipped[@]}" = 0 ] || t_log "not schema/cel per README (offline-only): ${skipped[*]}"
if [ "${#failures[@]}" -gt 0 ]; then
  printf '  %s\n' "${failures[@]}" >&2
  t_fail "${#failures[@]} fixture(s) not rejected as expected"
fi
[ "${done_by_class[schema]}" -gt 0 ] || t_fail "README classifies no fixture as schema"
[ "${done_by_class[cel]}" -gt 0 ] || t_fail "README classifies no fixture as cel"
t_log "messages matched: ${how[apiserver]} by expect-apiserver, ${how[verbatim]} verbatim, ${how[field]} by field path"
t_pass "${done_by_class[schema]} schema and ${done_by_class[cel]} CEL fixtures rejected with the expected message"
