package k8s

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Paths inside the pods.
const (
	// SuitePath is where the suite from the ConfigMap is mounted.
	SuitePath = "/etc/storefit/suite.yaml"
	// ResultsDir is where the results volume (PVC) is mounted.
	ResultsDir = "/results"
	// suiteKey is the suite's key in the ConfigMap.
	suiteKey = "suite.yaml"
)

// IndexEnv is the environment variable holding a pod's completion index:
// the Job controller sets it in Indexed mode, and the manifest declares it
// too (from the pod's annotation) so the container's arguments can refer to
// it as $(JOB_COMPLETION_INDEX) without a shell.
const IndexEnv = "JOB_COMPLETION_INDEX"

// runAsUser is the non-root user the pods run as (distroless's "nonroot").
const runAsUser = 65532

// Options describe the manifest of a sharded run.
type Options struct {
	// Name names the Job and the ConfigMap ("<Name>-suite"); it must be a
	// DNS label. Default "storefit".
	Name string
	// Namespace of both objects; empty leaves it to kubectl (-n).
	Namespace string
	// Shards is the number of pods, each running one shard (n >= 1).
	Shards int
	// Suite is the content of the suite file (YAML), and SuiteName the
	// file's name, recorded for reference in an annotation.
	Suite     []byte
	SuiteName string
	// Stores are given to every shard as --store (NAME or NAME=DSN). DSNs
	// with a password belong in DSNSecret instead: a manifest is not a
	// place for secrets.
	Stores []string
	// DSNSecret names a Secret whose keys become the pods' environment:
	// STOREFIT_<STORE>_DSN keys give the stores their DSNs.
	DSNSecret string
	// Image is the storefit image the pods run.
	Image string
	// Phase is passed as --phase (load, run or all; empty: all).
	Phase string
	// StartAt is the coordinated start of the measured phase (unused for
	// Phase load); StartEvery spaces the starts of several cells.
	StartAt    time.Time
	StartEvery time.Duration
	// RunArgs are further `storefit run` arguments (e.g. --rate 20000
	// --duration 60s), the same for every shard.
	RunArgs []string
	// CPU and Memory are each pod's resources; requests equal limits, so
	// the pods get the Guaranteed QoS class (a load generator that is
	// throttled or evicted measures itself, not the store).
	CPU    resource.Quantity
	Memory resource.Quantity
	// PVC, when set, names a PersistentVolumeClaim (ReadWriteMany when
	// pods land on several nodes) mounted at ResultsDir: shard i writes
	// <ResultsDir>/<Name>/shard-i.json. Without it every pod prints its
	// result on stdout as one JSON line (collected from the pods' logs).
	PVC string
	// TTL is how long the finished Job (and its pods' logs) is kept;
	// 0 means forever.
	TTL time.Duration
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// check validates the options and fills defaults.
func (o *Options) check() error {
	if o.Name == "" {
		o.Name = "storefit"
	}
	switch {
	case len(o.Name) > 52 || !dnsLabel.MatchString(o.Name):
		// 63 minus the pods' suffixes the Job controller appends.
		return fmt.Errorf("name %q: use lower-case letters, digits and '-', at most 52 characters", o.Name)
	case o.Namespace != "" && (len(o.Namespace) > 63 || !dnsLabel.MatchString(o.Namespace)):
		return fmt.Errorf("namespace %q is not a DNS label", o.Namespace)
	case o.Shards < 1 || o.Shards > 10000:
		return fmt.Errorf("shards must be in 1..10000, not %d", o.Shards)
	case len(o.Suite) == 0:
		return errors.New("the suite is empty")
	case o.Image == "":
		return errors.New("give the storefit image the pods run")
	case o.Phase != "" && o.Phase != "all" && o.Phase != "load" && o.Phase != "run":
		return fmt.Errorf("phase %q: use load, run or all", o.Phase)
	case o.Phase == "load" && !o.StartAt.IsZero():
		return errors.New("a load phase has no measured phase to start at a given time")
	case o.Phase != "load" && o.StartAt.IsZero():
		return errors.New("give the coordinated start of the measured phase (--start-at or --start-in)")
	case o.CPU.Sign() <= 0 || o.Memory.Sign() <= 0:
		return errors.New("cpu and memory must be positive")
	case o.DSNSecret != "" && !dnsSubdomain.MatchString(o.DSNSecret):
		return fmt.Errorf("secret name %q is not a DNS subdomain", o.DSNSecret)
	case o.PVC != "" && !dnsSubdomain.MatchString(o.PVC):
		return fmt.Errorf("PVC name %q is not a DNS subdomain", o.PVC)
	}
	for _, a := range o.RunArgs {
		name, _, _ := strings.Cut(a, "=")
		switch name {
		case "--shard", "--start-at", "--start-every", "--out", "-o", "--suite", "--store", "-s", "--phase":
			return fmt.Errorf("run argument %s is set by the manifest itself", name)
		}
	}
	return nil
}

var dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)

// Objects returns the manifest's objects: the ConfigMap holding the suite
// and the Indexed Job running the shards.
func Objects(o Options) (*corev1.ConfigMap, *batchv1.Job, error) {
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	labels := map[string]string{
		"app.kubernetes.io/name":       "storefit",
		"app.kubernetes.io/instance":   o.Name,
		"app.kubernetes.io/managed-by": "storefit-k8s-manifest",
	}
	annotations := map[string]string{}
	if o.SuiteName != "" {
		annotations["storefit/suite"] = o.SuiteName
	}
	if !o.StartAt.IsZero() {
		annotations["storefit/start-at"] = o.StartAt.UTC().Format(time.RFC3339Nano)
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name + "-suite", Namespace: o.Namespace, Labels: labels},
		Data:       map[string]string{suiteKey: string(o.Suite)},
	}

	n := int32(o.Shards)
	args := []string{"run", "--suite", SuitePath}
	for _, s := range o.Stores {
		args = append(args, "--store", s)
	}
	args = append(args, "--shard", "$("+IndexEnv+")/"+strconv.Itoa(o.Shards))
	if o.Phase != "" && o.Phase != "all" {
		args = append(args, "--phase", o.Phase)
	}
	if !o.StartAt.IsZero() {
		args = append(args, "--start-at", o.StartAt.UTC().Format(time.RFC3339Nano))
	}
	if o.StartEvery > 0 {
		args = append(args, "--start-every", o.StartEvery.String())
	}
	args = append(args, "--progress", "lines")
	mounts := []corev1.VolumeMount{
		{Name: "suite", MountPath: path.Dir(SuitePath), ReadOnly: true},
		{Name: "tmp", MountPath: "/tmp"},
	}
	volumes := []corev1.Volume{
		{Name: "suite", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: cm.Name},
		}}},
		// The root file system is read-only: temporary files (embedded
		// stores without a path, the checkpoint of --out -) go here.
		{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
	if o.PVC != "" {
		args = append(args, "--out", path.Join(ResultsDir, o.Name, "shard-$("+IndexEnv+").json"))
		mounts = append(mounts, corev1.VolumeMount{Name: "results", MountPath: ResultsDir})
		volumes = append(volumes, corev1.Volume{Name: "results", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: o.PVC},
		}})
	} else {
		args = append(args, "--out", "-")
	}
	args = append(args, o.RunArgs...)

	env := []corev1.EnvVar{{
		Name: IndexEnv,
		ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
			FieldPath: "metadata.annotations['" + batchv1.JobCompletionIndexAnnotation + "']",
		}},
	}}
	var envFrom []corev1.EnvFromSource
	if o.DSNSecret != "" {
		envFrom = append(envFrom, corev1.EnvFromSource{SecretRef: &corev1.SecretEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: o.DSNSecret},
		}})
	}
	res := corev1.ResourceList{corev1.ResourceCPU: o.CPU, corev1.ResourceMemory: o.Memory}
	indexed := batchv1.IndexedCompletion
	zero := int32(0)
	yes, no := true, false
	uid := int64(runAsUser)
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Namespace: o.Namespace, Labels: labels, Annotations: annotations},
		Spec: batchv1.JobSpec{
			CompletionMode: &indexed,
			Completions:    &n,
			Parallelism:    &n,
			// A retried shard would miss the coordinated start: a failed
			// shard fails the Job, to be rerun as a whole.
			BackoffLimit: &zero,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					// Shards on different nodes: one node's network or CPU
					// is what sharding works around.
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
						PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
							Weight: 100,
							PodAffinityTerm: corev1.PodAffinityTerm{
								LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/instance": o.Name}},
								TopologyKey:   corev1.LabelHostname,
							},
						}},
					}},
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   &yes,
						RunAsUser:      &uid,
						RunAsGroup:     &uid,
						FSGroup:        &uid,
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:            "storefit",
						Image:           o.Image,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args:            args,
						Env:             env,
						EnvFrom:         envFrom,
						Resources:       corev1.ResourceRequirements{Requests: res, Limits: res},
						VolumeMounts:    mounts,
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: &no,
							ReadOnlyRootFilesystem:   &yes,
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
					}},
					Volumes: volumes,
				},
			},
		},
	}
	if o.TTL > 0 {
		ttl := int32(o.TTL / time.Second)
		job.Spec.TTLSecondsAfterFinished = &ttl
	}
	return cm, job, nil
}

// Manifest returns the manifest as YAML: the ConfigMap and the Job, two
// documents separated by "---", ready for `kubectl apply -f`.
func Manifest(o Options) ([]byte, error) {
	cm, job, err := Objects(o)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for i, obj := range []any{cm, job} {
		b, err := yaml.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}
