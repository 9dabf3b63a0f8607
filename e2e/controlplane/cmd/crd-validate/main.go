// Command crd-validate checks hybridai.io manifests offline exactly as kube-apiserver would on
// create, using the apiserver's own libraries: strict decoding (unknown fields), pruning,
// defaulting, OpenAPI schema validation, list invariants and CEL (x-kubernetes-validations).
//
//	crd-validate -crds crds/ manifests/samples/*.yaml
//	crd-validate -crds crds/ -check-crds
//
// For every object of a group served by the loaded CRDs it prints one JSON line:
//
//	{"file":"a.yaml","doc":0,"kind":"AIWorkload","name":"team-a/llama","allowed":false,"errors":["..."]}
//
// Objects of other groups (Namespaces, Secrets, ...) are skipped. Exit status: 0 when every
// object is allowed (and, with -check-crds, every CRD is valid), 1 when one is not, 2 on usage
// or I/O errors.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apihelpers"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresource"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresourcedefinition"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/yaml"
)

// result is one output line.
type result struct {
	File    string   `json:"file"`
	Doc     int      `json:"doc"`
	Kind    string   `json:"kind"`
	Name    string   `json:"name"`
	Allowed bool     `json:"allowed"`
	Errors  []string `json:"errors"`
}

// servedKind is what the apiserver builds for one served version of one CRD.
type servedKind struct {
	crdName    string
	gvk        schema.GroupVersionKind
	namespaced bool
	structural *structuralschema.Structural
	strategy   rest.RESTCreateStrategy
}

var (
	scheme = runtime.NewScheme()
	codecs = serializer.NewCodecFactory(scheme)
)

func init() {
	install.Install(scheme)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("crd-validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	crdPaths := fs.String("crds", "", "comma-separated CRD files or directories (every *.yaml in them)")
	checkCRDs := fs.Bool("check-crds", false, "validate the CRDs themselves as the apiserver does on CRD create")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: crd-validate -crds DIR|FILE[,...] [-check-crds] [MANIFEST.yaml ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *crdPaths == "" || (!*checkCRDs && fs.NArg() == 0) {
		fs.Usage()
		return 2
	}

	files, err := expandCRDPaths(*crdPaths)
	if err != nil {
		fmt.Fprintf(stderr, "crd-validate: %v\n", err)
		return 2
	}
	crds, err := loadCRDs(files)
	if err != nil {
		fmt.Fprintf(stderr, "crd-validate: %v\n", err)
		return 2
	}

	status := 0
	if *checkCRDs {
		crdStrategy := customresourcedefinition.NewStrategy(scheme)
		for _, c := range crds {
			crd := c.internal.DeepCopy()
			rest.FillObjectMetaSystemFields(crd)
			err := rest.BeforeCreate(crdStrategy, request.WithNamespace(context.Background(), ""), crd)
			for _, w := range crdStrategy.WarningsOnCreate(context.Background(), crd) {
				fmt.Fprintf(stderr, "%s: %s: warning: %s\n", c.file, crd.Name, w)
			}
			if err == nil {
				fmt.Fprintf(stdout, "%s: %s: valid\n", c.file, crd.Name)
				continue
			}
			status = 1
			for _, e := range statusCauses(err) {
				fmt.Fprintf(stderr, "%s: %s: %s\n", c.file, crd.Name, e)
			}
		}
		if status != 0 {
			return status
		}
	}

	kinds, err := buildKinds(crds)
	if err != nil {
		fmt.Fprintf(stderr, "crd-validate: %v\n", err)
		return 2
	}
	groups := map[string]bool{}
	for gvk := range kinds {
		groups[gvk.Group] = true
	}

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, file := range fs.Args() {
		results, err := validateFile(file, kinds, groups)
		if err != nil {
			fmt.Fprintf(stderr, "crd-validate: %v\n", err)
			return 2
		}
		for _, r := range results {
			if !r.Allowed {
				status = 1
			}
			if r.Errors == nil {
				r.Errors = []string{}
			}
			if err := enc.Encode(r); err != nil {
				fmt.Fprintf(stderr, "crd-validate: writing output: %v\n", err)
				return 2
			}
		}
	}
	return status
}

func expandCRDPaths(list string) ([]string, error) {
	var files []string
	for _, p := range strings.Split(list, ",") {
		if p == "" {
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(p, "*.yaml"))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		files = append(files, matches...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no CRD files in %q", list)
	}
	return files, nil
}

type loadedCRD struct {
	file     string
	v1       *apiextensionsv1.CustomResourceDefinition
	internal *apiextensions.CustomResourceDefinition
}

// loadCRDs decodes and defaults each CRD the way the apiserver does when one is created.
func loadCRDs(files []string) ([]loadedCRD, error) {
	var out []loadedCRD
	for _, file := range files {
		docs, err := splitYAML(file)
		if err != nil {
			return nil, err
		}
		for i, doc := range docs {
			if doc == nil {
				continue
			}
			v1 := &apiextensionsv1.CustomResourceDefinition{}
			if _, _, err := codecs.UniversalDeserializer().Decode(doc, nil, v1); err != nil {
				return nil, fmt.Errorf("%s[%d]: not a CustomResourceDefinition: %v", file, i, err)
			}
			if v1.Kind != "CustomResourceDefinition" {
				return nil, fmt.Errorf("%s[%d]: kind %q, want CustomResourceDefinition", file, i, v1.Kind)
			}
			scheme.Default(v1)
			internal := &apiextensions.CustomResourceDefinition{}
			if err := scheme.Convert(v1, internal, nil); err != nil {
				return nil, fmt.Errorf("%s[%d]: converting to the internal version: %v", file, i, err)
			}
			out = append(out, loadedCRD{file: file, v1: v1, internal: internal})
		}
	}
	return out, nil
}

// buildKinds mirrors customresource_handler.go's getOrCreateServingInfoFor: one structural
// schema, schema validator and create strategy per served version.
func buildKinds(crds []loadedCRD) (map[schema.GroupVersionKind]*servedKind, error) {
	kinds := map[schema.GroupVersionKind]*servedKind{}
	for _, c := range crds {
		crd := c.v1
		if crd.Spec.PreserveUnknownFields {
			return nil, fmt.Errorf("%s: spec.preserveUnknownFields is not supported", crd.Name)
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			val, err := apihelpers.GetSchemaForVersion(crd, v.Name)
			if err != nil || val == nil {
				return nil, fmt.Errorf("%s: version %s has no schema", crd.Name, v.Name)
			}
			internalValidation := &apiextensions.CustomResourceValidation{}
			if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(val, internalValidation, nil); err != nil {
				return nil, fmt.Errorf("%s: converting the schema of %s: %v", crd.Name, v.Name, err)
			}
			s, err := structuralschema.NewStructural(internalValidation.OpenAPIV3Schema)
			if err != nil {
				return nil, fmt.Errorf("%s: version %s: schema is not structural: %v", crd.Name, v.Name, err)
			}
			s = s.DeepCopy()
			if err := structuraldefaulting.PruneDefaults(s); err != nil {
				return nil, fmt.Errorf("%s: version %s: pruning defaults: %v", crd.Name, v.Name, err)
			}
			validator, _, err := apiservervalidation.NewSchemaValidator(internalValidation.OpenAPIV3Schema)
			if err != nil {
				return nil, fmt.Errorf("%s: version %s: building the schema validator: %v", crd.Name, v.Name, err)
			}
			var statusValidator apiservervalidation.SchemaValidator
			var statusSpec *apiextensions.CustomResourceSubresourceStatus
			if v.Subresources != nil && v.Subresources.Status != nil {
				statusSpec = &apiextensions.CustomResourceSubresourceStatus{}
				if st, ok := internalValidation.OpenAPIV3Schema.Properties["status"]; ok {
					if statusValidator, _, err = apiservervalidation.NewSchemaValidator(&st); err != nil {
						return nil, fmt.Errorf("%s: version %s: building the status validator: %v", crd.Name, v.Name, err)
					}
				}
			}
			var scaleSpec *apiextensions.CustomResourceSubresourceScale
			if v.Subresources != nil && v.Subresources.Scale != nil {
				scaleSpec = &apiextensions.CustomResourceSubresourceScale{}
				if err := apiextensionsv1.Convert_v1_CustomResourceSubresourceScale_To_apiextensions_CustomResourceSubresourceScale(v.Subresources.Scale, scaleSpec, nil); err != nil {
					return nil, fmt.Errorf("%s: version %s: converting the scale subresource: %v", crd.Name, v.Name, err)
				}
			}
			gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
			namespaced := crd.Spec.Scope == apiextensionsv1.NamespaceScoped
			strategy := customresource.NewStrategy(unstructuredTyper{}, namespaced, gvk, validator, statusValidator,
				s, statusSpec, scaleSpec, v.SelectableFields)
			kinds[gvk] = &servedKind{crdName: crd.Name, gvk: gvk, namespaced: namespaced, structural: s, strategy: strategy}
		}
	}
	return kinds, nil
}

// unstructuredTyper reports the GVK an Unstructured carries, as the apiserver's typer does for
// custom resources.
type unstructuredTyper struct{}

func (unstructuredTyper) ObjectKinds(obj runtime.Object) ([]schema.GroupVersionKind, bool, error) {
	return []schema.GroupVersionKind{obj.GetObjectKind().GroupVersionKind()}, false, nil
}

func (unstructuredTyper) Recognizes(schema.GroupVersionKind) bool { return true }

// splitYAML returns each YAML document of a file as JSON; nil for empty documents.
func splitYAML(file string) ([][]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		chunk, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		j, err := yaml.YAMLToJSON(chunk)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %v", file, len(docs), err)
		}
		if t := bytes.TrimSpace(j); len(t) == 0 || bytes.Equal(t, []byte("null")) {
			// Comment-only chunks (a leading header before the first ---) are not documents.
			if len(docs) == 0 && !hasContent(chunk) {
				continue
			}
			docs = append(docs, nil)
			continue
		}
		docs = append(docs, j)
	}
	return docs, nil
}

func hasContent(chunk []byte) bool {
	for _, line := range strings.Split(string(chunk), "\n") {
		l := strings.TrimSpace(line)
		if l != "" && !strings.HasPrefix(l, "#") && l != "---" {
			return true
		}
	}
	return false
}

func validateFile(file string, kinds map[schema.GroupVersionKind]*servedKind, groups map[string]bool) ([]result, error) {
	docs, err := splitYAML(file)
	if err != nil {
		return nil, err
	}
	var out []result
	for i, doc := range docs {
		if doc == nil {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(doc); err != nil {
			// Not a Kubernetes object at all; report it only if it claims our group.
			var probe struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			_ = json.Unmarshal(doc, &probe)
			gv, _ := schema.ParseGroupVersion(probe.APIVersion)
			if groups[gv.Group] {
				out = append(out, result{File: file, Doc: i, Kind: probe.Kind, Errors: []string{err.Error()}})
			}
			continue
		}
		gvk := u.GroupVersionKind()
		if !groups[gvk.Group] {
			continue
		}
		r := result{File: file, Doc: i, Kind: gvk.Kind, Name: u.GetName()}
		k, ok := kinds[gvk]
		if !ok {
			r.Errors = []string{fmt.Sprintf("no matches for kind %q in version %q", gvk.Kind, gvk.GroupVersion().String())}
			out = append(out, r)
			continue
		}
		if k.namespaced {
			if u.GetNamespace() == "" {
				// kubectl sends objects without a namespace to its context's, "default" on a
				// fresh kubeconfig.
				u.SetNamespace("default")
			}
			r.Name = u.GetNamespace() + "/" + u.GetName()
		}
		r.Errors = k.create(u)
		r.Allowed = len(r.Errors) == 0
		out = append(out, r)
	}
	return out, nil
}

// create runs what a POST of the object goes through: the decoder's schema coercion with
// strict field validation (kubectl's default), defaulting, then rest.BeforeCreate.
func (k *servedKind) create(u *unstructured.Unstructured) []string {
	unknown, err := k.coerce(u)
	if err != nil {
		return []string{err.Error()}
	}
	if len(unknown) > 0 {
		parts := make([]string, 0, len(unknown))
		for _, p := range unknown {
			parts = append(parts, fmt.Sprintf("unknown field %q", p))
		}
		return []string{"strict decoding error: " + strings.Join(parts, ", ")}
	}
	structuraldefaulting.Default(u.Object, k.structural)

	// What the generic registry's Create does before rest.BeforeCreate.
	rest.FillObjectMetaSystemFields(u)
	if u.GetGenerateName() != "" && u.GetName() == "" {
		u.SetName(k.strategy.GenerateName(u.GetGenerateName()))
	}
	ctx := request.WithNamespace(context.Background(), "")
	if k.namespaced {
		ctx = request.WithNamespace(context.Background(), u.GetNamespace())
	}
	if err := rest.BeforeCreate(k.strategy, ctx, u); err != nil {
		return statusCauses(err)
	}
	return nil
}

// statusCauses flattens an Invalid status into one "path: message" string per field error,
// the form field.Error.Error() prints; other errors become one string.
func statusCauses(err error) []string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return []string{err.Error()}
	}
	details := status.Status().Details
	if details == nil || len(details.Causes) == 0 {
		return []string{err.Error()}
	}
	out := make([]string, 0, len(details.Causes))
	for _, c := range details.Causes {
		if c.Field == "" {
			out = append(out, c.Message)
		} else {
			out = append(out, c.Field+": "+c.Message)
		}
	}
	return out
}

// coerce is unstructuredSchemaCoercer.apply with returnUnknownFieldPaths (strict validation).
func (k *servedKind) coerce(u *unstructured.Unstructured) ([]string, error) {
	kind, apiVersion := u.GetKind(), u.GetAPIVersion()
	objectMeta, foundObjectMeta, unknown, err := schemaobjectmeta.GetObjectMetaWithOptions(u.Object,
		schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return nil, err
	}
	unknown = append(unknown, structuralpruning.PruneWithOptions(u.Object, k.structural, true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(u.Object, k.structural)
	ferr, paths := schemaobjectmeta.CoerceWithOptions(nil, u.Object, k.structural, false,
		schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true})
	if ferr != nil {
		return nil, ferr
	}
	unknown = append(unknown, paths...)
	u.SetKind(kind)
	u.SetAPIVersion(apiVersion)
	if foundObjectMeta {
		if err := schemaobjectmeta.SetObjectMeta(u.Object, objectMeta); err != nil {
			return nil, err
		}
	}
	return unknown, nil
}
