// fleetctl: the parts of the test fleet that are easier to get right in Go than in shell:
// reading the fleet YAML, emitting Node and probe manifests, and asking the kernel for free ports.
// Used by e2e/fleet/up.sh; not a user-facing tool.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

const usage = `usage:
  fleetctl clusters --config FILE             validated cluster names, one per line
  fleetctl nodes    --config FILE --cluster C  a v1 List of C's fake nodes (JSON)
  fleetctl probe    --config FILE --cluster C  a probe Deployment asking for one accelerator (JSON),
                                               or nothing when C has no accelerator
  fleetctl ports    N                          N distinct free TCP ports on 127.0.0.1
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "fleetctl:", err)
		os.Exit(1)
	}
}

func run(verb string, args []string) error {
	if verb == "ports" {
		if len(args) != 1 {
			return fmt.Errorf("ports: want exactly one count")
		}
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 || n > 1000 {
			return fmt.Errorf("ports: count must be 1..1000, got %q", args[0])
		}
		return freePorts(n)
	}
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	config := fs.String("config", "", "fleet YAML file")
	clusterName := fs.String("cluster", "", "cluster name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *config == "" {
		return fmt.Errorf("%s: --config is required", verb)
	}
	fleet, err := LoadFleet(*config)
	if err != nil {
		return err
	}
	if verb == "clusters" {
		for _, c := range fleet.Clusters {
			fmt.Println(c.Name)
		}
		return nil
	}
	c := fleet.Cluster(*clusterName)
	if c == nil {
		return fmt.Errorf("%s: no cluster %q in %s", verb, *clusterName, *config)
	}
	switch verb {
	case "nodes":
		return printJSON(nodeList{APIVersion: "v1", Kind: "List", Items: Nodes(c)})
	case "probe":
		res, ok := ProbeResource(c)
		if !ok {
			return nil
		}
		return printJSON(ProbeDeployment("fleet-probe", "default", res))
	}
	return fmt.Errorf("unknown verb %q\n%s", verb, usage)
}

type nodeList struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind"`
	Items      []corev1.Node `json:"items"`
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// freePorts holds every listener open until all are chosen, so the N ports are distinct.
// Another process may still take one before the fleet binds it; the kernel hands out
// ephemeral ports round-robin, which makes that unlikely, and up.sh fails loudly if it happens.
func freePorts(n int) error {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("ports: %v", err)
		}
		ls = append(ls, l)
		fmt.Println(l.Addr().(*net.TCPAddr).Port)
	}
	return nil
}
