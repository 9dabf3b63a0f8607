// The fleet description (e2e/fleet/*.yaml): clusters, and per cluster groups of fake nodes with
// labels, taints and capacity. Parsing is strict and every error names the file and the field,
// because a typo in a test fleet otherwise shows up much later as a pod that never schedules.
package main

import (
	"fmt"
	"os"
	"regexp"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// Fleet is the whole file.
type Fleet struct {
	Defaults Defaults  `json:"defaults"`
	Clusters []Cluster `json:"clusters"`
}

// Defaults apply to every node group unless the group sets the same key.
type Defaults struct {
	Capacity map[string]any `json:"capacity"`
}

// Cluster is one kube-apiserver with its controller-manager, scheduler and KWOK.
type Cluster struct {
	Name       string      `json:"name"`
	Region     string      `json:"region"`
	NodeGroups []NodeGroup `json:"nodeGroups"`
}

// NodeGroup is Count identical fake nodes.
type NodeGroup struct {
	Name         string            `json:"name"`
	InstanceType string            `json:"instanceType"`
	Count        int               `json:"count"`
	Labels       map[string]string `json:"labels"`
	Taints       []Taint           `json:"taints"`
	Capacity     map[string]any    `json:"capacity"`

	// Filled in by validation.
	resources corev1.ResourceList
}

// Taint mirrors core/v1 Taint without timeAdded.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Effect string `json:"effect"`
}

var clusterName = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$`)

// LoadFleet reads and validates path.
func LoadFleet(path string) (*Fleet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var f Fleet
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &f, nil
}

func (f *Fleet) validate() error {
	if len(f.Clusters) == 0 {
		return fmt.Errorf("clusters: at least one cluster is required")
	}
	defaults, err := parseCapacity("defaults.capacity", f.Defaults.Capacity)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for ci := range f.Clusters {
		c := &f.Clusters[ci]
		at := fmt.Sprintf("clusters[%d]", ci)
		if !clusterName.MatchString(c.Name) {
			return fmt.Errorf("%s.name: must be a lowercase DNS label of at most 32 characters starting with a letter, got %q", at, c.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("%s.name: duplicate cluster %q", at, c.Name)
		}
		seen[c.Name] = true
		groups := map[string]bool{}
		for gi := range c.NodeGroups {
			g := &c.NodeGroups[gi]
			gat := fmt.Sprintf("%s.nodeGroups[%d]", at, gi)
			if g.InstanceType == "" {
				return fmt.Errorf("%s.instanceType: required", gat)
			}
			if errs := validation.IsValidLabelValue(g.InstanceType); len(errs) > 0 {
				return fmt.Errorf("%s.instanceType: %q: %s", gat, g.InstanceType, errs[0])
			}
			if g.Name == "" {
				g.Name = g.InstanceType
			}
			if errs := validation.IsDNS1123Subdomain(g.Name); len(errs) > 0 {
				return fmt.Errorf("%s.name: %q: %s", gat, g.Name, errs[0])
			}
			if groups[g.Name] {
				return fmt.Errorf("%s.name: duplicate node group %q in cluster %q", gat, g.Name, c.Name)
			}
			groups[g.Name] = true
			if g.Count < 1 || g.Count > 500 {
				return fmt.Errorf("%s.count: must be between 1 and 500, got %d", gat, g.Count)
			}
			for k, v := range g.Labels {
				if errs := validation.IsQualifiedName(k); len(errs) > 0 {
					return fmt.Errorf("%s.labels[%s]: %s", gat, k, errs[0])
				}
				if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
					return fmt.Errorf("%s.labels[%s]: %q: %s", gat, k, v, errs[0])
				}
			}
			for ti, t := range g.Taints {
				if errs := validation.IsQualifiedName(t.Key); len(errs) > 0 {
					return fmt.Errorf("%s.taints[%d].key: %q: %s", gat, ti, t.Key, errs[0])
				}
				switch corev1.TaintEffect(t.Effect) {
				case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
				default:
					return fmt.Errorf("%s.taints[%d].effect: must be NoSchedule, PreferNoSchedule or NoExecute, got %q", gat, ti, t.Effect)
				}
			}
			own, err := parseCapacity(gat+".capacity", g.Capacity)
			if err != nil {
				return err
			}
			g.resources = corev1.ResourceList{}
			for k, v := range defaults {
				g.resources[k] = v
			}
			for k, v := range own {
				g.resources[k] = v
			}
			for _, required := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods} {
				if _, ok := g.resources[required]; !ok {
					return fmt.Errorf("%s.capacity.%s: required (here or in defaults.capacity)", gat, required)
				}
			}
		}
	}
	return nil
}

// parseCapacity accepts numbers and quantity strings ("8", 8, "512Gi").
func parseCapacity(at string, in map[string]any) (corev1.ResourceList, error) {
	out := corev1.ResourceList{}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return nil, fmt.Errorf("%s.%s: not a resource name: %s", at, k, errs[0])
		}
		var text string
		switch v := in[k].(type) {
		case string:
			text = v
		case float64:
			text = fmt.Sprintf("%v", v)
		default:
			return nil, fmt.Errorf("%s.%s: want a quantity such as 8 or \"512Gi\", got %v", at, k, in[k])
		}
		q, err := resource.ParseQuantity(text)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %q is not a quantity: %v", at, k, text, err)
		}
		if q.Sign() < 0 {
			return nil, fmt.Errorf("%s.%s: must not be negative, got %s", at, k, text)
		}
		out[corev1.ResourceName(k)] = q
	}
	return out, nil
}

// Cluster returns the named cluster or nil.
func (f *Fleet) Cluster(name string) *Cluster {
	for i := range f.Clusters {
		if f.Clusters[i].Name == name {
			return &f.Clusters[i]
		}
	}
	return nil
}
