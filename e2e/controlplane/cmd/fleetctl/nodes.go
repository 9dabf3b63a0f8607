// Turns a cluster's node groups into Node objects for KWOK to keep alive, and picks the probe
// that proves the cluster can run a GPU pod end to end (scheduler, controller-manager, KWOK).
package main

import (
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	labelFleetCluster = "hybridai.io/fleet-cluster"
	labelNodeGroup    = "hybridai.io/node-group"
	kwokAnnotation    = "kwok.x-k8s.io/node"
)

// Nodes lists every fake node of c, named <group>-<index>.
func Nodes(c *Cluster) []corev1.Node {
	var nodes []corev1.Node
	for _, g := range c.NodeGroups {
		for i := 0; i < g.Count; i++ {
			name := fmt.Sprintf("%s-%d", g.Name, i)
			labels := map[string]string{
				"kubernetes.io/hostname":           name,
				"kubernetes.io/os":                 "linux",
				"kubernetes.io/arch":               "amd64",
				"node.kubernetes.io/instance-type": g.InstanceType,
				labelFleetCluster:                  c.Name,
				labelNodeGroup:                     g.Name,
				"type":                             "kwok",
			}
			if c.Region != "" {
				labels["topology.kubernetes.io/region"] = c.Region
			}
			for k, v := range g.Labels {
				labels[k] = v
			}
			var taints []corev1.Taint
			for _, t := range g.Taints {
				taints = append(taints, corev1.Taint{Key: t.Key, Value: t.Value, Effect: corev1.TaintEffect(t.Effect)})
			}
			nodes = append(nodes, corev1.Node{
				TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
				ObjectMeta: metav1.ObjectMeta{
					Name:   name,
					Labels: labels,
					Annotations: map[string]string{
						kwokAnnotation:                 "fake",
						"node.alpha.kubernetes.io/ttl": "0",
					},
				},
				Spec: corev1.NodeSpec{Taints: taints},
				Status: corev1.NodeStatus{
					Capacity:    g.resources.DeepCopy(),
					Allocatable: g.resources.DeepCopy(),
					NodeInfo: corev1.NodeSystemInfo{
						Architecture:    "amd64",
						OperatingSystem: "linux",
						KubeletVersion:  "kwok",
					},
				},
			})
		}
	}
	return nodes
}

// isAccelerator: extended resources (vendor-domain/name) other than the built-in kubernetes.io ones.
func isAccelerator(name corev1.ResourceName) bool {
	s := string(name)
	return strings.Contains(s, "/") && !strings.Contains(s, "kubernetes.io/")
}

// ProbeResource is the accelerator resource the probe asks one unit of: the first one found,
// preferring untainted groups, so the probe exercises the same path a placed workload takes.
func ProbeResource(c *Cluster) (corev1.ResourceName, bool) {
	for _, wantUntainted := range []bool{true, false} {
		for _, g := range c.NodeGroups {
			if wantUntainted && len(g.Taints) > 0 {
				continue
			}
			var names []string
			for k, q := range g.resources {
				if isAccelerator(k) && q.Sign() > 0 {
					names = append(names, string(k))
				}
			}
			sort.Strings(names)
			if len(names) > 0 {
				return corev1.ResourceName(names[0]), true
			}
		}
	}
	return "", false
}

// ProbeDeployment asks for one accelerator; Available means controller-manager made its pod,
// the scheduler bound it to a fake GPU node and KWOK reported it Running.
func ProbeDeployment(name, namespace string, res corev1.ResourceName) appsv1.Deployment {
	one := int32(1)
	labels := map[string]string{"app": name}
	qty := resource.MustParse("1")
	return appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:  "probe",
						Image: "registry.k8s.io/pause:3.10",
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{res: qty},
							Limits:   corev1.ResourceList{res: qty},
						},
					}},
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
				},
			},
		},
	}
}
