package k8s

import (
	"bytes"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

// decode decodes a multi-document manifest with the Kubernetes scheme
// (core/v1 and batch/v1 registered), strictly: an unknown or duplicated
// field is an error, as `kubectl apply --validate=strict` would make it.
func decode(t *testing.T, manifest []byte) []runtime.Object {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := batchv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	dec := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
	var objs []runtime.Object
	for doc := range bytes.SplitSeq(manifest, []byte("\n---\n")) {
		obj, gvk, err := dec.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("decode %q: %v", doc, err)
		}
		if gvk.Version == "" || gvk.Kind == "" {
			t.Fatalf("document without apiVersion/kind: %v", gvk)
		}
		objs = append(objs, obj)
	}
	return objs
}

func options() Options {
	return Options{
		Name: "sf-point", Namespace: "bench", Shards: 4,
		Suite: []byte("workloads: [point/c]\nstores: [noop]\n"), SuiteName: "suites/point.yaml",
		Stores: []string{"postgres"}, DSNSecret: "storefit-dsns", Image: "registry.example/storefit:v1.2.3",
		StartAt: time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC), RunArgs: []string{"--rate", "20000", "--duration", "60s"},
		CPU: resource.MustParse("2"), Memory: resource.MustParse("1Gi"), TTL: 24 * time.Hour,
	}
}

func TestManifestDecodesWithTheKubernetesScheme(t *testing.T) {
	for _, pvc := range []string{"", "storefit-results"} {
		t.Run("pvc="+pvc, func(t *testing.T) {
			o := options()
			o.PVC = pvc
			m, err := Manifest(o)
			if err != nil {
				t.Fatal(err)
			}
			objs := decode(t, m)
			if len(objs) != 2 {
				t.Fatalf("%d objects, want 2", len(objs))
			}
			cm, ok := objs[0].(*corev1.ConfigMap)
			if !ok {
				t.Fatalf("first object is %T, want a ConfigMap", objs[0])
			}
			if cm.Data[suiteKey] != string(o.Suite) || cm.Namespace != "bench" {
				t.Errorf("config map %s/%s holds %q", cm.Namespace, cm.Name, cm.Data[suiteKey])
			}
			job, ok := objs[1].(*batchv1.Job)
			if !ok {
				t.Fatalf("second object is %T, want a Job", objs[1])
			}
			s := job.Spec
			if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
				t.Errorf("completion mode %v, want Indexed", s.CompletionMode)
			}
			if *s.Completions != 4 || *s.Parallelism != 4 || *s.BackoffLimit != 0 || *s.TTLSecondsAfterFinished != 86400 {
				t.Errorf("completions %d, parallelism %d, backoff %d, ttl %d", *s.Completions, *s.Parallelism, *s.BackoffLimit, *s.TTLSecondsAfterFinished)
			}
			pod := s.Template.Spec
			if pod.RestartPolicy != corev1.RestartPolicyNever || !*pod.SecurityContext.RunAsNonRoot || *pod.SecurityContext.RunAsUser == 0 {
				t.Errorf("pod: restart %s, security %+v", pod.RestartPolicy, pod.SecurityContext)
			}
			c := pod.Containers[0]
			args := strings.Join(c.Args, " ")
			for _, want := range []string{
				"run --suite /etc/storefit/suite.yaml --store postgres --shard $(JOB_COMPLETION_INDEX)/4",
				"--start-at 2026-11-25T20:00:00Z",
				"--rate 20000 --duration 60s",
			} {
				if !strings.Contains(args, want) {
					t.Errorf("args %q lack %q", args, want)
				}
			}
			wantOut := "--out -"
			if pvc != "" {
				wantOut = "--out /results/sf-point/shard-$(JOB_COMPLETION_INDEX).json"
				if v := pod.Volumes[len(pod.Volumes)-1]; v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != pvc {
					t.Errorf("results volume %+v", v)
				}
			}
			if !strings.Contains(args, wantOut) {
				t.Errorf("args %q lack %q", args, wantOut)
			}
			if c.Env[0].Name != IndexEnv || c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
				t.Errorf("env %+v", c.Env)
			}
			if c.EnvFrom[0].SecretRef.Name != "storefit-dsns" {
				t.Errorf("envFrom %+v", c.EnvFrom)
			}
			for _, rl := range []corev1.ResourceList{c.Resources.Requests, c.Resources.Limits} {
				if rl.Cpu().String() != "2" || rl.Memory().String() != "1Gi" {
					t.Errorf("resources %v", rl)
				}
			}
			if sc := c.SecurityContext; *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("container security %+v", sc)
			}
		})
	}
}

func TestManifestRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no shards", func(o *Options) { o.Shards = 0 }, "shards"},
		{"bad name", func(o *Options) { o.Name = "Storefit_1" }, "name"},
		{"no image", func(o *Options) { o.Image = "" }, "image"},
		{"no start", func(o *Options) { o.StartAt = time.Time{} }, "start"},
		{"load at a time", func(o *Options) { o.Phase = "load" }, "load phase"},
		{"shard in run args", func(o *Options) { o.RunArgs = []string{"--shard=0/2"} }, "set by the manifest"},
		{"empty suite", func(o *Options) { o.Suite = nil }, "suite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := options()
			tt.edit(&o)
			if _, err := Manifest(o); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	// A load phase needs no start.
	o := options()
	o.Phase, o.StartAt = "load", time.Time{}
	m, err := Manifest(o)
	if err != nil {
		t.Fatal(err)
	}
	if job := decode(t, m)[1].(*batchv1.Job); !strings.Contains(strings.Join(job.Spec.Template.Spec.Containers[0].Args, " "), "--phase load") {
		t.Errorf("load job args %v", job.Spec.Template.Spec.Containers[0].Args)
	}
}
