# Writes kubeconfig files with the certificates embedded, so each file is self-contained: it can
# be copied into a MemberCluster's Secret or another machine's KUBECONFIG as it is.
# Sourced by up.sh.

_b64() { base64 -w0 <"$1"; }

# write_kubeconfig FILE NAME SERVER CA CERT KEY: one cluster, one user, one context, all NAME.
write_kubeconfig() (
  local file=$1 name=$2 server=$3 ca=$4 cert=$5 key=$6
  umask 077
  cat >"$file" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: $name
  cluster:
    server: $server
    certificate-authority-data: $(_b64 "$ca")
users:
- name: $name
  user:
    client-certificate-data: $(_b64 "$cert")
    client-key-data: $(_b64 "$key")
contexts:
- name: $name
  context:
    cluster: $name
    user: $name
current-context: $name
KUBECONFIG
)

# merge_kubeconfigs OUT FILE...: the entries of every FILE (as written by write_kubeconfig) in one
# file; the first file's context is current.
merge_kubeconfigs() (
  local out=$1 f section
  shift
  umask 077
  {
    echo "apiVersion: v1"
    echo "kind: Config"
    for section in clusters users contexts; do
      echo "$section:"
      for f in "$@"; do
        # Each section of a write_kubeconfig file runs from "<section>:" to the next top-level key.
        awk -v s="$section:" '$0 == s {on = 1; next} /^[a-z]/ {on = 0} on' "$f"
      done
    done
    echo "current-context: $(awk '/^current-context:/ {print $2}' "$1")"
  } >"$out"
)
