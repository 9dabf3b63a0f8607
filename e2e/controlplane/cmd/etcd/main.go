// etcd for the test fleet, at the version Kubernetes itself is tested with. Debian's 3.4 lacks
// watch progress requests, which kube-apiserver needs for consistent reads from its cache and
// for streaming lists.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
