package deploy

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/shard"
)

const kubeDir = "kubernetes"

// manifest is one Kubernetes object: its raw node and the fields every
// object has.
type manifest struct {
	file       string
	node       yaml.Node
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
}

func (m *manifest) decode(t *testing.T, v any) {
	t.Helper()
	if err := m.node.Decode(v); err != nil {
		t.Fatalf("%s: %s %s: %v", m.file, m.Kind, m.Metadata.Name, err)
	}
}

// loadManifests parses every YAML document under deploy/kubernetes except
// the kustomization.
func loadManifests(t *testing.T) map[string]*manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(kubeDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s (%v)", kubeDir, err)
	}
	out := map[string]*manifest{}
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue
		}
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(f)
		for {
			m := &manifest{file: filepath.Base(file)}
			err := dec.Decode(&m.node)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			m.decode(t, m)
			if m.APIVersion == "" || m.Kind == "" || m.Metadata.Name == "" {
				t.Errorf("%s: a document lacks apiVersion, kind or metadata.name", file)
			}
			key := m.Kind + "/" + m.Metadata.Name
			if out[key] != nil {
				t.Errorf("%s: %s is defined twice", file, key)
			}
			out[key] = m
		}
		f.Close()
	}
	return out
}

// The parts of a StatefulSet the tests read.
type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

type securityContext struct {
	RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
	RunAsUser                *int  `yaml:"runAsUser"`
	AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
	Capabilities             struct {
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			FieldRef struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	LivenessProbe   *probe          `yaml:"livenessProbe"`
	ReadinessProbe  *probe          `yaml:"readinessProbe"`
	SecurityContext securityContext `yaml:"securityContext"`
	VolumeMounts    []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

func (c *container) env(name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func (c *container) mount(volume string) (path string, readOnly bool) {
	for _, m := range c.VolumeMounts {
		if m.Name == volume {
			return m.MountPath, m.ReadOnly
		}
	}
	return "", false
}

type statefulSet struct {
	Spec struct {
		ServiceName string `yaml:"serviceName"`
		Replicas    int    `yaml:"replicas"`
		Selector    struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				ServiceAccountName           string          `yaml:"serviceAccountName"`
				AutomountServiceAccountToken *bool           `yaml:"automountServiceAccountToken"`
				SecurityContext              securityContext `yaml:"securityContext"`
				InitContainers               []container     `yaml:"initContainers"`
				Containers                   []container     `yaml:"containers"`
				Volumes                      []struct {
					Name      string `yaml:"name"`
					ConfigMap *struct {
						Name string `yaml:"name"`
					} `yaml:"configMap"`
					Secret *struct {
						SecretName string `yaml:"secretName"`
					} `yaml:"secret"`
					EmptyDir any `yaml:"emptyDir"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
		VolumeClaimTemplates []struct {
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		} `yaml:"volumeClaimTemplates"`
	} `yaml:"spec"`
}

func get(t *testing.T, ms map[string]*manifest, key string) *manifest {
	t.Helper()
	m := ms[key]
	if m == nil {
		t.Fatalf("no %s among the manifests", key)
	}
	return m
}

func TestKubernetesManifests(t *testing.T) {
	ms := loadManifests(t)
	want := map[string]string{
		"ServiceAccount/monitord": "v1", "ConfigMap/monitord-config": "v1", "Secret/monitord-secrets": "v1",
		"Service/monitord": "v1", "StatefulSet/monitord": "apps/v1",
		"ServiceMonitor/monitord": "monitoring.coreos.com/v1", "PrometheusRule/monitord": "monitoring.coreos.com/v1",
	}
	got := map[string]string{}
	for key, m := range ms {
		got[key] = m.APIVersion
	}
	if !maps.Equal(got, want) {
		t.Errorf("got objects %v, want %v", got, want)
	}

	// The kustomization applies every manifest but the example Secret.
	var kust struct {
		Resources []string `yaml:"resources"`
	}
	readYAML(t, filepath.Join(kubeDir, "kustomization.yaml"), &kust)
	var files []string
	for _, m := range ms {
		if m.Kind != "Secret" && !slices.Contains(files, m.file) {
			files = append(files, m.file)
		}
	}
	slices.Sort(files)
	if res := slices.Sorted(slices.Values(kust.Resources)); !slices.Equal(res, files) {
		t.Errorf("kustomization resources: got %q, want %q", res, files)
	}

	var sts statefulSet
	get(t, ms, "StatefulSet/monitord").decode(t, &sts)
	spec := &sts.Spec.Template.Spec
	podLabels := sts.Spec.Template.Metadata.Labels
	if !isSubset(sts.Spec.Selector.MatchLabels, podLabels) || len(sts.Spec.Selector.MatchLabels) == 0 {
		t.Errorf("selector %v does not select the pod labels %v", sts.Spec.Selector.MatchLabels, podLabels)
	}

	// Service: headless, the StatefulSet's, selecting its pods on the
	// port the container names.
	var svc struct {
		Spec struct {
			ClusterIP string            `yaml:"clusterIP"`
			Selector  map[string]string `yaml:"selector"`
			Ports     []struct {
				Name       string `yaml:"name"`
				Port       int    `yaml:"port"`
				TargetPort string `yaml:"targetPort"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}
	svcM := get(t, ms, "Service/monitord")
	svcM.decode(t, &svc)
	if sts.Spec.ServiceName != svcM.Metadata.Name || svc.Spec.ClusterIP != "None" || !isSubset(svc.Spec.Selector, podLabels) {
		t.Errorf("service: got serviceName %q, clusterIP %q, selector %v; want the headless service selecting %v",
			sts.Spec.ServiceName, svc.Spec.ClusterIP, svc.Spec.Selector, podLabels)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 10088 || svc.Spec.Ports[0].TargetPort != "http" {
		t.Errorf("service ports: got %+v, want http on 10088", svc.Spec.Ports)
	}
	var sm struct {
		Spec struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Endpoints []struct {
				Port string `yaml:"port"`
				Path string `yaml:"path"`
			} `yaml:"endpoints"`
		} `yaml:"spec"`
	}
	get(t, ms, "ServiceMonitor/monitord").decode(t, &sm)
	if !isSubset(sm.Spec.Selector.MatchLabels, svcM.Metadata.Labels) || len(sm.Spec.Endpoints) != 1 ||
		sm.Spec.Endpoints[0].Port != svc.Spec.Ports[0].Name || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("service monitor: got %+v, want the service's http port at /metrics", sm.Spec)
	}
	// The rules select job="monitord": the job label is the Service's name.
	if svcM.Metadata.Name != "monitord" {
		t.Errorf("got service %q: the job label would not be monitord", svcM.Metadata.Name)
	}

	// Security: non-root, no token, and every container locked down.
	pod := spec.SecurityContext
	if pod.RunAsNonRoot == nil || !*pod.RunAsNonRoot || pod.RunAsUser == nil || *pod.RunAsUser == 0 {
		t.Errorf("pod securityContext %+v: want runAsNonRoot and a non-zero runAsUser", pod)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken || spec.ServiceAccountName != "monitord" {
		t.Error("the pod should run as the monitord service account without a token")
	}
	all := append(slices.Clone(spec.InitContainers), spec.Containers...)
	for _, c := range all {
		sc := c.SecurityContext
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			!slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
			t.Errorf("container %s: securityContext %+v, want readOnlyRootFilesystem, no privilege escalation, drop ALL", c.Name, sc)
		}
	}

	// The daemon: port, probes, config, state and secrets.
	if len(spec.Containers) != 1 {
		t.Fatalf("got %d containers, want monitord alone", len(spec.Containers))
	}
	c := spec.Containers[0]
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 10088 {
		t.Errorf("ports: got %+v, want http on 10088", c.Ports)
	}
	for name, tc := range map[string]struct {
		p    *probe
		path string
	}{"liveness": {c.LivenessProbe, "/-/healthy"}, "readiness": {c.ReadinessProbe, "/-/ready"}} {
		if tc.p == nil || tc.p.HTTPGet == nil || tc.p.HTTPGet.Path != tc.path || tc.p.HTTPGet.Port != "http" {
			t.Errorf("%s probe: got %+v, want GET %s on http", name, tc.p, tc.path)
		}
	}
	if len(sts.Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("got %d volume claim templates, want one for the state", len(sts.Spec.VolumeClaimTemplates))
	}
	statePath, ro := c.mount(sts.Spec.VolumeClaimTemplates[0].Metadata.Name)
	if statePath != "/var/lib/monitord" || ro || !slices.Contains(c.Args, "--storage.path="+statePath) {
		t.Errorf("state: got mount %q (read-only %v) and args %q, want /var/lib/monitord as --storage.path", statePath, ro, c.Args)
	}
	var secretVolume string
	for _, v := range spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == "monitord-secrets" {
			secretVolume = v.Name
		}
	}
	if p, ro := c.mount(secretVolume); secretVolume == "" || p != "/etc/monitord/secrets" || !ro {
		t.Errorf("secrets: got volume %q at %q (read-only %v), want monitord-secrets read-only at /etc/monitord/secrets", secretVolume, p, ro)
	}
	init := shardInit(t, &sts)
	if p, ro := c.mount("rendered-config"); !ro || !slices.Contains(c.Args, "--config.file="+filepath.Join(p, filepath.Base(init.env("CONFIG_OUT")))) ||
		filepath.Dir(init.env("CONFIG_OUT")) != p {
		t.Errorf("config: monitord does not read the file the init container writes (%q, args %q)", init.env("CONFIG_OUT"), c.Args)
	}

	// The PrometheusRule carries the same rules as the rules file.
	var pr struct {
		Spec ruleGroups `yaml:"spec"`
	}
	get(t, ms, "PrometheusRule/monitord").decode(t, &pr)
	var file ruleGroups
	readYAML(t, rulesFile, &file)
	if !reflect.DeepEqual(pr.Spec, file) {
		t.Errorf("PrometheusRule/monitord differs from %s: edit both together", rulesFile)
	}
}

// shardInit returns the init container that renders each replica's shard.
func shardInit(t *testing.T, sts *statefulSet) *container {
	t.Helper()
	for i, c := range sts.Spec.Template.Spec.InitContainers {
		if c.Name == "shard-config" {
			return &sts.Spec.Template.Spec.InitContainers[i]
		}
	}
	t.Fatal("no shard-config init container")
	return nil
}

func isSubset(sub, super map[string]string) bool {
	for k, v := range sub {
		if super[k] != v {
			return false
		}
	}
	return true
}

// TestKubernetesShards runs the init container's own script for every
// replica of the StatefulSet, loads each rendered configuration as the
// daemon would, and checks that the shards are 0..n-1 once each and that
// every symbol and every feed that is not per ticker is owned by exactly
// one replica.
func TestKubernetesShards(t *testing.T) {
	ms := loadManifests(t)
	var sts statefulSet
	stsM := get(t, ms, "StatefulSet/monitord")
	stsM.decode(t, &sts)
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	get(t, ms, "ConfigMap/monitord-config").decode(t, &cm)
	var secret struct {
		StringData map[string]string `yaml:"stringData"`
	}
	get(t, ms, "Secret/monitord-secrets").decode(t, &secret)

	init := shardInit(t, &sts)
	n := sts.Spec.Replicas
	if n < 2 || init.env("SHARD_TOTAL") != fmt.Sprint(n) {
		t.Fatalf("got %d replicas and SHARD_TOTAL %q, want at least 2 and equal", n, init.env("SHARD_TOTAL"))
	}
	var podName bool
	for _, e := range init.Env {
		podName = podName || e.Name == "POD_NAME" && e.ValueFrom != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.name"
	}
	if !podName || len(init.Command) == 0 || len(init.Args) != 1 {
		t.Fatalf("init container: want POD_NAME from metadata.name and one script in args")
	}
	if p, _ := init.mount("config"); filepath.Dir(init.env("CONFIG_IN")) != p {
		t.Errorf("init container reads %q, not the ConfigMap mounted at %q", init.env("CONFIG_IN"), p)
	}

	// The files as the pod sees them, under a temporary root: the
	// ConfigMap's file, and the Secret's keys for the *_file settings.
	dir := t.TempDir()
	if _, ok := cm.Data[filepath.Base(init.env("CONFIG_IN"))]; !ok {
		t.Fatalf("the ConfigMap has no key %s", filepath.Base(init.env("CONFIG_IN")))
	}
	text := cm.Data[filepath.Base(init.env("CONFIG_IN"))]
	secrets := filepath.Join(dir, "secrets")
	if err := os.Mkdir(secrets, 0o700); err != nil {
		t.Fatal(err)
	}
	for k, v := range secret.StringData {
		if err := os.WriteFile(filepath.Join(secrets, k), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	text = strings.ReplaceAll(text, "/etc/monitord/secrets/", secrets+"/")
	in := filepath.Join(dir, "in.yml")
	if err := os.WriteFile(in, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}

	render := func(pod string) (*config.Config, error) {
		return renderShard(init, pod, init.env("SHARD_TOTAL"), in, dir)
	}
	var cfgs []*config.Config
	for i := range n {
		cfg, err := render(fmt.Sprintf("%s-%d", stsM.Metadata.Name, i))
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		if cfg.Shard != (config.Shard{Index: i, Total: n}) {
			t.Errorf("replica %d: got shard %+v, want {%d %d}", i, cfg.Shard, i, n)
		}
		cfgs = append(cfgs, cfg)
	}
	// A replica beyond SHARD_TOTAL (replicas scaled alone) refuses to start.
	if _, err := render(fmt.Sprintf("%s-%d", stsM.Metadata.Name, n)); err == nil || !strings.Contains(err.Error(), "scale replicas and SHARD_TOTAL together") {
		t.Errorf("replica %d of %d: got %v, want a refusal", n, n, err)
	}

	// SHARD_TOTAL=1: full replicas, each with the whole watchlist.
	for i := range n {
		cfg, err := renderShard(init, fmt.Sprintf("%s-%d", stsM.Metadata.Name, i), "1", in, dir)
		if err != nil || cfg.Shard != (config.Shard{}) || len(cfg.Tickers) != len(cfgs[0].Tickers) {
			t.Errorf("replica %d with SHARD_TOTAL=1: got %v, want the configuration unsharded", i, err)
		}
	}

	symbols, feeds := map[string][]int{}, map[string][]int{}
	for i, cfg := range cfgs {
		sharded := shard.Apply(cfg)
		for _, tk := range sharded.Tickers {
			symbols[tk.Symbol] = append(symbols[tk.Symbol], i)
		}
		for _, f := range sharded.Feeds {
			if !f.PerTicker {
				feeds[f.Name] = append(feeds[f.Name], i)
			}
		}
	}
	for _, tk := range cfgs[0].Tickers {
		if len(symbols[tk.Symbol]) != 1 {
			t.Errorf("symbol %s: owned by replicas %v, want exactly one", tk.Symbol, symbols[tk.Symbol])
		}
	}
	for _, f := range cfgs[0].Feeds {
		if !f.PerTicker && len(feeds[f.Name]) != 1 {
			t.Errorf("feed %s: polled by replicas %v, want exactly one", f.Name, feeds[f.Name])
		}
	}
	for i := range n {
		var owned []string
		for s, r := range symbols {
			if r[0] == i {
				owned = append(owned, s)
			}
		}
		if len(owned) == 0 {
			t.Errorf("replica %d owns no symbol: the example watchlist should exercise every shard", i)
		}
		slices.Sort(owned)
		t.Logf("replica %d: %s", i, strings.Join(owned, " "))
	}
}

// renderShard runs the init container's script for pod with the given
// SHARD_TOTAL, from the configuration in, and loads what it writes.
func renderShard(init *container, pod, total, in, dir string) (*config.Config, error) {
	out := filepath.Join(dir, pod+"-"+total+".yml")
	cmd := exec.Command("sh", append(init.Command[1:], init.Args[0])...)
	cmd.Env = append(os.Environ(), "POD_NAME="+pod, "SHARD_TOTAL="+total, "CONFIG_IN="+in, "CONFIG_OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, b)
	}
	return config.LoadFile(out)
}
