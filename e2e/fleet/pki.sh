# Certificate authority and identities of one fleet cluster, made with openssl.
# Sourced by up.sh. Every cluster gets its own CA, so a client that mixes up members' kubeconfigs
# fails TLS instead of silently talking to the wrong apiserver. ECDSA P-256 keeps key generation fast.

# pki_ca DIR: the cluster's CA (DIR/ca.crt, DIR/ca.key).
pki_ca() {
  local dir=$1 name=$2
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 -subj "/CN=hybridai-fleet-$name-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.crt" 2>/dev/null
}

# pki_cert DIR NAME SUBJECT USAGE [SAN]: a key and a certificate signed by DIR/ca.*.
# USAGE is serverAuth or clientAuth; SUBJECT is /CN=user/O=group as Kubernetes reads it.
pki_cert() {
  local dir=$1 name=$2 subject=$3 usage=$4 san=${5:-}
  local ext="$dir/$name.ext"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [ -z "$san" ] || echo "subjectAltName=$san"
  } >"$ext"
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$name.key" 2>/dev/null
  openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -sha256 -days 3650 -extfile "$ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$ext"
  chmod 600 "$dir/$name.key"
}

# pki_cluster DIR NAME: everything one cluster needs: CA, apiserver serving certificate,
# service-account signing key, and client certificates for each identity.
pki_cluster() {
  local dir=$1 name=$2
  mkdir -p "$dir"
  pki_ca "$dir" "$name" || return 1
  pki_cert "$dir" apiserver "/CN=kube-apiserver" serverAuth \
    "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1" ||
    return 1
  pki_cert "$dir" admin "/CN=hybridai-admin/O=system:masters" clientAuth || return 1
  # A deliberately unprivileged identity: tests grant it exactly the RBAC they mean to test.
  pki_cert "$dir" operator "/CN=hybridai-operator/O=hybridai:operators" clientAuth || return 1
  pki_cert "$dir" controller-manager "/CN=system:kube-controller-manager" clientAuth || return 1
  pki_cert "$dir" scheduler "/CN=system:kube-scheduler" clientAuth || return 1
  # KWOK plays the kubelet of many nodes at once, which the Node authorizer cannot express.
  pki_cert "$dir" kwok "/CN=hybridai-kwok/O=system:masters" clientAuth || return 1
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/sa.key" 2>/dev/null || return 1
  openssl ec -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null || return 1
  chmod 600 "$dir/ca.key" "$dir/sa.key"
  rm -f "$dir/ca.srl"
}
